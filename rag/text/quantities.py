"""One grammar for numbers with units, shared by question analysis, the quiz and the LLM verifier.

A quantity is written as the plan writes it: an optional comparator (≥, ≤), a number (7700, 51.7, 6~7,
5G) and an optional unit (亿元, 个百分点, 家, %). Text is NFKC-folded first, so ％ is %, ～ is ~ and full-width
digits are digits; thousands separators (7,700) are joined.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

UNITS = ("万亿元", "亿元", "万元", "万亿", "个百分点", "百分点", "千瓦时", "万千瓦", "千瓦", "兆瓦", "平方公里",
         "公里", "万吨", "吨", "万人", "人次", "亿", "万", "千", "元", "家", "个", "项", "条", "座", "所", "台",
         "套", "辆", "件", "款", "种", "类", "批", "名", "人", "户", "次", "亩", "倍", "%", "‰", "年", "月",
         "日", "天", "小时", "岁")
TIME_UNITS = frozenset({"年", "月", "日", "天", "小时", "岁"})
_QUANTITY = re.compile(
    r"(?<![0-9A-Za-z.])(?P<ordinal>第)?(?P<cmp>[≥≤<>]=?)?"
    r"(?P<num>[A-Za-z]*\d+(?:\.\d+)?(?:[~\-—–]\d+(?:\.\d+)?)?[A-Za-z]*)"
    rf"(?P<unit>{'|'.join(re.escape(u) for u in UNITS)})?"
)
_LIST_MARKER = re.compile(r"^\s*(?:[-*•]\s*)?(?:\d{1,2}[.、)）](?!\d)|[（(]\d{1,2}[)）])\s*", re.M)
_THOUSANDS = re.compile(r"(?<=\d),(?=\d{3}(?!\d))")


@dataclass(frozen=True)
class Quantity:
    """A number as stated: 7700亿元 (number "7700", unit "亿元"), ≥54% (comparator "≥")."""

    text: str  # as written, comparator and unit included, ordinal 第 excluded
    number: str
    unit: str
    comparator: str
    ordinal: bool  # 第3项: a position, not an amount

    @property
    def value(self) -> float | None:
        try:
            return float(self.number)
        except ValueError:
            return None

    @property
    def is_amount(self) -> bool:
        """A measured amount (7700亿元, 54%, 300家): a unit that is not a date or duration, not an ordinal."""
        return bool(self.unit) and self.unit not in TIME_UNITS and not self.ordinal


def fold(text: str) -> str:
    """Width-, space- and separator-insensitive form for comparing numbers (％→%, 7,700→7700)."""
    return _THOUSANDS.sub("", re.sub(r"\s+", "", unicodedata.normalize("NFKC", text)))


def parse_quantities(text: str) -> list[Quantity]:
    """Every quantity in a text, list markers (1. / （2）) skipped."""
    text = fold(_LIST_MARKER.sub("", unicodedata.normalize("NFKC", text)))
    found = []
    for match in _QUANTITY.finditer(text):
        written = match.group(0)[1:] if match.group("ordinal") else match.group(0)
        found.append(Quantity(written, match.group("num"), match.group("unit") or "", match.group("cmp") or "",
                              bool(match.group("ordinal"))))
    return found


def quantities(text: str) -> list[str]:
    """Numbers as stated, with comparator and unit: 7700亿元, ≥54%, 6~7个, 5G."""
    return [q.text for q in parse_quantities(text)]


def quantity_occurs(quantity: str, source: str) -> bool:
    """Whether `quantity` is written in `source` (both folded); 700家 does not occur in 7700家."""
    quantity, source = fold(quantity), fold(source)
    match = _QUANTITY.fullmatch(quantity)
    tail = "" if match and match.group("unit") else r"(?!\.?\d)"
    return re.search(r"(?<![0-9A-Za-z.])" + re.escape(quantity) + tail, source) is not None

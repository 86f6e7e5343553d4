"""One grammar for numbers with units, shared by question analysis, the quiz and the LLM verifier.

A quantity is written as the plan writes it: an optional comparator (≥, ≤), a number (7700, 51.7, 6~7,
5G) and an optional unit (亿元, 个百分点, 家, %). Text is NFKC-folded first, so ％ is %, ～ is ~ and full-width
digits are digits; thousands separators (7,700) are joined.

For checking a number against the plan, `mentions` also reads what frames each amount: Chinese-character
numbers (七千七百亿元, 百分之五十四) in digits, its bound in words (不少于2000家, 54%以上 → ≥), and whether the
sentence gives it as a base value or a target (基期值（2025年）7.1%, 目标值（2030年）≥6.5%).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

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


def _quantity(match: re.Match) -> Quantity:
    written = match.group(0)[1:] if match.group("ordinal") else match.group(0)
    return Quantity(written, match.group("num"), match.group("unit") or "", match.group("cmp") or "",
                    bool(match.group("ordinal")))


def parse_quantities(text: str) -> list[Quantity]:
    """Every quantity in a text, list markers (1. / （2）) skipped."""
    text = fold(_LIST_MARKER.sub("", unicodedata.normalize("NFKC", text)))
    return [_quantity(match) for match in _QUANTITY.finditer(text)]


def quantities(text: str) -> list[str]:
    """Numbers as stated, with comparator and unit: 7700亿元, ≥54%, 6~7个, 5G."""
    return [q.text for q in parse_quantities(text)]


def quantity_occurs(quantity: str, source: str) -> bool:
    """Whether `quantity` is written in `source` (both folded); 700家 does not occur in 7700家."""
    quantity, source = fold(quantity), fold(source)
    match = _QUANTITY.fullmatch(quantity)
    tail = "" if match and match.group("unit") else r"(?!\.?\d)"
    return re.search(r"(?<![0-9A-Za-z.])" + re.escape(quantity) + tail, source) is not None


# -- numbers in context: Chinese numerals, bounds, base and target --------------------------------

_CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_CN_UNITS = {"十": 10, "百": 100, "千": 1000}
_CN_RUN = "[零〇一二两三四五六七八九十百千]+(?:点[零〇一二三四五六七八九]+)?"
_CN_NUMBER = re.compile(
    rf"百分之(?P<percent>{_CN_RUN}|\d+(?:\.\d+)?)|(?P<run>{_CN_RUN})(?=(?P<unit>{'|'.join(map(re.escape, UNITS))}))")
_AT_LEAST = ("不少于", "不低于", "不小于", "至少", "超过", "多于", "高于", "大于")
_AT_MOST = ("不超过", "不高于", "不多于", "不大于", "至多", "最多", "低于", "少于", "小于", "不到")
_AT_LEAST_AFTER, _AT_MOST_AFTER = ("以上", "及以上"), ("以下", "及以下", "以内")
BOUND_WORDS = frozenset(_AT_LEAST + _AT_MOST + _AT_LEAST_AFTER + _AT_MOST_AFTER)  # 低于, 以上: the grammar's words
_BASE_WORDS = ("基期", "现状", "目前", "现在", "当前", "现有")
_TARGET_WORDS = ("目标", "力争", "预期", "预计")
_YEAR = re.compile(r"(?<!\d)((?:19|20)\d\d)年")
_ROLE = re.compile("|".join(_BASE_WORDS + _TARGET_WORDS))
_SENTENCE_BREAK = re.compile(r"[。;!?\n]")
_ENUMERATION_BREAK = re.compile(r"[,，。;!?\n:]")
_RANGE = re.compile(r"[~\-—–]")


def _cn_value(run: str) -> str:
    whole, _, decimals = run.partition("点")
    if not any(ch in _CN_UNITS for ch in whole):  # 二〇二五: digit by digit
        number = "".join(str(_CN_DIGITS[ch]) for ch in whole)
    else:
        total, digit = 0, 0
        for ch in whole:
            if ch in _CN_UNITS:
                total += (digit or 1) * _CN_UNITS[ch]
                digit = 0
            else:
                digit = _CN_DIGITS[ch]
        number = str(total + digit)
    return number + ("." + "".join(str(_CN_DIGITS[ch]) for ch in decimals) if decimals else "")


def _cn_replace(match: re.Match) -> str:
    if match.group("percent"):
        percent = match.group("percent")
        return (percent if percent[0].isdigit() else _cn_value(percent)) + "%"
    run, unit = match.group("run"), match.group("unit")
    if not any(ch in _CN_DIGITS for ch in run) or (run == "一" and unit[0] not in "万亿百"):
        return run  # 千家万户, 一批, 一个: words, not amounts
    return _cn_value(run)


def digits(text: str) -> str:
    """Chinese-character numbers before a unit written in digits: 七千七百亿元 → 7700亿元, 百分之五十四 → 54%;
    a lone 一 (一批, 一个) and numerals without a digit (千家万户) are words and stay."""
    return _CN_NUMBER.sub(_cn_replace, text)


def canonical(text: str) -> str:
    """`fold` applied line by line after `digits`: the form in which `mentions` reads numbers."""
    return "\n".join(fold(line) for line in digits(unicodedata.normalize("NFKC", text)).split("\n"))


@dataclass(frozen=True)
class Mention:
    """A quantity where it stands in `canonical(text)`, with what frames it there.

    bound: "≥" or "≤" when the quantity is a bound (≥54%, 不少于2000家, 54%以上), else "".
    shared_bound: a bound that an enumeration states once for all its items (不少于2000家基础级、800家先进级).
    role: "base" (基期值, 目前) or "target" (目标值, 力争), from the nearest such word before it in its sentence.
    year: the year it is stated for (基期值（2025年）7.1% → 2025), from the same words.
    """

    quantity: Quantity
    start: int
    end: int
    bound: str = ""
    shared_bound: str = ""
    role: str = ""
    year: str = field(default="")

    @property
    def is_year(self) -> bool:
        return self.quantity.unit == "年" and _YEAR.fullmatch(self.quantity.text) is not None

    def same_amount(self, other: "Mention") -> bool:
        """The same number with the same unit, or with the unit left off or shortened (7700 or 7700亿 for 7700亿元)."""
        mine, theirs = self.quantity, other.quantity
        return (_RANGE.sub("~", mine.number) == _RANGE.sub("~", theirs.number) and theirs.unit.startswith(mine.unit)
                and mine.ordinal == theirs.ordinal)


def _direction(comparator: str) -> str:
    return "≥" if comparator.startswith(("≥", ">")) else "≤" if comparator.startswith(("≤", "<")) else ""


def _bound(text: str, match: re.Match) -> str:
    if match.group("cmp"):
        return _direction(match.group("cmp"))
    before, after = text[max(0, match.start() - 4):match.start()], text[match.end():match.end() + 3]
    words = [(len(w), "≥") for w in _AT_LEAST if before.endswith(w)] + [(len(w), "≤") for w in _AT_MOST if before.endswith(w)]
    if words:  # the longest word decides: 不超过 is not 超过
        return max(words)[1]
    return "≥" if after.startswith(_AT_LEAST_AFTER) else "≤" if after.startswith(_AT_MOST_AFTER) else ""


def _frame(window: str, previous: tuple[str, str]) -> tuple[str, str]:
    """(role, year) for a quantity whose text since the previous quantity is `window`: the last role word and
    year in it; nothing new in it keeps the previous frame, a sentence break clears it."""
    broken = _SENTENCE_BREAK.split(window)
    if len(broken) > 1:
        previous, window = ("", ""), broken[-1]
    roles, years = _ROLE.findall(window), _YEAR.findall(window)
    if not roles and not years:
        return previous
    role = "" if not roles else ("base" if roles[-1] in _BASE_WORDS else "target")
    return role, years[-1] if years else ""


def mentions(text: str) -> list[Mention]:
    """Every quantity of `canonical(text)` (list markers skipped) with its bound, role and year."""
    text = canonical(text)
    markers = [m.span() for m in _LIST_MARKER.finditer(text)]
    found: list[Mention] = []
    frame, last_end, shared = ("", ""), 0, ""
    for match in _QUANTITY.finditer(text):
        if any(start <= match.start() < end for start, end in markers):
            continue
        quantity = _quantity(match)
        mention = Mention(quantity, match.start(), match.end(), _bound(text, match))
        if mention.is_year:
            found.append(mention)
            continue
        window = text[last_end:match.start()]
        frame = _frame(window, frame)
        shared = mention.bound or ("" if _ENUMERATION_BREAK.search(window) else shared)
        found.append(Mention(quantity, match.start(), match.end(), mention.bound, shared, *frame))
        last_end = match.end()
    return found

"""What every reader returns: a document's paragraphs and tables in reading order, plus any labelled facts the
file states outside its text (a web page's information table)."""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from dataclasses import dataclass

from ...text import strip_control
from ...text.normalize import REPLACEMENT  # what decoding made of bytes it could not read

# The start of a numbered part in any kind of document: 一、 （一） 1. （1） 第X章/节/条 附件N 专栏
HEADING_START = re.compile(r"^(?:[一二三四五六七八九十百]+、|[（(][一二三四五六七八九十百]+[）)]|\d{1,2}[.．、](?!\d)|[（(]\d{1,2}[）)]|"
                           r"第[一二三四五六七八九十百零〇\d]+[章节条]|附件\s*\d*$|专栏)")
_BOOKMARK = re.compile(r"\[bookmark:[^\]]*\]")  # Word-export artefacts, removed here, never by hand-editing
# Chinese text read in its own encoding is almost all (> 0.99 on every library document) common characters
# (GB2312 level 1, the 3755 most used); text read in a wrong one (Big5, EUC-KR, UTF-16 without BOM, a PDF font
# without a Unicode map) is mostly rare characters, kana or hangul (< 0.35).
COMMON_SHARE = 0.8
MIN_LETTERS = 20  # fewer non-ASCII letters than this are too few to judge
GARBLED = ("文字无法识别，像是编码不对（支持 UTF-8、GB18030 和带 BOM 的 UTF-16 文本）或字体缺少文字映射："
           "请另存为 UTF-8 编码的文本或 Word 文件后再添加")
NO_CHINESE = "没有可识别的中文文字（可能不是文本文件，或编码不对）：请提供政策文件的文字版本"


class ParseError(ValueError):
    """The file cannot be read as a policy document; the message says why, in Chinese."""


@dataclass(frozen=True)
class Table:
    rows: tuple[tuple[str, ...], ...]


Block = str | Table


@dataclass(frozen=True)
class Extract:
    blocks: tuple[Block, ...]
    facts: tuple[tuple[str, str], ...] = ()  # (label, value), e.g. ("发布日期", "2026-05-22")


def check_legible(extract: Extract) -> None:
    """ParseError when the text read is not legible Chinese: a wrong encoding, a binary file, a font without
    a Unicode map."""
    text = "".join(b if isinstance(b, str) else "".join("".join(r) for r in b.rows) for b in extract.blocks)
    if not text.strip():
        return  # an empty file, said as such by the parser
    # each distinct character judged once (start-up reads every document of the library)
    letters = {c: n for c, n in Counter(text).items()
               if c == REPLACEMENT or ord(c) > 0x7F and unicodedata.category(c) in ("Lo", "Lm", "Nl", "No")}
    if not any(_han(c) for c in letters):
        raise ParseError(NO_CHINESE)
    total = sum(letters.values())
    if total >= MIN_LETTERS and sum(n for c, n in letters.items() if _common(c)) < COMMON_SHARE * total:
        raise ParseError(GARBLED)


def _han(char: str) -> bool:
    return "\u4e00" <= char <= "\u9fff"


def _common(char: str) -> bool:
    try:
        return 0xB0 <= char.encode("gb2312")[0] <= 0xD7
    except UnicodeEncodeError:
        return False


def clean_line(line: str) -> str:
    return strip_control(_BOOKMARK.sub("", line), "").rstrip(" ")


def table(rows: list[list[str]] | list[tuple[str, ...]]) -> Table | None:
    """A table from its cell texts, without empty rows; None when nothing is left."""
    kept = tuple(tuple(cell.strip() for cell in row) for row in rows if any(cell.strip() for cell in row))
    return Table(kept) if kept else None

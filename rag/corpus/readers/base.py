"""What every reader returns: a document's paragraphs and tables in reading order, plus any labelled facts the
file states outside its text (a web page's information table)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from ...text import strip_control

# The start of a numbered part in any kind of document: 一、 （一） 1. （1） 第X章/节/条 附件N 专栏
HEADING_START = re.compile(r"^(?:[一二三四五六七八九十百]+、|[（(][一二三四五六七八九十百]+[）)]|\d{1,2}[.．、](?!\d)|[（(]\d{1,2}[）)]|"
                           r"第[一二三四五六七八九十百零〇\d]+[章节条]|附件\s*\d*$|专栏)")
_BOOKMARK = re.compile(r"\[bookmark:[^\]]*\]")  # Word-export artefacts, removed here, never by hand-editing


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


def clean_line(line: str) -> str:
    return strip_control(_BOOKMARK.sub("", line), "").rstrip(" ")


def table(rows: list[list[str]] | list[tuple[str, ...]]) -> Table | None:
    """A table from its cell texts, without empty rows; None when nothing is left."""
    kept = tuple(tuple(cell.strip() for cell in row) for row in rows if any(cell.strip() for cell in row))
    return Table(kept) if kept else None

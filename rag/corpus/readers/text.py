"""Plain-text files (UTF-8 or GB18030). Tables come in three shapes: one cell per line led by a tab with a blank
line after each row (Word's text export), and one row per line with cells split by tabs or by ｜."""

from __future__ import annotations

import re
from pathlib import Path

from ...text import decode_bytes
from .base import Block, Extract, clean_line, table

_SEPARATOR = re.compile(r"\t|[｜|]")
MIN_CELLS = 3


def read_text_file(path: Path) -> Extract:
    return text_extract(decode_bytes(path.read_bytes()))


def text_extract(text: str) -> Extract:
    lines = [clean_line(line) for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    blocks: list[Block] = []
    i = 0
    while i < len(lines):
        if _cell_line(lines, i) and _cell_line(lines, _next_content(lines, i + 1)):
            rows, end = _cell_rows(lines, i)
            if len(rows[0]) == 1:  # a row of one cell is the table's caption: a paragraph
                blocks.append(lines[i].strip())
                i += 1
                continue
            i = end
        elif _cells(lines[i]) and len(_cells(lines[i])) == len(_cells(lines[i + 1] if i + 1 < len(lines) else "")):
            rows, i = _delimited_rows(lines, i)
        else:
            if lines[i].strip():
                blocks.append(lines[i].strip())
            i += 1
            continue
        found = table(rows)
        if found:
            blocks.append(found)
    return Extract(tuple(blocks))


def _next_content(lines: list[str], i: int) -> int:
    while i < len(lines) and not lines[i].strip():
        i += 1
    return i


def _cell_line(lines: list[str], i: int) -> bool:
    return i < len(lines) and lines[i].startswith("\t")


def _cell_rows(lines: list[str], start: int) -> tuple[list[list[str]], int]:
    """Cells start with a tab; a line without one continues the cell above; blank lines end rows."""
    rows: list[list[str]] = []
    row: list[str] = []
    i = start
    while i < len(lines):
        raw = lines[i]
        if raw.startswith("\t"):
            row.append(raw.strip())
        elif raw.strip() and row:
            row[-1] += raw.strip()
        elif raw.strip():
            break
        elif row:
            rows.append(row)
            row = []
        i += 1
    if row:
        rows.append(row)
    return rows, i


def _cells(line: str) -> list[str]:
    cells = _SEPARATOR.split(line.strip())
    return cells if len(cells) >= MIN_CELLS else []


def _delimited_rows(lines: list[str], start: int) -> tuple[list[list[str]], int]:
    width = len(_cells(lines[start]))
    rows, i = [], start
    while i < len(lines) and len(_cells(lines[i])) == width:
        rows.append(_cells(lines[i]))
        i += 1
    return rows, i

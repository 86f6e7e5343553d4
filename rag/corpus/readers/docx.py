"""Word files: paragraphs and tables in body order, with Word's automatic numbering written out
(一、 / （一） / 1. as the list definition prints them)."""

from __future__ import annotations

import logging
import re
import zipfile
from collections import defaultdict
from pathlib import Path

import docx
from docx.opc.exceptions import PackageNotFoundError
from docx.oxml.ns import qn
from docx.table import Table as DocxTable
from docx.text.paragraph import Paragraph

from ...text.numerals import chinese_number
from .base import Block, Extract, ParseError, clean_line, table

log = logging.getLogger(__name__)


def read_docx_file(path: Path) -> Extract:
    try:
        document = docx.Document(str(path))
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError) as error:
        log.info("%s: %s", path, error)
        raise ParseError("不是有效的 Word（.docx）文件：文件已损坏，或是改了扩展名的其他文件（旧版 .doc 请先另存为 .docx）") from error
    numbering = _Numbering(document)
    blocks: list[Block] = []
    for item in document.iter_inner_content():
        if isinstance(item, DocxTable):
            found = table([[clean_line(cell.text).strip() for cell in _unique(row.cells)] for row in item.rows])
            if found:
                blocks.append(found)
        elif isinstance(item, Paragraph):
            text = clean_line(item.text).strip()
            if text:
                blocks.append(numbering.label(item) + text)
    return Extract(tuple(blocks))


def _unique(cells):
    """Merged cells repeat in python-docx's row.cells; each is kept once."""
    seen, kept = set(), []
    for cell in cells:
        if id(cell._tc) not in seen:
            seen.add(id(cell._tc))
            kept.append(cell)
    return kept


class _Numbering:
    """Counters of Word's list definitions, advanced paragraph by paragraph."""

    def __init__(self, document):
        self._levels: dict[tuple[str, int], tuple[str, str, int]] = {}  # (numId, ilvl) → (format, text, start)
        self._counters: dict[str, list[int]] = defaultdict(lambda: [0] * 9)
        try:
            part = document.part.numbering_part
        except (KeyError, NotImplementedError):
            return
        abstract = {}
        for node in part.element.findall(qn("w:abstractNum")):
            abstract[node.get(qn("w:abstractNumId"))] = node
        for num in part.element.findall(qn("w:num")):
            ref = num.find(qn("w:abstractNumId"))
            definition = abstract.get(ref.get(qn("w:val"))) if ref is not None else None
            if definition is None:
                continue
            for level in definition.findall(qn("w:lvl")):
                self._levels[(num.get(qn("w:numId")), int(level.get(qn("w:ilvl"))))] = (
                    _val(level, "w:numFmt", "decimal"), _val(level, "w:lvlText", "%1."), int(_val(level, "w:start", "1")))

    def label(self, paragraph: Paragraph) -> str:
        num_id, ilvl = _num_properties(paragraph)
        if num_id is None or (num_id, ilvl) not in self._levels:
            return ""
        counters = self._counters[num_id]
        counters[ilvl] += 1
        for deeper in range(ilvl + 1, 9):
            counters[deeper] = 0
        fmt, text, _ = self._levels[(num_id, ilvl)]
        if fmt == "bullet":
            return ""

        def number(match: re.Match) -> str:
            level = int(match.group(1)) - 1
            level_fmt, _, start = self._levels.get((num_id, level), ("decimal", "", 1))
            value = counters[level] + start - 1
            return chinese_number(value) if level_fmt.startswith(("chinese", "ideograph", "japanese")) else str(value)

        return re.sub(r"%(\d)", number, text)


def _val(node, tag: str, default: str) -> str:
    child = node.find(qn(tag))
    return child.get(qn("w:val"), default) if child is not None else default


def _num_properties(paragraph: Paragraph) -> tuple[str | None, int]:
    """The list a paragraph belongs to, set on the paragraph or inherited from its style."""
    for properties in (paragraph._p.pPr, getattr(paragraph.style.element, "pPr", None) if paragraph.style else None):
        num = properties.find(qn("w:numPr")) if properties is not None else None
        if num is not None:
            num_id = num.find(qn("w:numId"))
            ilvl = num.find(qn("w:ilvl"))
            if num_id is not None and num_id.get(qn("w:val")) != "0":
                return num_id.get(qn("w:val")), int(ilvl.get(qn("w:val"))) if ilvl is not None else 0
    return None, 0

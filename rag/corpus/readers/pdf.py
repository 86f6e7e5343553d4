"""PDF files with a text layer: lines in reading order, running headers and footers and page numbers removed,
wrapped lines joined back into paragraphs (no space inserted between Chinese characters), tables as rows.
A scanned PDF (no text layer) is reported; OCR is not done here."""

from __future__ import annotations

import logging
import re
import statistics
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pdfplumber
from pdfminer.pdfparser import PDFSyntaxError
from pdfplumber.utils.exceptions import PdfminerException

from .base import HEADING_START, Block, Extract, ParseError, Table, clean_line, table

log = logging.getLogger(__name__)

MARGIN_SHARE = 0.08  # top and bottom share of a page where running headers and footers sit
_PAGE_NUMBER = re.compile(r"^[-—–\s]*(?:第\s*)?\d{1,4}(?:\s*页)?(?:\s*/\s*共?\s*\d+\s*页?)?[-—–\s]*$")



@dataclass(frozen=True)
class _Line:
    text: str
    x0: float
    x1: float
    top: float
    bottom: float
    page: int
    page_height: float
    char_width: float


def read_pdf_file(path: Path) -> Extract:
    try:
        with pdfplumber.open(str(path)) as pdf:
            pages = [_page_items(page, number) for number, page in enumerate(pdf.pages)]
    except (PdfminerException, PDFSyntaxError, ValueError, TypeError) as error:
        log.info("%s: %s", path, error)
        raise ParseError("不是有效的 PDF 文件：文件已损坏、不完整，或是改了扩展名的其他文件") from error
    lines = [item for items in pages for item in items if isinstance(item, _Line)]
    if not lines:
        raise ParseError("PDF 没有文字层（可能是扫描件），暂不支持；请提供可复制文字的 PDF、Word 或网页版本")
    running = _running_lines(lines, len(pages))
    blocks: list[Block] = []
    kept = [[item for item in items if not (isinstance(item, _Line) and _is_running(item, running))] for items in pages]
    body = [item for items in kept for item in items if isinstance(item, _Line)] or lines
    left = min(line.x0 for line in body)
    right = max(line.x1 for line in body)
    paragraph: list[_Line] = []
    for items in kept:
        for item in items:
            if isinstance(item, Table):
                _flush(paragraph, blocks)
                blocks.append(item)
            elif paragraph and _continues(paragraph[-1], item, left, right):
                paragraph.append(item)
            else:
                _flush(paragraph, blocks)
                paragraph.append(item)
    _flush(paragraph, blocks)
    return Extract(tuple(blocks))


def _page_items(page, number: int) -> list[_Line | Table]:
    found = page.find_tables()
    boxes = [t.bbox for t in found]

    def outside(obj) -> bool:
        return not any(x0 <= obj["x0"] and obj["x1"] <= x1 and top <= obj["top"] and obj["bottom"] <= bottom
                       for x0, top, x1, bottom in boxes)

    text_page = page.filter(outside)
    widths = [c["x1"] - c["x0"] for c in text_page.chars if c["text"].strip()]
    char_width = statistics.median(widths) if widths else 10.0
    items: list[tuple[float, _Line | Table]] = []
    for raw in text_page.extract_text_lines(return_chars=False):
        text = clean_line(raw["text"]).strip()
        if text:
            items.append((raw["top"], _Line(text, raw["x0"], raw["x1"], raw["top"], raw["bottom"], number,
                                            float(page.height), char_width)))
    for found_table in found:
        rows = table([[clean_line((cell or "").replace("\n", "")) for cell in row] for row in found_table.extract()])
        if rows:
            items.append((found_table.bbox[1], rows))
    return [item for _, item in sorted(items, key=lambda pair: pair[0])]


def _margin(line: _Line) -> bool:
    return line.top < line.page_height * MARGIN_SHARE or line.bottom > line.page_height * (1 - MARGIN_SHARE)


def _key(line: _Line) -> str:
    return re.sub(r"\d+", "#", line.text.replace(" ", ""))


def _running_lines(lines: list[_Line], pages: int) -> set[str]:
    """Texts (digits masked) that sit in a page margin on more than one page: running headers and footers."""
    counts = Counter(_key(line) for line in lines if _margin(line))
    return {key for key, count in counts.items() if count > 1 and pages > 1}


def _is_running(line: _Line, running: set[str]) -> bool:
    return _margin(line) and (_key(line) in running or bool(_PAGE_NUMBER.match(line.text)))


def _continues(previous: _Line, line: _Line, left: float, right: float) -> bool:
    """A line continues the paragraph above when that one ran to the right margin and this one is not indented
    and does not start a numbered heading."""
    full = previous.x1 >= right - 1.5 * previous.char_width
    indented = line.x0 > left + 0.8 * line.char_width
    return full and not indented and not HEADING_START.match(line.text)


def _flush(paragraph: list[_Line], blocks: list[Block]) -> None:
    if paragraph:
        blocks.append(_join(line.text for line in paragraph))
        paragraph.clear()


def _join(parts) -> str:
    """Wrapped lines joined: no space between Chinese characters, one between Latin words, none after a hyphen."""
    text = ""
    for part in parts:
        if text.endswith("-") and part[:1].isalpha():
            text = text[:-1] + part
        elif text and text[-1].isascii() and text[-1].isalnum() and part[:1].isascii() and part[:1].isalnum():
            text += " " + part
        else:
            text += part
    return text

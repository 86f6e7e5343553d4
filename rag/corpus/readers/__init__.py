"""One reader per file format, each returning the document's paragraphs and tables in reading order."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from .base import Block, Extract, ParseError, Table, check_legible
from .docx import read_docx_file
from .html import read_html_file
from .pdf import read_pdf_file
from .text import read_text_file, text_extract

READERS: dict[str, Callable[[Path], Extract]] = {
    ".txt": read_text_file,
    ".docx": read_docx_file,
    ".pdf": read_pdf_file,
    ".html": read_html_file,
    ".htm": read_html_file,
}
SUFFIXES = tuple(READERS)


def read_file(path: Path) -> Extract:
    reader = READERS.get(path.suffix.lower())
    if reader is None:
        raise ParseError(f"{path.name}: 不支持的文件格式（支持 {'、'.join(SUFFIXES)}）")
    try:
        extract = reader(path)
        check_legible(extract)
        return extract
    except ParseError as error:
        raise ParseError(f"{path.name}: {error}") from error
    except OSError as error:
        raise ParseError(f"{path.name}: 无法读取（{error.strerror or error}）") from error


__all__ = ["Block", "Extract", "ParseError", "SUFFIXES", "Table", "read_file", "text_extract"]

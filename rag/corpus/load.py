"""The one corpus loader: every document file of the corpus folder, parsed."""

from __future__ import annotations

import logging
from pathlib import Path

from ..schema import Document
from .parse import ParseError, parse_file
from .readers import SUFFIXES

log = logging.getLogger(__name__)

DOCUMENT_SUFFIXES = SUFFIXES


class IndexUnavailable(RuntimeError):
    """The corpus or index cannot be loaded or built; the message says which command fixes it."""


def corpus_files(corpus_dir: Path) -> list[Path]:
    return sorted(p for p in corpus_dir.glob("*") if p.suffix.lower() in DOCUMENT_SUFFIXES and p.is_file())


def load_corpus(corpus_dir: Path) -> list[Document]:
    paths = corpus_files(corpus_dir)
    if not paths:
        raise IndexUnavailable(f"语料目录 {corpus_dir} 中没有文件（支持 .txt、.docx、.pdf、.html；设置 RAG_CORPUS_DIR 指向文件所在目录）")
    documents = []
    for path in paths:
        try:
            documents.append(parse_file(path))
        except ParseError as error:
            log.error("skipping %s: %s", path.name, error)
    if not documents:
        raise IndexUnavailable(f"语料目录 {corpus_dir} 中没有可解析的文件")
    return documents

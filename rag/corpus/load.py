"""The one corpus loader: every document file of the corpus folder, parsed, with the library's settings
(status, inclusion) applied. Files that are not policy documents are reported, not silently indexed."""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from pathlib import Path

from ..schema import Document, DocumentKind
from .library import Registry
from .parse import ParseError, parse_file
from .readers import SUFFIXES

log = logging.getLogger(__name__)

DOCUMENT_SUFFIXES = SUFFIXES


class IndexUnavailable(RuntimeError):
    """The corpus or index cannot be loaded or built; the message says which command fixes it."""


@dataclass(frozen=True)
class Skipped:
    source: str
    reason: str


def corpus_files(corpus_dir: Path) -> list[Path]:
    return sorted(p for p in corpus_dir.glob("*") if p.suffix.lower() in DOCUMENT_SUFFIXES and p.is_file())


def read_corpus(corpus_dir: Path, include_unstructured: bool = False) -> tuple[list[Document], list[Skipped]]:
    """The documents of the library, and the files left out with the reason (unreadable; no numbering, unless
    RAG_INCLUDE_UNSTRUCTURED or `rag add --unstructured` asked for it)."""
    registry = Registry(corpus_dir)
    documents, skipped = [], []
    for path in corpus_files(corpus_dir):
        try:
            document = parse_file(path)
        except ParseError as error:
            log.error("skipping %s: %s", path.name, error)
            skipped.append(Skipped(path.name, str(error)))
            continue
        entry = registry.entry(document.doc_id)
        if document.meta.kind == DocumentKind.UNSTRUCTURED and not (include_unstructured or entry.include):
            log.warning("skipping %s: no clause numbering (not a policy document?)", path.name)
            skipped.append(Skipped(path.name, "没有条款编号（不像政策文件），未纳入；确需纳入请用 add --unstructured"))
            continue
        if entry.status:
            document = Document(replace(document.meta, status=entry.status), document.clauses, document.indicators)
        documents.append(document)
    return documents, skipped


def load_corpus(corpus_dir: Path, include_unstructured: bool = False) -> list[Document]:
    if not corpus_files(corpus_dir):
        raise IndexUnavailable(f"语料目录 {corpus_dir} 中没有文件（支持 {'、'.join(SUFFIXES)}；设置 RAG_CORPUS_DIR 指向文件所在目录）")
    documents, _ = read_corpus(corpus_dir, include_unstructured)
    if not documents:
        raise IndexUnavailable(f"语料目录 {corpus_dir} 中没有可解析的政策文件")
    return documents

"""The library's own settings, kept beside the documents in the corpus folder (library.json): a status set by
hand (现行有效 / 已废止) and documents without numbering that were asked for. Adding and removing files."""

from __future__ import annotations

import json
import logging
import os
import shutil
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path

from ..schema import CURRENT, REPEALED, Document
from .parse import parse_file
from .readers import SUFFIXES, ParseError

log = logging.getLogger(__name__)

REGISTRY_FILE = "library.json"
STATUSES = (CURRENT, REPEALED)


@dataclass(frozen=True)
class Entry:
    status: str = ""  # empty: as the document says
    include: bool = False  # a text without numbering, included on purpose


class Registry:
    def __init__(self, corpus_dir: Path):
        self.path = corpus_dir / REGISTRY_FILE
        try:
            raw = json.loads(self.path.read_text("utf-8")) if self.path.exists() else {}
        except (OSError, ValueError) as error:
            log.error("ignoring unreadable %s (%s)", self.path, error)
            raw = {}
        self._entries = {k: Entry(**{f: v for f, v in e.items() if f in ("status", "include")})
                         for k, e in raw.items() if isinstance(e, dict)}

    def entry(self, doc_id: str) -> Entry:
        return self._entries.get(doc_id, Entry())

    def set(self, doc_id: str, entry: Entry | None) -> None:
        if entry is None or entry == Entry():
            self._entries.pop(doc_id, None)
        else:
            self._entries[doc_id] = entry
        _write_atomic(self.path, json.dumps({k: asdict(e) for k, e in sorted(self._entries.items())},
                                            ensure_ascii=False, indent=1))


def _write_atomic(path: Path, text: str) -> None:
    handle, staging = tempfile.mkstemp(prefix=".library-", dir=path.parent)
    with os.fdopen(handle, "w", encoding="utf-8") as file:
        file.write(text)
    os.replace(staging, path)


def add_file(corpus_dir: Path, source: Path, unstructured: bool = False) -> Document:
    """Check that a file parses, then copy it into the corpus folder (atomically; the same name replaces)."""
    if source.suffix.lower() not in SUFFIXES:
        raise ParseError(f"{source.name}: 不支持的文件格式（支持 {'、'.join(SUFFIXES)}）")
    document = parse_file(source)
    corpus_dir.mkdir(parents=True, exist_ok=True)
    handle, staging = tempfile.mkstemp(prefix=".add-", dir=corpus_dir)
    os.close(handle)
    shutil.copyfile(source, staging)
    os.replace(staging, corpus_dir / source.name)
    if unstructured:
        registry = Registry(corpus_dir)
        registry.set(document.doc_id, Entry(registry.entry(document.doc_id).status, include=True))
    return document


def remove_file(corpus_dir: Path, document: Document) -> None:
    (corpus_dir / document.meta.source).unlink(missing_ok=True)
    Registry(corpus_dir).set(document.doc_id, None)


def set_status(corpus_dir: Path, document: Document, status: str) -> None:
    if status not in STATUSES:
        raise ValueError(f"状态只能是 {'、'.join(STATUSES)}")
    registry = Registry(corpus_dir)
    registry.set(document.doc_id, Entry(status, registry.entry(document.doc_id).include))

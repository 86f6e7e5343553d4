"""What start-up derives from each document (facts, measures), cached beside the index in
``$RAG_DATA_DIR/derived`` so that start-up does not redo work that grows with the corpus.

One file per kind and document. Its first line records the key it was made under (the document's
fingerprint, the code and data it was derived with, and whatever else of the corpus the caller says it
depends on) and the size and hash of the rest; a record whose key differs, or whose contents do not match,
is not used: the caller derives it again and the file is rewritten (atomically: a reader never sees half a
file). A data folder that cannot be written leaves the cache empty, never an error.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
import weakref
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import TypeVar

from ..schema import Document

log = logging.getLogger(__name__)

FOLDER = "derived"
T = TypeVar("T")
_SOURCES = (".py", ".tsv", ".txt")


_FINGERPRINTS: dict[int, str] = {}  # id of a live document -> its fingerprint


def document_fingerprint(document: Document) -> str:
    """A hash of the parsed document, computed once per document object (a document is not changed after
    parsing; the index, its staleness check and the derived cache all ask for it at every start)."""
    key = id(document)
    held = _FINGERPRINTS.get(key)
    if held is None:
        digest = hashlib.sha256(repr(document.meta).encode())
        digest.update(repr(document.clauses).encode())
        digest.update(repr(document.indicators).encode())
        held = _FINGERPRINTS[key] = digest.hexdigest()[:20]
        weakref.finalize(document, _FINGERPRINTS.pop, key, None)  # the id may name another document later
    return held


@lru_cache(maxsize=1)
def code_fingerprint() -> str:
    """The package's code and data files: any change may change what is derived, so nothing older is used."""
    root = Path(__file__).resolve().parents[1]
    digest = hashlib.sha256()
    for path in sorted(p for p in root.rglob("*") if p.suffix in _SOURCES and p.is_file()):
        digest.update(path.relative_to(root).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:20]


def _name(document: Document) -> str:
    return hashlib.sha256(document.doc_id.encode()).hexdigest()[:24]


class DerivedCache:
    """Per-document records of derived data; ``None`` as the folder: nothing is cached."""

    def __init__(self, folder: Path | None):
        self.folder = folder

    def key(self, document: Document, depends: str = "") -> str:
        return f"{code_fingerprint()}:{document_fingerprint(document)}:{depends}"

    def _path(self, kind: str, document: Document) -> Path:
        return self.folder / f"{kind}-{_name(document)}.json"

    def prune(self, documents: list[Document]) -> None:
        """Remove the records of documents no longer in the corpus."""
        if self.folder is None or not self.folder.is_dir():
            return
        current = {_name(document) for document in documents}
        for path in self.folder.glob("*-*.json"):
            if path.stem.rsplit("-", 1)[1] not in current:
                try:
                    path.unlink(missing_ok=True)
                except OSError:  # a read-only data folder: the stale record is never read anyway
                    return

    def get(self, kind: str, document: Document, derive: Callable[[], T], record: Callable[[T], object],
            read: Callable[[object], T], depends: str = "") -> T:
        """``derive()`` of the document, or what the record stored under the same key reads back as (``read``);
        derived results are stored (as ``record`` gives them) for the next start."""
        if self.folder is None:
            return derive()
        stored = self._load(kind, document, depends)
        if stored is not None:
            try:
                return read(stored)
            except (KeyError, TypeError, ValueError, AttributeError) as error:
                log.warning("derived %s of %s unreadable (%r): deriving it again", kind, document.doc_id, error)
        result = derive()
        self._save(kind, document, record(result), depends)
        return result

    def _load(self, kind: str, document: Document, depends: str):
        """The record made under the same key, or None (none, another key, or damaged)."""
        path = self._path(kind, document)
        try:
            with path.open("rb") as handle:
                header = json.loads(handle.readline())
                body = handle.read()
            if header["key"] != self.key(document, depends):
                return None
            if header["size"] != len(body) or header["sha256"] != hashlib.sha256(body).hexdigest():
                log.warning("%s is damaged: deriving it again", path.name)
                return None
            return json.loads(body)
        except FileNotFoundError:
            return None
        except (OSError, ValueError, KeyError, TypeError) as error:
            log.warning("%s is unreadable (%s): deriving it again", path.name, error)
            return None

    def _save(self, kind: str, document: Document, data, depends: str) -> None:
        body = json.dumps(data, ensure_ascii=False).encode()
        header = {"doc_id": document.doc_id, "key": self.key(document, depends), "size": len(body),
                  "sha256": hashlib.sha256(body).hexdigest()}
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            handle, temporary = tempfile.mkstemp(prefix=".derived-", dir=self.folder)
            try:
                with os.fdopen(handle, "wb") as out:
                    out.write(json.dumps(header, ensure_ascii=False).encode() + b"\n" + body)
                os.replace(temporary, self._path(kind, document))
            finally:
                if os.path.exists(temporary):
                    os.unlink(temporary)
        except OSError as error:  # a read-only data folder: derived at every start, as without a cache
            log.info("derived data not cached (%s)", error)

"""The persisted index: a node store (embedded or Milvus) plus a manifest and corpus statistics in
``$RAG_DATA_DIR/index``.

Builds are incremental: the manifest keeps a fingerprint of every document, and ``update_index`` embeds only
new or changed documents and deletes removed ones. Readers (``open_index``) never build when an index exists:
a stale index is used as it is, with a notice that says what changed and which command updates it. The
manifest records the size and hash of every file; a reader checks them and the node references, and a
damaged or missing index is rebuilt (or reported, when the data folder cannot be written).

Installing is a folder swap under an exclusive lock; readers hold a shared lock while reading, so they see
either the old index or the new one, never half of each. Staging folders of a killed build are removed by
the next build.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import logging
import shutil
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..config import Settings
from ..corpus.derived import document_fingerprint
from ..corpus.load import IndexUnavailable
from ..corpus.parse import PARSER_VERSION
from ..corpus.vocab import data_fingerprint
from ..embedding import Embedder, model_id
from ..loading import loading
from ..schema import Document
from .embedded import EmbeddedStore
from .nodes import MAX_CHUNK_CHARS, embed_text, make_nodes
from .passages import Passages
from .stats import CorpusStats, DocumentStats
from .store_api import IndexDamaged, NodeStore, StoredNode
from .tokenize import Tokenizer

log = logging.getLogger(__name__)

FORMAT = 3  # 3: the embedded store's node table and distinct vectors, passages.json
MANIFEST = "manifest.json"
STATS_FILE = "stats.json"
DOC_STATS_FILE = "document_stats.json"
_STAGING_PREFIXES = (".index-", ".retired-")


@dataclass(frozen=True)
class IndexStatus:
    """How the indexed documents compare with the corpus (document ids)."""

    added: tuple[str, ...] = ()
    changed: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    unchanged: tuple[str, ...] = ()

    @property
    def stale(self) -> bool:
        return bool(self.added or self.changed or self.removed)

    def describe(self) -> str:
        return f"新增 {len(self.added)}、修改 {len(self.changed)}、删除 {len(self.removed)} 个文件"


@dataclass(frozen=True)
class BuildReport:
    status: IndexStatus
    nodes: int  # in the index after the build
    embedded: int  # nodes (re)indexed by this build
    seconds: float
    full: bool
    reused: int = 0  # distinct texts whose stored vectors were reused instead of embedding them again


@dataclass
class Index:
    """A loaded index: the store to search, corpus statistics, and a notice when it is out of date."""

    store: NodeStore
    stats: CorpusStats
    manifest: dict
    notice: str = ""


def settings_fingerprint(settings: Settings) -> dict:
    """What every node depends on besides its document; any change means a full rebuild."""
    return {"format": FORMAT, "parser": PARSER_VERSION, "dictionaries": data_fingerprint(),
            "model": model_id(settings), "chunk": MAX_CHUNK_CHARS, "store": settings.store}


def compare(manifest: dict | None, documents: list[Document]) -> IndexStatus:
    indexed = {doc_id: entry["fingerprint"] for doc_id, entry in (manifest or {}).get("documents", {}).items()}
    current = {d.doc_id: document_fingerprint(d) for d in documents}
    return IndexStatus(
        added=tuple(sorted(set(current) - set(indexed))),
        changed=tuple(sorted(i for i in current if i in indexed and current[i] != indexed[i])),
        removed=tuple(sorted(set(indexed) - set(current))),
        unchanged=tuple(sorted(i for i in current if indexed.get(i) == current[i])),
    )


def index_status(settings: Settings, documents: list[Document]) -> IndexStatus:
    """How the last installed index compares with ``documents`` (all "added" when there is none)."""
    try:
        manifest = json.loads((settings.index_dir / MANIFEST).read_text("utf-8"))
    except (OSError, ValueError):
        manifest = None
    return compare(manifest, documents)


# ---------------------------------------------------------------------------------------------- building
@loading()
def update_index(settings: Settings, embedder: Embedder, tokenizer: Tokenizer, documents: list[Document],
                 full: bool = False) -> BuildReport:
    """Bring the persisted index in line with ``documents``: embed new and changed documents, delete removed
    ones, install the result. ``full`` (or a changed model, parser, dictionary or format) re-embeds all."""
    started = time.perf_counter()
    data_dir = settings.data_dir
    try:
        data_dir.mkdir(parents=True, exist_ok=True)
        with _locked(data_dir / "index.build.lock", exclusive=True):
            _remove_staging(data_dir)
            return _update(settings, embedder, tokenizer, documents, full, started)
    except OSError as error:
        raise IndexUnavailable(f"无法写入索引目录 {settings.index_dir}（{error}）；请检查 RAG_DATA_DIR 后运行 python -m rag build") from error


def build_index(settings: Settings, embedder: Embedder, tokenizer: Tokenizer, documents: list[Document]) -> BuildReport:
    return update_index(settings, embedder, tokenizer, documents, full=True)


def _update(settings, embedder, tokenizer, documents, full, started) -> BuildReport:
    previous = None
    if not full:
        try:
            previous = _read(settings)
        except FileNotFoundError:
            log.info("no index yet: building all documents")
        except IndexDamaged as error:
            log.warning("previous index not reusable (%s): building all documents", error)
        if previous and previous[0].get("settings") != settings_fingerprint(settings):
            log.warning("model, parser, dictionaries or store changed since the last build: building all documents")
            previous = None
    manifest, store, _ = previous or ({}, open_store(settings, embedder.dimension, fresh=True), None)
    status = compare(manifest, documents)
    by_id = {d.doc_id: d for d in documents}
    doc_stats = _read_doc_stats(settings.index_dir) if previous else {}
    passages = Passages.read(settings.index_dir) if previous else Passages()
    todo = [by_id[i] for i in status.added + status.changed]
    made = {document.doc_id: make_nodes(document, tokenizer) for document in todo}
    nodes: list[StoredNode] = [node for own in made.values() for node in own]
    texts = [embed_text(n) for n in nodes]
    stored = passages.stored_vectors(store, texts)  # read before the changed documents' nodes are deleted
    for doc_id in status.removed + status.changed:
        store.delete(doc_id)
        doc_stats.pop(doc_id, None)
    passages.forget(status.removed + status.changed)
    if nodes:
        store.upsert(nodes, _embed(embedder, texts, stored))
        passages.remember(nodes, texts)
    for document in todo:
        doc_stats[document.doc_id] = DocumentStats.of(document, tokenizer)
    entries = {doc_id: manifest["documents"][doc_id] for doc_id in status.unchanged}
    for document in todo:
        own = made[document.doc_id]
        entries[document.doc_id] = {"fingerprint": document_fingerprint(document), "title": document.meta.title,
                                    "source": document.meta.source, "nodes": len(own),
                                    "refs": sorted({n.ref for n in own})}
    _install_build(settings, store, doc_stats, passages, entries, round(time.perf_counter() - started, 2))
    report = BuildReport(status, store.count(), len(nodes), round(time.perf_counter() - started, 2), previous is None,
                         len(stored))
    log.info("index updated (%s): %d nodes indexed, %d stored vectors reused, %d nodes in all, %.1fs",
             status.describe(), len(nodes), len(stored), report.nodes, report.seconds)
    return report


def _embed(embedder: Embedder, texts: list[str], stored: dict[str, np.ndarray]) -> np.ndarray:
    """A vector per text: stored ones reused, each other distinct text embedded once (clauses that documents
    share word for word, such as a template's boilerplate, cost one embedding)."""
    todo = [text for text in dict.fromkeys(texts) if text not in stored]
    vectors = {**stored, **dict(zip(todo, embedder.passages(todo) if todo else []))}
    return np.stack([vectors[text] for text in texts]).astype(np.float32, copy=False)


def _install_build(settings: Settings, store: NodeStore, doc_stats: dict[str, DocumentStats],
                   passages: Passages, entries: dict, seconds: float) -> None:
    data_dir = settings.data_dir
    staging = Path(tempfile.mkdtemp(prefix=".index-", dir=data_dir))
    staging.chmod(0o755)
    try:
        files = store.persist(staging)
        stats = CorpusStats.merge(doc_stats[doc_id] for doc_id in entries)
        _write_json(staging / STATS_FILE, stats.to_dict())
        _write_json(staging / DOC_STATS_FILE, {doc_id: doc_stats[doc_id].to_dict() for doc_id in entries})
        files += [STATS_FILE, DOC_STATS_FILE, passages.write(staging)]
        manifest = {
            "settings": settings_fingerprint(settings),
            "model": model_id(settings),
            "documents": entries,
            "nodes": store.count(),
            "files": {name: _file_record(staging / name) for name in files},
            "built_at": time.strftime("%Y-%m-%dT%H:%M:%S"),
            "build_seconds": seconds,
        }
        _write_json(staging / MANIFEST, manifest)
        index_dir = settings.index_dir
        retired = data_dir / f".retired-{staging.name[1:]}"
        with _locked(data_dir / "index.lock", exclusive=True):
            if index_dir.exists():
                index_dir.rename(retired)
            staging.rename(index_dir)
        shutil.rmtree(retired, ignore_errors=True)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def open_store(settings: Settings, dimension: int | None, fresh: bool) -> NodeStore:
    """The configured store: empty (``fresh``, for a full build) or as the last build left it."""
    if settings.store == "milvus":
        from .milvus import MilvusStore

        return MilvusStore.connect(settings, dimension, fresh)
    if settings.store != "embedded":
        raise IndexUnavailable(f"RAG_STORE={settings.store} 无效：可选 embedded（默认）或 milvus")
    return EmbeddedStore.empty(dimension) if fresh else EmbeddedStore.load(settings.index_dir)


def _clean_when_idle(data_dir: Path) -> None:
    """Remove what a killed build left, unless a build is running now (its staging folder is in use)."""
    try:
        handle = (data_dir / "index.build.lock").open("a+")
    except OSError:  # no data folder yet, or a read-only one
        return
    with handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return
        _remove_staging(data_dir)


def _remove_staging(data_dir: Path) -> None:
    """Folders a killed build left behind (only called with the build lock held, so none is in use)."""
    for path in data_dir.iterdir():
        if path.is_dir() and path.name.startswith(_STAGING_PREFIXES):
            log.info("removing %s left by an interrupted build", path.name)
            shutil.rmtree(path, ignore_errors=True)


# ---------------------------------------------------------------------------------------------- reading
def open_index(settings: Settings, embedder: Embedder, tokenizer: Tokenizer, documents: list[Document]) -> Index:
    """The last complete index. Built here only when there is none or it is damaged or made by another model;
    a stale one is used as it is, with a notice."""
    _clean_when_idle(settings.data_dir)
    try:
        manifest, store, stats = _read(settings)
        _check_refs(manifest, documents)
        if manifest["model"] != model_id(settings):
            raise IndexDamaged(f"built with the embedding model {manifest['model']}, not {model_id(settings)}")
    except (IndexDamaged, FileNotFoundError) as error:
        reason = "missing" if isinstance(error, FileNotFoundError) else f"unusable: {error}"
        log.warning("index at %s is %s: building it now", settings.index_dir, reason)
        update_index(settings, embedder, tokenizer, documents, full=True)
        manifest, store, stats = _read(settings)
    return Index(store, stats, manifest, _stale_notice(settings, manifest, documents))


def _stale_notice(settings: Settings, manifest: dict, documents: list[Document]) -> str:
    status = compare(manifest, documents)
    changed_settings = manifest.get("settings") != settings_fingerprint(settings)
    if not status.stale and not changed_settings:
        return ""
    what = status.describe() if status.stale else "词典或解析规则已更新"
    notice = f"索引不是最新的（{what}，索引建于 {manifest.get('built_at', '?')}）；运行 python -m rag build 更新。"
    log.warning(notice)
    return notice


def _read(settings: Settings) -> tuple[dict, NodeStore, CorpusStats]:
    """Manifest, store and statistics, after checking every file's size and hash against the manifest."""
    index_dir = settings.index_dir
    with _locked(settings.data_dir / "index.lock", exclusive=False):
        if not (index_dir / MANIFEST).exists():
            raise FileNotFoundError(index_dir / MANIFEST)
        try:
            manifest = json.loads((index_dir / MANIFEST).read_text("utf-8"))
            files = manifest["files"]
            manifest["documents"], manifest["nodes"]
        except (OSError, ValueError, KeyError, TypeError) as error:
            raise IndexDamaged(f"{MANIFEST} is unreadable ({error})") from error
        for name, record in files.items():
            actual = _file_record(index_dir / name) if (index_dir / name).is_file() else None
            if actual is None:
                raise IndexDamaged(f"{name} is missing")
            if actual != record:
                raise IndexDamaged(f"{name} was changed after the build (size or hash differs from {MANIFEST})")
        stats = CorpusStats.from_dict(json.loads((index_dir / STATS_FILE).read_text("utf-8")))
        store = open_store(settings, None, fresh=False)
    if store.count() != manifest["nodes"]:
        raise IndexDamaged(f"the store holds {store.count()} nodes, the manifest lists {manifest['nodes']}")
    return manifest, store, stats


def _check_refs(manifest: dict, documents: list[Document]) -> None:
    """Every clause the index cites for an unchanged document exists in that document."""
    by_id = {d.doc_id: d for d in documents}
    status = compare(manifest, documents)
    for doc_id in status.unchanged:
        missing = [ref for ref in manifest["documents"][doc_id]["refs"] if by_id[doc_id].clause(ref) is None]
        if missing:
            raise IndexDamaged(f"{doc_id}: the index cites clauses the document does not have ({missing[0]})")


def _read_doc_stats(index_dir: Path) -> dict[str, DocumentStats]:
    rows = json.loads((index_dir / DOC_STATS_FILE).read_text("utf-8"))
    return {doc_id: DocumentStats.from_dict(row) for doc_id, row in rows.items()}


def _file_record(path: Path) -> dict:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return {"size": path.stat().st_size, "sha256": digest.hexdigest()}


def _write_json(path: Path, data) -> None:
    path.write_text(json.dumps(data, ensure_ascii=False), "utf-8")


@contextmanager
def _locked(path: Path, exclusive: bool) -> Iterator[None]:
    """An advisory lock on a file of the data folder; without one (a read-only folder) nobody can install,
    so there is nothing to wait for."""
    try:
        handle = path.open("a+")
    except OSError:
        yield
        return
    with handle:
        fcntl.flock(handle, fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH)
        yield

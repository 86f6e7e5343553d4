"""The search index: llama-index nodes carrying clause metadata, dense vectors in FAISS, BM25 over jieba tokens.

Persisted under ``$RAG_DATA_DIR/index`` with a manifest; rebuilt when the corpus, the parser, the
tokenizer dictionaries or the embedding model change, and when the files on disk are unreadable.
"""

from __future__ import annotations

import hashlib
import json
import logging
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import bm25s
import faiss
import numpy as np
from llama_index.core.schema import TextNode

from ..config import Settings
from ..corpus.load import corpus_files
from ..corpus.parse import PARSER_VERSION
from ..corpus.vocab import data_fingerprint
from ..embedding import Embedder, model_id
from ..corpus.load import IndexUnavailable
from ..schema import Clause, Document
from .nodes import MAX_CHUNK_CHARS, embed_text, make_nodes, node_tokens
from .tokenize import Tokenizer

log = logging.getLogger(__name__)

_FILES = ("manifest.json", "nodes.json", "dense.faiss", "bm25")
PROGRESS_EVERY = 16  # passages embedded between two progress lines


def fingerprint(settings: Settings, corpus_dir: Path) -> str:
    digest = hashlib.sha256()
    for path in corpus_files(corpus_dir):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    for part in (PARSER_VERSION, data_fingerprint(), model_id(settings), str(MAX_CHUNK_CHARS)):
        digest.update(part.encode())
    return digest.hexdigest()[:20]


@dataclass
class SearchIndex:
    documents: dict[str, Document]
    nodes: list[TextNode]
    dense: faiss.Index
    bm25: bm25s.BM25
    manifest: dict

    def clause(self, doc_id: str, ref: str) -> Clause | None:
        document = self.documents.get(doc_id)
        return document.clause(ref) if document else None


def build_index(settings: Settings, embedder: Embedder, tokenizer: Tokenizer, documents: list[Document]) -> SearchIndex:
    started = time.perf_counter()
    nodes = make_nodes(documents)
    log.info("正在建立索引：%d 个片段", len(nodes))
    vectors = _embed(embedder, [embed_text(n) for n in nodes], started)
    dense = faiss.IndexFlatIP(vectors.shape[1])
    dense.add(vectors)
    bm25 = bm25s.BM25()
    bm25.index([node_tokens(tokenizer, n) for n in nodes], show_progress=False)
    manifest = {
        "fingerprint": fingerprint(settings, settings.corpus_dir),
        "model": embedder.model_id,
        "parser_version": PARSER_VERSION,
        "documents": [d.doc_id for d in documents],
        "nodes": len(nodes),
        "built_at": time.strftime("%Y-%m-%dT%H:%M:%S"),
        "build_seconds": round(time.perf_counter() - started, 2),
    }
    _persist(settings.index_dir, nodes, dense, bm25, manifest)
    log.info("索引已建立：%d 个片段，用时 %.1f 秒", len(nodes), manifest["build_seconds"])
    return SearchIndex({d.doc_id: d for d in documents}, nodes, dense, bm25, manifest)


def _embed(embedder: Embedder, texts: list[str], started: float) -> np.ndarray:
    """The passages' vectors, with progress: on a first start this is the longest stage."""
    parts = []
    for start in range(0, len(texts), PROGRESS_EVERY):
        parts.append(embedder.passages(texts[start : start + PROGRESS_EVERY]))
        done = min(start + PROGRESS_EVERY, len(texts))
        log.info("向量化：%d/%d 个片段（已用 %.0f 秒）", done, len(texts), time.perf_counter() - started)
    return np.concatenate(parts)


def _persist(index_dir: Path, nodes, dense, bm25, manifest) -> None:
    index_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".index-", dir=index_dir.parent))
    (staging / "nodes.json").write_text(json.dumps([n.to_dict() for n in nodes], ensure_ascii=False), "utf-8")
    faiss.write_index(dense, str(staging / "dense.faiss"))
    bm25.save(str(staging / "bm25"), show_progress=False)
    (staging / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=1), "utf-8")
    retired = index_dir.with_name(f".retired-{staging.name}")
    try:
        if index_dir.exists():
            index_dir.rename(retired)
        staging.rename(index_dir)
    except OSError as error:  # another process installed its build at the same moment: keep that one
        log.warning("could not install the new index (%s); using it in memory only", error)
        shutil.rmtree(staging, ignore_errors=True)
    shutil.rmtree(retired, ignore_errors=True)


def _read(index_dir: Path, documents: list[Document]) -> SearchIndex:
    manifest = json.loads((index_dir / "manifest.json").read_text("utf-8"))
    nodes = [TextNode.from_dict(d) for d in json.loads((index_dir / "nodes.json").read_text("utf-8"))]
    dense = faiss.read_index(str(index_dir / "dense.faiss"))
    bm25 = bm25s.BM25.load(str(index_dir / "bm25"), show_progress=False)
    if dense.ntotal != len(nodes) or manifest.get("nodes") != len(nodes):
        raise ValueError(f"index files disagree: {dense.ntotal} vectors, {len(nodes)} nodes")
    return SearchIndex({d.doc_id: d for d in documents}, nodes, dense, bm25, manifest)


def load_index(settings: Settings, embedder: Embedder, tokenizer: Tokenizer, documents: list[Document]) -> SearchIndex:
    """Load the persisted index, rebuilding it when it is stale, missing or corrupt."""
    index_dir = settings.index_dir
    expected = fingerprint(settings, settings.corpus_dir)
    if all((index_dir / name).exists() for name in _FILES):
        try:
            index = _read(index_dir, documents)
            if index.manifest.get("fingerprint") == expected:
                return index
            log.warning("索引已过期（语料、解析器、词典或模型有变）：重新建立")
        except Exception as error:  # any unreadable file means the same thing: rebuild
            log.warning("索引 %s 无法读取（%s）：重新建立", index_dir, error)
    else:
        log.warning("尚无索引（%s）：正在建立，约需一分钟", index_dir)
    try:
        return build_index(settings, embedder, tokenizer, documents)
    except OSError as error:
        raise IndexUnavailable(f"无法写入索引目录 {index_dir}（{error}）；请检查 RAG_DATA_DIR 后运行 python -m rag build") from error


def dense_scores(index: SearchIndex, query_vector: np.ndarray, k: int) -> list[tuple[int, float]]:
    scores, ids = index.dense.search(query_vector.reshape(1, -1), min(k, index.dense.ntotal))
    return [(int(i), float(s)) for i, s in zip(ids[0], scores[0]) if i >= 0]


def bm25_scores(index: SearchIndex, terms: list[str]) -> np.ndarray:
    known = [t for t in terms if t in index.bm25.vocab_dict]
    if not known:
        return np.zeros(len(index.nodes), dtype=np.float32)
    return index.bm25.get_scores(known)

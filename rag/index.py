"""The search index: llama-index nodes carrying clause metadata, dense vectors in FAISS, BM25 over jieba tokens.

Persisted under ``$RAG_DATA_DIR/index`` with a manifest; rebuilt when the corpus, the parser, the
tokenizer dictionaries or the embedding model change, and when the files on disk are unreadable.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import bm25s
import faiss
import numpy as np
from llama_index.core.schema import TextNode

from .config import Settings
from .embed import Embedder, model_id
from .parse import PARSER_VERSION, ParseError, parse_file
from .schema import Clause, Document
from .tokenize import Tokenizer, data_fingerprint

log = logging.getLogger(__name__)

MAX_CHUNK_CHARS = 320
_SENTENCE_END = re.compile(r"(?<=[。；！？])")
_FILES = ("manifest.json", "nodes.json", "dense.faiss", "bm25")


class IndexUnavailable(RuntimeError):
    """The index cannot be loaded or built; the message says which command fixes it."""


def load_corpus(corpus_dir: Path) -> list[Document]:
    paths = sorted(corpus_dir.glob("*.txt"))
    if not paths:
        raise IndexUnavailable(f"语料目录 {corpus_dir} 中没有 .txt 文件（设置 RAG_CORPUS_DIR 指向规划文本所在目录）")
    documents = []
    for path in paths:
        try:
            documents.append(parse_file(path))
        except ParseError as error:
            log.error("skipping %s: %s", path.name, error)
    if not documents:
        raise IndexUnavailable(f"语料目录 {corpus_dir} 中没有可解析的文件")
    return documents


def fingerprint(settings: Settings, corpus_dir: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(corpus_dir.glob("*.txt")):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    for part in (PARSER_VERSION, data_fingerprint(), model_id(settings), str(MAX_CHUNK_CHARS)):
        digest.update(part.encode())
    return digest.hexdigest()[:20]


def split_sentences(text: str) -> list[str]:
    return [s for s in _SENTENCE_END.split(text.replace("\n", "")) if s.strip()]


def chunk_text(text: str, limit: int = MAX_CHUNK_CHARS) -> list[str]:
    """One chunk for a normal clause; a very long one is split at sentence ends."""
    if len(text) <= limit:
        return [text]
    chunks, current = [], ""
    for sentence in split_sentences(text):
        if current and len(current) + len(sentence) > limit:
            chunks.append(current)
            current = ""
        current += sentence
    return chunks + ([current] if current else [])


def _searchable_text(clause: Clause, document: Document) -> str:
    """What the index sees of a clause: a table by its title and note, a parent also by its items' titles."""
    if clause.kind == "table":
        lines = clause.text.split("\n")
        text = "\n".join([lines[0]] + [line for line in lines[1:] if line.startswith("注")])
    else:
        text = clause.text
    children = [c for c in document.children(clause.ref) if c.kind == "clause"]
    if children:
        text += "\n包括：" + "；".join(c.title_path[-1] for c in children)
    return text


def make_nodes(documents: list[Document]) -> list[TextNode]:
    nodes = []
    for document in documents:
        for clause in document.clauses:
            for i, chunk in enumerate(chunk_text(_searchable_text(clause, document))):
                nodes.append(
                    TextNode(
                        id_=f"{document.doc_id}:{clause.ref}#{i}",
                        text=chunk,
                        metadata={
                            "doc_id": document.doc_id,
                            "ref": clause.ref,
                            "kind": clause.kind,
                            "title": clause.title,
                            "context": " ".join(clause.title_path[-2:]),
                            "chunk": i,
                        },
                        excluded_embed_metadata_keys=["doc_id", "ref", "kind", "chunk", "context"],
                        excluded_llm_metadata_keys=["doc_id", "kind", "chunk", "context"],
                    )
                )
    return nodes


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


def _node_tokens(tokenizer: Tokenizer, node: TextNode) -> list[str]:
    return tokenizer.words(node.metadata["context"] + "\n" + node.text) or ["∅"]


def _embed_text(node: TextNode) -> str:
    return node.metadata["title"] + "\n" + node.text


def build_index(settings: Settings, embedder: Embedder, tokenizer: Tokenizer, documents: list[Document]) -> SearchIndex:
    started = time.perf_counter()
    nodes = make_nodes(documents)
    vectors = embedder.passages([_embed_text(n) for n in nodes])
    dense = faiss.IndexFlatIP(vectors.shape[1])
    dense.add(vectors)
    bm25 = bm25s.BM25()
    bm25.index([_node_tokens(tokenizer, n) for n in nodes], show_progress=False)
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
    log.info("built index: %d nodes in %.1fs", len(nodes), manifest["build_seconds"])
    return SearchIndex({d.doc_id: d for d in documents}, nodes, dense, bm25, manifest)


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
            log.warning("index is stale (corpus, parser, dictionaries or model changed): rebuilding")
        except Exception as error:  # any unreadable file means the same thing: rebuild
            log.warning("index at %s is unreadable (%s): rebuilding", index_dir, error)
    else:
        log.info("no index at %s: building", index_dir)
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

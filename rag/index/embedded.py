"""The embedded node store: dense vectors in a FAISS inner-product index and BM25 (bm25s scoring) over the
project's jieba terms, kept in memory and saved as plain files in the index folder.

Nodes are addressed by their string ids through an id map (node id -> row); upserts and deletes change only
those rows, and the BM25 matrix is re-scored from the stored terms (no re-tokenizing, no re-embedding).
Lexical search walks the posting lists of the query's terms only, so it touches the nodes that contain them,
not the whole corpus.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import fields
from pathlib import Path

import bm25s
import faiss
import numpy as np

from .store_api import Filter, IndexDamaged, Scored, StoredNode, reciprocal_rank_fusion

NODES_FILE = "nodes.json"
VECTORS_FILE = "vectors.npy"
BM25_FILE = "bm25.npz"
FILES = (NODES_FILE, VECTORS_FILE, BM25_FILE)
_NODE_FIELDS = tuple(field.name for field in fields(StoredNode))


def _row(node: StoredNode) -> dict:
    """A node as a JSON object (``dataclasses.asdict`` would deep-copy every term: a third of a build's store work)."""
    return {name: getattr(node, name) for name in _NODE_FIELDS}


class _Postings:
    """BM25 scores as posting lists (bm25s's CSC matrix: per term, the nodes that contain it and their scores)."""

    def __init__(self, vocab: dict[str, int], data: np.ndarray, indices: np.ndarray, indptr: np.ndarray):
        self.vocab, self.data, self.indices, self.indptr = vocab, data, indices, indptr

    @classmethod
    def score(cls, documents: list[tuple[str, ...]]) -> "_Postings":
        bm25 = bm25s.BM25()
        bm25.index([list(terms) for terms in documents], show_progress=False)
        scores = bm25.scores
        return cls(dict(bm25.vocab_dict), scores["data"], scores["indices"], scores["indptr"])

    def top(self, terms: Sequence[str], k: int, allowed: np.ndarray | None) -> list[tuple[int, float]]:
        """Rows with the k highest summed scores; each term counts as often as the query names it (as bm25s)."""
        ids = [i for i in (self.vocab.get(t) for t in terms) if i is not None and i + 1 < len(self.indptr)]
        if not ids:
            return []
        rows = np.concatenate([self.indices[self.indptr[i]:self.indptr[i + 1]] for i in ids])
        values = np.concatenate([self.data[self.indptr[i]:self.indptr[i + 1]] for i in ids])
        touched, inverse = np.unique(rows, return_inverse=True)
        totals = np.zeros(len(touched), dtype=self.data.dtype)
        np.add.at(totals, inverse, values)  # float32, added in query-term order: the same sums as bm25s
        keep = totals > 0
        if allowed is not None:
            keep &= allowed[touched]
        touched, totals = touched[keep], totals[keep]
        order = np.lexsort((touched, -totals))[:k]
        return [(int(touched[i]), float(totals[i])) for i in order]

    def save(self, path: Path) -> None:
        with path.open("wb") as handle:
            np.savez(handle, data=self.data, indices=self.indices, indptr=self.indptr,
                     vocab=np.array(json.dumps(self.vocab, ensure_ascii=False)))

    @classmethod
    def load(cls, path: Path) -> "_Postings":
        with np.load(path, allow_pickle=False) as arrays:
            return cls(json.loads(str(arrays["vocab"])), arrays["data"], arrays["indices"], arrays["indptr"])


class EmbeddedStore:
    """FAISS + BM25 in memory, saved to and loaded from a folder."""

    def __init__(self, nodes: list[StoredNode], vectors: np.ndarray, postings: _Postings | None = None):
        self._set(nodes, vectors, postings)

    def _set(self, nodes: list[StoredNode], vectors: np.ndarray, postings: _Postings | None = None) -> None:
        self._nodes = nodes
        self._vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        self._row = {node.node_id: i for i, node in enumerate(nodes)}
        self._doc_ids = np.array([node.doc_id for node in nodes], dtype=object)
        self._dense = faiss.IndexFlatIP(self._vectors.shape[1])
        self._dense.add(self._vectors)
        self._postings = postings  # None: re-scored from the terms at the next lexical search or save

    @classmethod
    def empty(cls, dimension: int) -> "EmbeddedStore":
        return cls([], np.zeros((0, dimension), dtype=np.float32))

    # writes -------------------------------------------------------------------------------------------
    def upsert(self, nodes: Sequence[StoredNode], vectors: np.ndarray) -> None:
        replaced = {node.node_id for node in nodes}
        keep = [i for i, node in enumerate(self._nodes) if node.node_id not in replaced]
        self._set([self._nodes[i] for i in keep] + list(nodes), np.vstack([self._vectors[keep], vectors]))

    def delete(self, doc_id: str) -> None:
        keep = [i for i, node in enumerate(self._nodes) if node.doc_id != doc_id]
        if len(keep) != len(self._nodes):
            self._set([self._nodes[i] for i in keep], self._vectors[keep])

    # reads --------------------------------------------------------------------------------------------
    def dense(self, vector: np.ndarray, k: int, filter: Filter | None = None) -> Scored:
        k = min(k, len(self._nodes))
        if k <= 0:
            return []
        params = None
        if filter is not None:
            allowed = np.flatnonzero(self._allowed(filter)).astype(np.int64)
            params = faiss.SearchParameters(sel=faiss.IDSelectorBatch(allowed))
        scores, rows = self._dense.search(vector.reshape(1, -1).astype(np.float32), k, params=params)
        return [(self._nodes[r].node_id, float(s)) for r, s in zip(rows[0], scores[0]) if r >= 0]

    def lexical(self, terms: Sequence[str], k: int, filter: Filter | None = None) -> Scored:
        if self._postings is None:
            self._postings = _Postings.score([node.terms for node in self._nodes])
        allowed = self._allowed(filter) if filter is not None else None
        return [(self._nodes[r].node_id, score) for r, score in self._postings.top(terms, k, allowed)]

    def hybrid(self, vector: np.ndarray, terms: Sequence[str], k: int, filter: Filter | None = None) -> Scored:
        return reciprocal_rank_fusion(self.dense(vector, k, filter), self.lexical(terms, k, filter))

    def get(self, node_ids: Sequence[str]) -> list[StoredNode]:
        return [self._nodes[self._row[i]] for i in node_ids if i in self._row]

    def count(self) -> int:
        return len(self._nodes)

    def _allowed(self, filter: Filter) -> np.ndarray:
        if filter.doc_ids is not None and filter == Filter(doc_ids=filter.doc_ids):
            return np.isin(self._doc_ids, list(filter.doc_ids))  # documents only, the usual filter: no walk in Python
        return np.fromiter((filter.admits(node) for node in self._nodes), dtype=bool, count=len(self._nodes))

    # files --------------------------------------------------------------------------------------------
    def persist(self, folder: Path) -> list[str]:
        if self._postings is None:
            self._postings = _Postings.score([node.terms for node in self._nodes])
        (folder / NODES_FILE).write_text(json.dumps([_row(n) for n in self._nodes], ensure_ascii=False), "utf-8")
        with (folder / VECTORS_FILE).open("wb") as handle:
            np.save(handle, self._vectors, allow_pickle=False)
        self._postings.save(folder / BM25_FILE)
        return list(FILES)

    @classmethod
    def load(cls, folder: Path) -> "EmbeddedStore":
        """Read the files (their hashes are checked by the caller) and check they describe the same nodes."""
        try:
            rows = json.loads((folder / NODES_FILE).read_text("utf-8"))
            nodes = [StoredNode(**{**row, "terms": tuple(row["terms"])}) for row in rows]
            vectors = np.load(folder / VECTORS_FILE, allow_pickle=False)
            postings = _Postings.load(folder / BM25_FILE)
        except (OSError, ValueError, TypeError, KeyError) as error:
            raise IndexDamaged(f"unreadable index file in {folder}: {error}") from error
        if vectors.ndim != 2 or len(vectors) != len(nodes):
            raise IndexDamaged(f"{VECTORS_FILE} holds {len(vectors)} vectors but {NODES_FILE} lists {len(nodes)} nodes")
        if len(postings.indptr) < len(postings.vocab) or (postings.indices.size and postings.indices.max() >= len(nodes)):
            raise IndexDamaged(f"{BM25_FILE} does not match the {len(nodes)} nodes of {NODES_FILE}")
        return cls(nodes, vectors, postings)

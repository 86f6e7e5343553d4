"""The embedded node store: dense vectors in a FAISS inner-product index and BM25 (bm25s scoring) over the
project's jieba terms, kept in memory and saved as plain files in the index folder.

Nodes are addressed by their string ids through an id map (node id -> row); upserts and deletes change only
those rows, and the BM25 matrix is re-scored from the stored terms (no re-tokenizing, no re-embedding). On disk
the nodes are a table of distinct strings (``node_table``) and each distinct vector is stored once; in memory
FAISS and BM25 keep one row per node, so searches do not depend on how the files share texts.
Lexical search walks the posting lists of the query's terms only, so it touches the nodes that contain them,
not the whole corpus.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import bm25s
import faiss
import numpy as np

from .node_table import NodeTable
from .store_api import Filter, IndexDamaged, Scored, StoredNode, reciprocal_rank_fusion

NODES_FILE = "nodes.json"
VECTORS_FILE = "vectors.npy"
BM25_FILE = "bm25.npz"
FILES = (NODES_FILE, VECTORS_FILE, BM25_FILE)
_VECTOR_ROW = "vector"  # the node table's column: the row of vectors.npy that holds the node's vector


def _distinct_rows(vectors: np.ndarray) -> tuple[np.ndarray, list[int]]:
    """Each distinct vector once (nodes with the same text have the same vector) and every node's row of it."""
    rows: dict[bytes, int] = {}
    of_node = [rows.setdefault(vector.tobytes(), len(rows)) for vector in vectors]
    first = np.empty(len(rows), dtype=np.int64)
    first[of_node[::-1]] = np.arange(len(of_node))[::-1]  # any node holding each distinct vector
    return vectors[first], of_node


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

    def __init__(self, nodes: NodeTable, vectors: np.ndarray, postings: _Postings | None = None):
        self._set(nodes, vectors, postings)

    def _set(self, nodes: NodeTable, vectors: np.ndarray, postings: _Postings | None = None) -> None:
        self._nodes = nodes
        self._vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        self._row = {node_id: i for i, node_id in enumerate(nodes.node_ids)}
        self._doc_ids = np.array(nodes.doc_ids, dtype=object)
        self._dense = faiss.IndexFlatIP(self._vectors.shape[1])
        self._dense.add(self._vectors)
        self._postings = postings  # None: re-scored from the terms at the next lexical search or save

    @classmethod
    def empty(cls, dimension: int) -> "EmbeddedStore":
        return cls(NodeTable.of([]), np.zeros((0, dimension), dtype=np.float32))

    # writes -------------------------------------------------------------------------------------------
    def upsert(self, nodes: Sequence[StoredNode], vectors: np.ndarray) -> None:
        replaced = {node.node_id for node in nodes}
        keep = [i for i, node_id in enumerate(self._nodes.node_ids) if node_id not in replaced]
        self._set(self._nodes.take(keep) + NodeTable.of(nodes), np.vstack([self._vectors[keep], vectors]))

    def delete(self, doc_id: str) -> None:
        keep = [i for i, own in enumerate(self._nodes.doc_ids) if own != doc_id]
        if len(keep) != len(self._nodes):
            self._set(self._nodes.take(keep), self._vectors[keep])

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
        # nodes of one text score alike: equal scores rank in the order the nodes were stored, as Milvus ranks
        # them (FAISS's heap returns them in another order)
        found = sorted(((float(s), int(r)) for r, s in zip(rows[0], scores[0]) if r >= 0), key=lambda f: (-f[0], f[1]))
        node_ids = self._nodes.node_ids
        return [(node_ids[r], s) for s, r in found]

    def lexical(self, terms: Sequence[str], k: int, filter: Filter | None = None) -> Scored:
        if self._postings is None:
            self._postings = _Postings.score(self._nodes.terms)
        allowed = self._allowed(filter) if filter is not None else None
        node_ids = self._nodes.node_ids
        return [(node_ids[r], score) for r, score in self._postings.top(terms, k, allowed)]

    def hybrid(self, vector: np.ndarray, terms: Sequence[str], k: int, filter: Filter | None = None) -> Scored:
        return reciprocal_rank_fusion(self.dense(vector, k, filter), self.lexical(terms, k, filter))

    def get(self, node_ids: Sequence[str]) -> list[StoredNode]:
        return [self._nodes.node(self._row[i]) for i in node_ids if i in self._row]

    def vectors(self, node_ids: Sequence[str]) -> dict[str, np.ndarray]:
        return {i: self._vectors[self._row[i]] for i in node_ids if i in self._row}

    def count(self) -> int:
        return len(self._nodes)

    def _allowed(self, filter: Filter) -> np.ndarray:
        if filter.doc_ids is not None and filter == Filter(doc_ids=filter.doc_ids):
            return np.isin(self._doc_ids, list(filter.doc_ids))  # documents only, the usual filter: no walk in Python
        rows = range(len(self._nodes))
        return np.fromiter((filter.admits(self._nodes.node(i)) for i in rows), dtype=bool, count=len(rows))

    # files --------------------------------------------------------------------------------------------
    def persist(self, folder: Path) -> list[str]:
        """nodes.json (the node table and each node's row of vectors.npy), each distinct vector once, BM25."""
        if self._postings is None:
            self._postings = _Postings.score(self._nodes.terms)
        distinct, of_node = _distinct_rows(self._vectors)
        self._nodes.save(folder / NODES_FILE, {_VECTOR_ROW: of_node})
        with (folder / VECTORS_FILE).open("wb") as handle:
            np.save(handle, distinct, allow_pickle=False)
        self._postings.save(folder / BM25_FILE)
        return list(FILES)

    @classmethod
    def load(cls, folder: Path) -> "EmbeddedStore":
        """Read the files (their hashes are checked by the caller) and check they describe the same nodes."""
        try:
            nodes, extra = NodeTable.load(folder / NODES_FILE, [_VECTOR_ROW])
            vectors = np.load(folder / VECTORS_FILE, allow_pickle=False)
            postings = _Postings.load(folder / BM25_FILE)
        except (OSError, ValueError, TypeError, KeyError) as error:
            raise IndexDamaged(f"unreadable index file in {folder}: {error}") from error
        rows = np.asarray(extra[_VECTOR_ROW], dtype=np.int64)
        if vectors.ndim != 2 or (len(rows) and (rows.min() < 0 or rows.max() >= len(vectors))):
            raise IndexDamaged(f"{NODES_FILE} refers to vectors that {VECTORS_FILE} (holding {len(vectors)}) lacks")
        if len(postings.indptr) < len(postings.vocab) or (postings.indices.size and postings.indices.max() >= len(nodes)):
            raise IndexDamaged(f"{BM25_FILE} does not match the {len(nodes)} nodes of {NODES_FILE}")
        return cls(nodes, vectors[rows], postings)

"""The one interface every node store implements (embedded FAISS + BM25, or Milvus), and the records it holds.

A node is one chunk of one clause, identified by a stable string id ``doc:ref#i``. Each node carries its
document's metadata (doc_id, issuer, year, status) so searches can be filtered by document.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np

Scored = list[tuple[str, float]]  # (node id, score), best first

RRF_K = 60  # reciprocal rank fusion: a node ranked r-th (from 1) in a list gets 1 / (RRF_K + r)


class IndexDamaged(ValueError):
    """An index file or collection is missing, unreadable or inconsistent with the others; the message names it."""


@dataclass(frozen=True)
class StoredNode:
    node_id: str  # doc_id:ref#chunk
    doc_id: str
    ref: str
    chunk: int
    kind: str
    title: str  # the clause's outline path
    context: str  # the last two outline titles (searched with the text)
    text: str
    terms: tuple[str, ...]  # BM25 terms of context and text, from the project's tokenizer
    issuer: str = ""
    year: int = 0
    status: str = ""


@dataclass(frozen=True)
class Filter:
    """Restricts a search to nodes whose document matches every field given (None: any)."""

    doc_ids: frozenset[str] | None = None
    issuer: str | None = None
    year: int | None = None
    status: str | None = None

    def admits(self, node: StoredNode) -> bool:
        return (
            (self.doc_ids is None or node.doc_id in self.doc_ids)
            and (self.issuer is None or node.issuer == self.issuer)
            and (self.year is None or node.year == self.year)
            and (self.status is None or node.status == self.status)
        )


class NodeStore(Protocol):
    """Dense and lexical search over nodes; writes are per node (upsert) and per document (delete)."""

    def upsert(self, nodes: Sequence[StoredNode], vectors: np.ndarray) -> None:
        """Insert or replace nodes by id; ``vectors`` holds one normalised row per node."""

    def delete(self, doc_id: str) -> None:
        """Remove every node of a document."""

    def dense(self, vector: np.ndarray, k: int, filter: Filter | None = None) -> Scored:
        """The k nodes nearest the query vector (inner product of normalised vectors)."""

    def lexical(self, terms: Sequence[str], k: int, filter: Filter | None = None) -> Scored:
        """The k nodes with the highest BM25 score for the terms (only nodes scoring above zero)."""

    def hybrid(self, vector: np.ndarray, terms: Sequence[str], k: int, filter: Filter | None = None) -> Scored:
        """The k dense and the k lexical best nodes fused by reciprocal rank (``RRF_K``), best first."""

    def get(self, node_ids: Sequence[str]) -> list[StoredNode]:
        """The nodes with these ids that exist, in the order asked."""

    def vectors(self, node_ids: Sequence[str]) -> dict[str, np.ndarray]:
        """The stored vectors of the nodes with these ids that exist (an update reuses them for equal texts)."""

    def count(self) -> int:
        """Number of nodes held."""

    def persist(self, folder: Path) -> list[str]:
        """Make the writes durable; return the files written into ``folder`` (the manifest hashes them)."""


def reciprocal_rank_fusion(*rankings: Scored) -> Scored:
    """Nodes scored by the sum of 1 / (RRF_K + rank) over the rankings they appear in, best first (ties by id)."""
    fused: dict[str, float] = {}
    for ranking in rankings:
        for rank, (node_id, _) in enumerate(ranking, start=1):
            fused[node_id] = fused.get(node_id, 0.0) + 1.0 / (RRF_K + rank)
    return sorted(fused.items(), key=lambda item: (-item[1], item[0]))

"""Which node holds the vector of each text the index embedded, so that an update embeds only texts it has
not embedded before: the glossary's meanings every document shares, and the clauses a changed document kept,
are read back from the store (``NodeStore.vectors``) instead.

Kept in the index folder (``passages.json``: a hash of each embedded text -> its document and node); read
only by builds. A text whose node is gone with its document is forgotten (and embedded again when it comes
back) even if another document holds it too: one holder per text keeps the file small.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np

from .nodes import embed_text
from .store_api import NodeStore, StoredNode

FILE = "passages.json"


def _key(text: str) -> str:
    return hashlib.blake2b(text.encode("utf-8"), digest_size=16).hexdigest()


class Passages:
    def __init__(self, holders: dict[str, tuple[str, str]] | None = None):
        self._holders = holders or {}  # text hash -> (doc_id, node_id)

    @classmethod
    def read(cls, folder: Path) -> "Passages":
        """The file of an index; none (an index built before it existed) means every text is embedded again."""
        try:
            rows = json.loads((folder / FILE).read_text("utf-8"))
        except OSError:
            return cls()
        return cls({key: (doc_id, node_id) for key, (doc_id, node_id) in rows.items()})

    def write(self, folder: Path) -> str:
        (folder / FILE).write_text(json.dumps(self._holders, ensure_ascii=False), "utf-8")
        return FILE

    def stored_vectors(self, store: NodeStore, texts: Sequence[str]) -> dict[str, np.ndarray]:
        """The vectors the store holds for these texts, each read from a node that embedded the same text."""
        holders = {text: self._holders[key][1] for text in set(texts) if (key := _key(text)) in self._holders}
        if not holders:
            return {}
        nodes = {node.node_id: node for node in store.get(sorted(set(holders.values())))}
        vectors = store.vectors(list(nodes))
        return {text: vectors[node_id] for text, node_id in holders.items()
                if node_id in vectors and embed_text(nodes[node_id]) == text}

    def forget(self, doc_ids: Iterable[str]) -> None:
        gone = set(doc_ids)
        self._holders = {key: holder for key, holder in self._holders.items() if holder[0] not in gone}

    def remember(self, nodes: Sequence[StoredNode], texts: Sequence[str]) -> None:
        for node, text in zip(nodes, texts):
            self._holders.setdefault(_key(text), (node.doc_id, node.node_id))

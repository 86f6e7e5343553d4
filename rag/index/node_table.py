"""The embedded store's nodes held as columns, and their file: every string (text, title, heading, term, id
part) is written once in a string table and referenced by number, and every distinct term list once.

A library's documents share most of these: the glossary's meanings are nodes under every clause that uses a
term (19,500 of 28,400 nodes of 100 copies of the plan hold 138 texts), copies share headings and clauses, and
all nodes share words. Read from a file, equal strings and term lists are one object each, so loading costs
the distinct strings, not the nodes.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from pathlib import Path

from .store_api import StoredNode

_STRING_FIELDS = ("node_id", "doc_id", "ref", "kind", "title", "context", "text", "issuer", "status")
_INT_FIELDS = ("chunk", "year")
_FIELDS = _STRING_FIELDS + _INT_FIELDS + ("terms",)
FORMAT = 1


class NodeTable:
    """Nodes by row: one list per field (equal values share one object)."""

    def __init__(self, columns: dict[str, list]):
        self.columns = columns

    @classmethod
    def of(cls, nodes: Iterable[StoredNode]) -> "NodeTable":
        nodes = list(nodes)
        return cls({name: [getattr(node, name) for node in nodes] for name in _FIELDS})

    def __len__(self) -> int:
        return len(self.columns["node_id"])

    def node(self, row: int) -> StoredNode:
        return StoredNode(**{name: values[row] for name, values in self.columns.items()})

    @property
    def node_ids(self) -> list[str]:
        return self.columns["node_id"]

    @property
    def doc_ids(self) -> list[str]:
        return self.columns["doc_id"]

    @property
    def terms(self) -> list[tuple[str, ...]]:
        return self.columns["terms"]

    def take(self, rows: Sequence[int]) -> "NodeTable":
        return NodeTable({name: [values[i] for i in rows] for name, values in self.columns.items()})

    def __add__(self, other: "NodeTable") -> "NodeTable":
        return NodeTable({name: values + other.columns[name] for name, values in self.columns.items()})

    # files --------------------------------------------------------------------------------------------
    def save(self, path: Path, extra: dict[str, list[int]]) -> None:
        """Write the table (``extra``: more integer columns, one value per row, such as vector rows)."""
        strings: dict[str, int] = {}
        term_lists: dict[tuple[str, ...], int] = {}

        def number(value: str) -> int:
            return strings.setdefault(value, len(strings))

        columns = {name: [number(value) for value in self.columns[name]] for name in _STRING_FIELDS}
        columns.update({name: self.columns[name] for name in _INT_FIELDS})
        columns["terms"] = [term_lists.setdefault(terms, len(term_lists)) for terms in self.terms]
        lists = [[number(term) for term in terms] for terms in term_lists]
        data = {"format": FORMAT, "rows": len(self), "strings": list(strings), "term_lists": lists,
                "columns": {**columns, **extra}}
        path.write_text(json.dumps(data, ensure_ascii=False, separators=(",", ":")), "utf-8")

    @classmethod
    def load(cls, path: Path, extra: Sequence[str]) -> tuple["NodeTable", dict[str, list[int]]]:
        """The table and its ``extra`` columns; ValueError when the file is not a consistent table."""
        data = json.loads(path.read_text("utf-8"))
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise ValueError(f"{path.name} is not a node table of format {FORMAT}")
        strings, rows, columns = data["strings"], data["rows"], data["columns"]
        if any(len(columns[name]) != rows for name in (*_FIELDS, *extra)):
            raise ValueError(f"{path.name}: columns of different lengths")
        try:
            term_lists = [tuple(map(strings.__getitem__, ids)) for ids in data["term_lists"]]
            table = {name: list(map(strings.__getitem__, columns[name])) for name in _STRING_FIELDS}
            table["terms"] = list(map(term_lists.__getitem__, columns["terms"]))
        except (IndexError, TypeError) as error:
            raise ValueError(f"{path.name}: a string or term list number out of range") from error
        table.update({name: columns[name] for name in _INT_FIELDS})
        return cls(table), {name: columns[name] for name in extra}

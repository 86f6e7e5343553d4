"""The target tables (专栏) of a document as printed: which indicator rows each holds and the notes under it."""

from __future__ import annotations

from dataclasses import dataclass

from ..schema import ClauseKind, Document, Indicator
from .tables import NOTE_START


@dataclass(frozen=True)
class IndicatorTable:
    ref: str  # the table's clause, e.g. 专栏
    title: str
    base_label: str  # column headers, e.g. 基期值（2025年）
    target_label: str
    rows: tuple[Indicator, ...]
    notes: tuple[str, ...]  # the lines under the table that start with 注：


def row_notes(indicator: Indicator) -> tuple[str, ...]:
    """Every note the table attaches to a row: to its base value, its target value, or the row as a whole."""
    return (*indicator.base_notes, *indicator.target_notes, *indicator.row_notes)


def indicator_tables(document: Document) -> list[IndicatorTable]:
    """Each target table of the document that has rows, in the order of the plan."""
    tables = []
    for table in (c for c in document.clauses if c.kind == ClauseKind.TABLE):
        refs = {c.ref for c in document.children(table.ref) if c.kind == ClauseKind.INDICATOR}
        rows = tuple(r for r in document.indicators if r.ref in refs)
        if not rows:
            continue
        notes = tuple(line for line in table.text.split("\n") if NOTE_START.match(line))
        tables.append(IndicatorTable(table.ref, table.heading, rows[0].base_label, rows[0].target_label, rows, notes))
    return tables

"""Which rows of a target table have a property: no base value, a target below its base, a floor (≥) rather
than a plain number, or the same target as another item. Every row the answer names is cited."""

from __future__ import annotations

import re

from ...facts import Bound, Fact, Role
from ...schema import Answer, Hit, Indicator, Query, Statement
from ...text import normalize
from ..intent import Intent, RowProperty
from .base import AnswerContext, build_answer
from .quantitative import answer_from, base_target_pairs, comparable_targets, item_name, targets_of

_ASKS_WHICH = re.compile(r"哪|有没有|有无|是否有|有几|几项|几个")  # which rows, not whether one named row
_BOUND_LABELS = {Bound.AT_LEAST: "目标为下限（≥）", Bound.AT_MOST: "目标为上限（≤）", Bound.EXACT: "直接给出目标值"}


def answer_row_property(query: Query, intent: Intent, hits: list[Hit], context: AnswerContext) -> Answer | None:
    if intent.row_property is None or intent.claim:
        return None
    which = _ASKS_WHICH.search(normalize(query.text))
    if intent.row_property == RowProperty.EQUAL and not which:  # 石化和冶金目标一样吗
        named = targets_of(context.facts.named_in(query.text, query.concepts, by_name=True))
        return _same_or_not(query, hits, context, named) if len({f.ref for f in named}) >= 2 else None
    if not which:
        return None
    if intent.row_property == RowProperty.EQUAL:
        return _equal_targets(query, intent, hits, context)
    rows = _rows(query, hits, context)
    if not rows:
        return None
    if intent.row_property == RowProperty.NO_BASE:
        chosen = [r for r in rows if r.base_value is None]
        return _rows_answer(query, hits, context, chosen, rows, "无基期值（表中为“/”）的指标")
    facts = _table_facts(context, rows)
    if intent.row_property == RowProperty.BELOW_BASE:
        below = {target.ref for base, target in base_target_pairs(facts) if target.value < base.value}
        return _rows_answer(query, hits, context, [r for r in rows if r.ref in below], rows, "目标值低于基期值的指标")
    # how each target is given, as the facts read it (a row with no number for a target is a plain value)
    bounds = {f.ref: f.bound for f in facts if f.role == Role.TARGET}
    groups = {label: [r for r in rows if bounds.get(r.ref, Bound.EXACT) == bound]
              for bound, label in _BOUND_LABELS.items()}
    statements = [Statement(f"{label}：{r.describe()}", r.ref) for label, group in groups.items() for r in group]
    clauses = [c for c in (context.clause(r.doc_id, r.ref) for r in rows) if c]
    lead = "，".join(f"{label}的{len(group)}项" for label, group in groups.items() if group) + "："
    return build_answer(query, statements, clauses, hits, lead, check_premise=False)


def _rows(query: Query, hits: list[Hit], context: AnswerContext) -> list[Indicator]:
    """The table rows of the documents the hits come from, narrowed to a category the question names (企业培育)."""
    docs = dict.fromkeys(h.clause.doc_id for h in hits) or context.documents
    rows = [r for doc_id in docs for r in context.documents[doc_id].indicators]
    question = normalize(query.text)
    named = [r for r in rows if r.category and r.category in question]
    return named or rows


def _table_facts(context: AnswerContext, rows: list[Indicator]) -> list[Fact]:
    refs = {r.ref for r in rows}
    return [f for f in context.facts.plan.facts if f.table and f.ref in refs]


def _rows_answer(query: Query, hits: list[Hit], context: AnswerContext, rows: list[Indicator],
                 table: list[Indicator], words: str) -> Answer:
    if not rows:  # said of the whole table: the table's own clause is cited
        row = context.clause(table[0].doc_id, table[0].ref)
        whole = context.clause(row.doc_id, row.parent) if row and row.parent else row
        return build_answer(query, [Statement(f"目标表中没有{words}。", whole.ref if whole else table[0].ref)],
                            [whole] if whole else [], hits, check_premise=False)
    statements = [Statement(r.describe(), r.ref) for r in rows]
    clauses = [c for c in (context.clause(r.doc_id, r.ref) for r in rows) if c]
    return build_answer(query, statements, clauses, hits, f"{words}（共{len(rows)}项）：", check_premise=False)


def _equal_targets(query: Query, intent: Intent, hits: list[Hit], context: AnswerContext) -> Answer | None:
    """Items whose targets are the same value in the same unit, exactly as the plan writes them."""
    targets = [f for f in comparable_targets(query, intent, context) if f.role == Role.TARGET]
    if len(targets) < 2:
        return None
    groups: dict[tuple[float, str, Bound], list[Fact]] = {}
    for fact in targets:
        groups.setdefault((fact.value, fact.unit, fact.bound), []).append(fact)
    same = [g for g in groups.values() if len(g) > 1]
    if not same:
        statements = [Statement(f"规划所列{len(targets)}项目标中没有相同的。", targets[0].ref)]
        return answer_from(query, hits, context, targets, statements)
    statements = [Statement(f"{item_name(context, f)}：{f.quantity}", f.ref) for group in same for f in group]
    return answer_from(query, hits, context, [f for group in same for f in group], statements,
                       f"目标相同的有{len(same)}组：")


def _same_or_not(query: Query, hits: list[Hit], context: AnswerContext, named: list[Fact]) -> Answer:
    """两个目标一样吗: each target as the plan writes it, then whether they are the same."""
    statements = [Statement(f"{item_name(context, f)}：{f.quantity}", f.ref) for f in named]
    same = len({(f.value, f.unit, f.bound) for f in named}) == 1
    return answer_from(query, hits, context, named, statements, "目标相同：" if same else "目标不同：")

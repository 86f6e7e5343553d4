"""Complete lists: a 'which ones' question about a heading with items gets every item, each with its own
reference (and its target, when the question asks for numbers); what the heading's own text names besides
its numbered items is given too."""

from __future__ import annotations

from ...schema import Answer, ClauseKind, Hit, Query, Statement
from ...text import clause_body, normalize, split_sentences
from ..intent import Intent
from .base import AnswerContext, build_answer
from .extractive import matches_concept

LIST_CANDIDATES = 3


def answer_list(query: Query, intent: Intent, hits: list[Hit], context: AnswerContext) -> Answer | None:
    if not (intent.wants_list or query.wants_list) or intent.order or intent.comparison:
        return None
    key = [c for c in (query.key_concepts or query.concepts) if not c.generic]
    for hit in hits[:LIST_CANDIDATES]:
        items = [c for c in context.children(hit.clause) if c.kind == ClauseKind.CLAUSE]
        heading = normalize(hit.clause.heading).lower()
        if not items or not any(matches_concept(c, heading) for c in key):
            continue
        with_numbers = query.wants_number or query.mentions_target
        statements = [Statement(f"{hit.clause.title_path[-1]}包括以下{len(items)}项：", hit.clause.ref)]
        for item in items:
            facts = [f for f in context.facts.plan.facts_of(item.ref)] if with_numbers else []
            stated = "；".join(f.span for f in facts)
            statements.append(Statement(item.title_path[-1] + (f"：{stated}" if stated else ""), item.ref))
        own = [s for s in split_sentences(clause_body(hit.clause)) if "、" in s]
        if own:
            statements.append(Statement("此外，" + own[0], hit.clause.ref))
        return build_answer(query, statements, [hit.clause, *items], hits)
    return None

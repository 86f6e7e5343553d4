"""Complete lists: a 'which ones' question about a heading with items gets every item, each with its own
reference (and its target, when the question asks for numbers); what the heading's own text names besides
its numbered items is given too."""

from __future__ import annotations

import re

from ...schema import Answer, Clause, ClauseKind, Hit, Query, Statement
from ...text import clause_body, normalize, split_sentences
from ..intent import Intent
from .base import AnswerContext, build_answer
from .extractive import matches_concept

LIST_CANDIDATES = 3
_EACH_CONTENT = re.compile(r"每个|每一|各自|各[是有]?(?:什么|啥|哪些)|具体|(?:搞|做|干|讲|包括|涉及|聚焦|主推|发展)(?:什么|啥|哪些)|主要")


def answer_list(query: Query, intent: Intent, hits: list[Hit], context: AnswerContext) -> Answer | None:
    if not (intent.wants_list or query.wants_list) or intent.order or intent.comparison:
        return None
    key = [c for c in (query.key_concepts or query.concepts) if not c.generic]
    topics = [c for c in key if c.known and not c.qualifier]  # a name the plan uses (“国家队”) is a topic too
    rarest = max(topics, key=lambda c: context.idf(c.word), default=None)  # what the list is of
    for clause in _candidates(hits[:LIST_CANDIDATES], context):
        # the note under a table's rows (注：1.…) is no item of it
        items = [c for c in context.children(clause) if c.kind == ClauseKind.CLAUSE and not c.text.startswith("注")]
        heading = normalize(clause.heading).lower()
        path = normalize(clause.title).lower()
        if not items or not any(matches_concept(c, heading) for c in key):
            continue
        if rarest and not matches_concept(rarest, path):  # 循环经济的产业集群 is not 打造产业集群's list
            continue
        listed = normalize(" ".join(c.title + c.text for c in (clause, *items))).lower()
        if any(c.qualifier and not matches_concept(c, listed, broader=False) for c in key):
            continue  # 衡阳的优势产业: not the province's list of them, which never names 衡阳
        with_numbers = query.wants_number or query.mentions_target
        statements = [Statement(f"{clause.title_path[-1]}包括以下{len(items)}项：", clause.ref)]
        with_content = bool(_EACH_CONTENT.search(normalize(query.text)))
        for item in items:
            facts = [f for f in context.facts.plan.facts_of(item.ref)] if with_numbers else []
            stated = "；".join(f.span for f in facts)
            if with_content and not stated:  # 各搞什么: what each item is about, in its first sentence
                stated = next(iter(split_sentences(clause_body(item))), "")
            # a table row has no heading of its own (its title path ends in the table's header): its cells name it
            name = item.title_path[-1] if item.heading else item.text.split("\n")[0]
            statements.append(Statement(name + (f"：{stated}" if stated else ""), item.ref))
        own = [s for s in split_sentences(clause_body(clause)) if "、" in s]
        if own:
            statements.append(Statement("此外，" + own[0], clause.ref))
        return build_answer(query, statements, [clause, *items], hits)
    return None


def _candidates(hits: list[Hit], context: AnswerContext) -> list[Clause]:
    """The top clauses, each followed by the heading it is an item of (人工智能 → 前瞻布局未来产业)."""
    found: list[Clause] = []
    for hit in hits:
        parent = context.clause(hit.clause.doc_id, hit.clause.parent) if hit.clause.parent else None
        for clause in (hit.clause, parent):
            if clause is not None and clause not in found:
                found.append(clause)
    return found

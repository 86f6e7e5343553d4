"""Claims put up for confirmation (…吧, 对吗, 是不是): checked against the plan's facts, its item catalogue
and the places its sentences name (a claim about the document's own date or 文号: answer_document_facts).
A wrong claim is answered 不是 with the correct fact cited; a right one 是的."""

from __future__ import annotations

import re

from ...facts import Role
from ...schema import Answer, Hit, Query, Statement
from ...text import normalize, parse_quantities, split_sentences
from ..intent import Intent
from .base import AnswerContext, build_answer
from .extractive import matches_concept, most_specific
from .quantitative import answer_from, fact_statement

_BASE_WORDS = re.compile(r"基期|现在|目前|现有|已经|已有|去年|当前|2025年")
CLAIM_CANDIDATES = 4


def answer_claim(query: Query, intent: Intent, hits: list[Hit], context: AnswerContext) -> Answer | None:
    if not intent.claim:
        return None
    return (_number_claim(query, hits, context) or _category_claim(query, hits, context)
            or claimed_place_differs(query, hits, context))


def _number_claim(query, hits, context) -> Answer | None:
    stated = [q for q in parse_quantities(normalize(query.text)) if q.is_amount and q.value is not None]
    if not stated:
        return None
    claim = stated[0]
    role = Role.BASE if _BASE_WORDS.search(query.text) else Role.TARGET
    facts = [f for f in context.facts.named_in(query.text, query.concepts)
             if f.unit.rstrip("元") == claim.unit.rstrip("元")]
    # the claim is about what its most specific word names (望川县 of 望川县技改项目…5个): a document none of
    # whose facts names it speaks of another thing that shares the commoner words (the city's 技术改造项目)
    topic = most_specific(query.key_concepts, context)
    speaking = {f.doc_id for f in facts if topic and matches_concept(topic, "\n".join(context.facts.names(f)).lower())}
    facts = [f for f in facts if f.doc_id in speaking] or facts
    if not facts:
        return None
    claimed = [f for f in facts if f.role == role] or facts
    right = all(abs(f.value - claim.value) < 1e-9 for f in {f.subject: f for f in claimed}.values())
    shown = list({(f.subject, f.role): f for f in facts}.values())  # base and target, so the claim can be placed
    verdict = "是的，规划原文是：" if right else f"不是。问题中的“{claim.text}”与规划不符，规划原文是："
    return answer_from(query, hits, context, shown, [fact_statement(f) for f in shown], verdict)


def _category_claim(query, hits, context) -> Answer | None:
    question = normalize(query.text)
    items = context.facts.items_named_in(question)
    categories = {i.category for i in context.facts.plan.items if i.category and i.category in question}
    if not items or not categories:
        return None
    item = items[0]
    parent = context.clause(item.doc_id, item.parent)
    placed = f"{item.name}列在“{parent.heading}”之下，属于{item.category}" if parent else f"{item.name}属于{item.category}"
    if item.category in categories:
        statements = [Statement(f"{placed}。", item.ref)]
        return _answer_from_items(query, hits, context, [item], statements, "是的。")
    claimed = sorted(categories)[0]
    members = [i for i in context.facts.plan.items if i.category == claimed]
    statements = [Statement(f"{placed}，不属于{claimed}。", item.ref)]
    statements += [Statement(f"{claimed}包括：{'、'.join(i.name for i in members)}。", members[0].parent)] if members else []
    return _answer_from_items(query, hits, context, [item, *members], statements, "不是。")


def _answer_from_items(query, hits, context, items, statements, lead) -> Answer:
    clauses = [c for c in (context.clause(i.doc_id, i.ref) for i in items) if c]
    parents = [c for c in (context.clause(i.doc_id, i.parent) for i in items) if c]
    return build_answer(query, statements, [*clauses, *parents], hits, lead, check_premise=False)


def claimed_place_differs(query: Query, hits: list[Hit], context: AnswerContext) -> Answer | None:
    """A claim that ties something to a place (轨道交通装备以长沙集群为核心吧): the plan's sentence that says
    the rest of the claim names other places and not that one → 不是, with that sentence."""
    question = normalize(query.text)
    claimed = {location.name for _, location in context.places.find_all(question)}
    if not claimed:
        return None
    rest = [c for c in query.key_concepts if not c.qualifier and not c.proper
            and not any(name in c.forms or c.word in name for name in claimed)]
    if not rest:
        return None
    best, best_count = None, 0
    own, own_count = None, 0  # what the plan says of the claimed place on the same topic, if anything
    for hit in hits[:CLAIM_CANDIDATES]:
        heading = normalize(hit.clause.heading).lower()  # an item's sentences speak of the item it names
        for sentence in split_sentences(hit.clause.text):
            text = normalize(sentence).lower()
            count = sum(matches_concept(c, f"{heading}\n{text}", broader=False) for c in rest)
            if count > best_count:
                best, best_count = (hit.clause, sentence), count
            places = {location.name for _, location in context.places.find_all(sentence)}
            if places & claimed and count > own_count:
                own, own_count = (hit.clause, sentence), count
    if best is None or best_count * 2 < len(rest):
        return None
    clause, sentence = best
    named = {location.name for _, location in context.places.find_all(sentence)}
    if not named or named & claimed:
        return None
    if own is None:  # the same clause's sentence on the claimed place (三带四区: each region its own line)
        own = next(((clause, other) for other in split_sentences(clause.text)
                    if {location.name for _, location in context.places.find_all(other)} & claimed), None)
    claimed_names = "、".join(sorted(claimed))
    lead = f"不是。规划此处说的是{'、'.join(sorted(named))}，不是{claimed_names}："
    statements, clauses = [Statement(sentence.strip(), clause.ref)], [clause]
    if own and own[1] != sentence:  # 衡阳要建港口型物流枢纽吧 → 港口型是岳阳的；衡阳的是陆港型
        statements.append(Statement(f"规划对{claimed_names}的相关表述是：{own[1].strip()}", own[0].ref))
        clauses.append(own[0])
    return build_answer(query, statements, clauses, hits, lead, check_premise=False)

"""An enterprise that describes itself (我们是株洲做轨道交通配件的…): the direct answer to what it asks, when
the plan gives one, then the clauses that concern it as the measure finder matches them (its industry, its
place, the kind of firm it is, what it wants to do), each cited."""

from __future__ import annotations

from ...measures.model import ProfileInput
from ...schema import Answer, Hit, Query, Statement
from ..intent import Intent
from .base import AnswerContext, build_answer
from .extractive import PassageAnswerer

ENTERPRISE_CLAUSES = 4
LEAD = "结合您描述的情况，规划中与您相关的条款："


class EnterpriseAnswerer:
    def __init__(self, passages: PassageAnswerer):
        self.passages = passages

    def __call__(self, query: Query, intent: Intent, hits: list[Hit], context: AnswerContext) -> Answer | None:
        if not intent.about_self or context.measures is None:
            return None
        checklist = context.measures.match(ProfileInput(description=query.text))
        profile = checklist.profile
        if profile is None or not (profile.industries or profile.groups or profile.goals):
            return None
        direct = self.passages(query, intent, hits, context)
        if query.wants_number and not direct.refused:  # 能补多少, 现在几家: the figure asked is the answer
            return direct
        answered = [] if direct.refused else list(direct.statements)
        cited = {s.ref for s in answered}
        statements, clauses = list(answered), [context.clause(c.doc_id, c.ref) for c in direct.citations
                                                if not direct.refused]
        # what answers the question says which document speaks to the firm's case: the others' clauses are not it
        speaking = {c.doc_id for c in clauses if c is not None}
        for item in checklist.items:
            if len(cited) >= ENTERPRISE_CLAUSES + len(answered):
                break
            clause = context.clause(item.doc_id, item.ref)
            if clause is None or item.ref in cited or (speaking and item.doc_id not in speaking):
                continue
            cited.add(item.ref)
            statements.append(Statement(f"{item.heading}：{item.text}", item.ref))
            clauses.append(clause)
        if len(statements) == len(answered):
            return direct
        return build_answer(query, statements, [c for c in clauses if c is not None], hits,
                            "" if answered else LEAD, check_premise=False)

"""Checks of a built item against the plan's text, not against how it was built: why it cannot be shown."""

from __future__ import annotations

from .facts import Plan, amount, stated
from .items import quoted
from .model import BLANK, MULTI_OPTIONS, TRUE, Focus, Kind, QuizItem

_OPTION_COUNTS = {Kind.CHOICE: (4, 4), Kind.MULTI: (4, MULTI_OPTIONS), Kind.TRUEFALSE: (2, 2), Kind.BLANK: (0, 0)}


def problems(item: QuizItem, plan: Plan) -> list[str]:
    """Everything wrong with an item; empty when it can be shown."""
    clause = plan.document.clause(item.ref)
    if clause is None:
        return [f"no clause {item.ref}"]
    scope = plan.scope(item.ref)
    found = _form_problems(item, scope)
    if item.kind == Kind.TRUEFALSE:
        return found + _statement_problems(item, plan, scope)
    distractors = item.distractors
    if item.focus == Focus.SECTION:
        members = {c.heading for c in plan.children(item.ref)}
        if any(a not in members for a in item.answers) or any(d in members or d in scope for d in distractors):
            found.append("membership does not match the sub-clauses")
        return found
    if item.focus == Focus.SUBJECT:
        if any(a not in item.evidence and a != clause.heading for a in item.answers):
            found.append("the answer is neither in the cited words nor the clause's heading")
        if item.probe not in item.evidence or any(item.probe in plan.said_of(d) for d in distractors):
            found.append("another option also fits")
        return found + _broader_or_narrower(item, plan)
    if any(a not in item.evidence for a in item.answers):
        found.append("the answer is not in the cited words")
    here = stated(scope)
    for option in distractors:
        value = amount(option) if item.focus == Focus.VALUE else None
        if value is not None:
            if value in here or value in {amount(a) for a in item.answers}:
                found.append(f"distractor {option} is also stated in the clause")
        elif option in item.evidence:
            found.append(f"distractor {option} is also in the cited words")
    return found + _broader_or_narrower(item, plan)


def _form_problems(item: QuizItem, scope: str) -> list[str]:
    found = []
    if any(line not in scope for line in item.evidence.splitlines()):
        found.append("evidence is not in the cited clause")
    if len(set(item.options)) != len(item.options) or any(not o.strip() for o in item.options):
        found.append("options repeat or are empty")
    if not item.answers or any(not a.strip() for a in item.answers):
        found.append("no answer")
    low, high = _OPTION_COUNTS[item.kind]
    if not low <= len(item.options) <= high:
        found.append(f"{len(item.options)} options")
    if item.kind == Kind.BLANK:
        if item.stem.count(BLANK) != 1:
            found.append("the stem needs exactly one blank")
    elif any(a not in item.options for a in item.answers):
        found.append("an answer is not among the options")
    if item.kind == Kind.CHOICE and len(item.answers) != 1:
        found.append("a single choice needs one answer")
    if item.kind == Kind.MULTI and (len(item.answers) < 2 or not item.distractors):
        found.append("a multiple choice needs two answers or more and a wrong option")
    return found


def _broader_or_narrower(item: QuizItem, plan: Plan) -> list[str]:
    """A word distractor that is broader or narrower than an answer leaves two right options."""
    if item.focus == Focus.VALUE:
        return []
    return [f"distractor {d} is broader or narrower than {a}" for d in item.distractors for a in item.answers
            if plan.phrases.same_kind(d, a) or plan.place_overlap(d, a)]


def _statement_problems(item: QuizItem, plan: Plan, scope: str) -> list[str]:
    true = item.answers == (TRUE,)
    if item.focus == Focus.SECTION:
        members = {c.heading for c in plan.children(item.ref)}
        judged = (item.claim in members) == true and quoted(item.claim) in item.stem
        return [] if judged else ["a statement on membership is misjudged"]
    if true:
        return [] if item.claim in item.evidence else ["a true statement must be the plan's words"]
    altered = item.claim.replace(item.changed, item.original, 1)
    value = amount(item.changed)
    if (item.claim in plan.full_text or item.changed in item.evidence or altered not in item.evidence
            or item.changed not in item.stem or (value is not None and value in stated(scope))):
        return ["a false statement must differ from the plan in one place"]
    if item.focus != Focus.VALUE and (plan.phrases.same_kind(item.changed, item.original)
                                      or plan.place_overlap(item.changed, item.original)):
        return [f"{item.changed} is broader or narrower than {item.original}"]
    return []

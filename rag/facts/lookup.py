"""Finding the facts and items a question is about, by their names (and the aliases people use for them)."""

from __future__ import annotations

import re
from functools import cached_property, lru_cache

from ..schema import Concept
from ..text import normalize, quoted_terms
from .model import Fact, Item, PlanFacts, Role

_SUFFIXES = ("产业", "制造业", "服务业", "企业", "数量", "总数", "（产品）")
_MIN_STEM = 2
_MIN_PART = 3  # a part of a name split at brackets or 和 (产品, 数量 alone name nothing)
NAMED_RUN = 4  # a fact is named by a question that writes this many characters of its name in a row (百亿企业)
DISTINCTIVE = 2  # ... that name at most this many of the plan's things (企业数量 names many: it names none)


@lru_cache(maxsize=1 << 14)  # the same names recur in every document and are asked about at every question
def stems(name: str) -> tuple[str, ...]:
    """A name and its shorter forms people use: 新材料产业 → 新材料; 国家专精特新“小巨人”企业 → 小巨人."""
    name = normalize(name).lower()
    forms = {name}
    for suffix in _SUFFIXES:
        if name.endswith(suffix) and len(name) - len(suffix) >= _MIN_STEM:
            forms.add(name[: -len(suffix)])
    forms.update(quoted_terms(name))
    forms.update(part for part in re.split(r"[（）()和及与、]", name) if len(part) >= _MIN_PART and part != name)
    return tuple(sorted(forms, key=len, reverse=True))


def targets_by_sentence(facts: list[Fact]) -> list[list[Fact]]:
    """The targets grouped by the sentence that states them."""
    spans: dict[tuple[str, str, str], list[Fact]] = {}
    for fact in facts:
        if fact.role == Role.TARGET:
            spans.setdefault((fact.doc_id, fact.ref, fact.span), []).append(fact)
    return list(spans.values())


class FactLookup:
    def __init__(self, plan: PlanFacts):
        self.plan = plan
        self.item_of = {item.ref: item for item in plan.items}
        self._stating = {(f.doc_id, f.ref) for f in plan.facts}  # the clauses that state a number
        self._values = {(f.value, f.unit) for f in plan.facts}
        self._subjects = {normalize(f.subject).lower() for f in plan.facts} | {
            normalize(i.name).lower() for i in plan.items}

    @cached_property
    def counting_sentences(self) -> list[list[Fact]]:
        """The sentences that state several targets in one unit (不少于2000家基础级、800家先进级…智能工厂)."""
        return [group for group in targets_by_sentence(list(self.plan.facts))
                if len(group) >= 2 and len({f.unit for f in group}) == 1]

    def _named_by_run(self, question: str, name: str) -> bool:
        """The question writes a run of the name that is long enough and names few of the plan's things."""
        for start in range(len(question) - NAMED_RUN + 1):
            for end in range(start + NAMED_RUN, len(question) + 1):
                run = question[start:end]
                if run not in name:
                    break
                if sum(run in subject for subject in self._subjects) <= DISTINCTIVE:
                    return True
        return False

    def names(self, fact: Fact) -> tuple[str, ...]:
        item = self.item_of.get(fact.ref)
        return stems(fact.subject) + (stems(item.name) if item and fact.subject in (item.name, "") else ())

    def named_in(self, text: str, concepts: tuple[Concept, ...] = (), by_name: bool = False) -> list[Fact]:
        """Facts the question is about, best first: a whole name (or a short form of it) written in the
        question counts most; then how many of the question's key concepts the fact's name holds.
        With `by_name`, only facts whose name the question writes (what a calculation may use)."""
        question = normalize(text).lower()
        # the question also as the plan would write it (规上 → 规模以上)
        written = [question] + [question.replace(c.word.lower(), form.lower()) for c in concepts
                                for form in c.forms[1:] if c.word.lower() in question]
        key = [c for c in concepts if not c.generic]
        scored = []
        found: dict[tuple[str, ...], tuple[list[int], int]] = {}  # facts of the same names match alike
        for fact in self.plan.facts:
            names = self.names(fact)
            if names not in found:
                found[names] = self._named(names, question, written, key)
            named, covered = found[names]
            score = (2 if named else 0) + covered
            if score and (named or not by_name):
                scored.append((-score, min(named, default=len(question)), fact))
        scored.sort(key=lambda row: row[:2])
        best = scored[0][0] if scored else 0
        return [fact for score, _, fact in scored if score == best or score <= -2]

    def _named(self, names: tuple[str, ...], question: str, written: list[str],
               key: list[Concept]) -> tuple[list[int], int]:
        """Where the question writes one of the names, and how many of its key concepts the names hold."""
        joined = "\n".join(names)
        named = [q.find(n) for q in written for n in names if n in q]
        if not named and any(self._named_by_run(q, names[0]) for q in written):
            named = [len(question)]
        return named, sum(any(f.lower() in joined for f in c.forms) for c in key)

    def states_value(self, value: float, unit: str) -> bool:
        """Whether any document states this value in this unit (a cheap test before naming the facts)."""
        return (value, unit) in self._values

    def states_number(self, item: Item) -> bool:
        return (item.doc_id, item.ref) in self._stating

    def items_named_in(self, text: str) -> list[Item]:
        question = normalize(text).lower()
        return [item for item in self.plan.items if any(s in question for s in stems(item.name))]

"""Finding the facts and items a question is about, by their names (and the aliases people use for them)."""

from __future__ import annotations

import re

from ..schema import Concept
from ..text import normalize, shared_run
from .model import Fact, Item, PlanFacts

_SUFFIXES = ("产业", "制造业", "服务业", "企业", "数量", "总数", "（产品）")
_MIN_STEM = 2
_MIN_PART = 3  # a part of a name split at brackets or 和 (产品, 数量 alone name nothing)
NAMED_RUN = 4  # a fact is named by a question that writes this many characters of its name in a row (百亿企业)


def stems(name: str) -> tuple[str, ...]:
    """A name and its shorter forms people use: 新材料产业 → 新材料; 国家专精特新“小巨人”企业 → 小巨人."""
    name = normalize(name).lower()
    forms = {name}
    for suffix in _SUFFIXES:
        if name.endswith(suffix) and len(name) - len(suffix) >= _MIN_STEM:
            forms.add(name[: -len(suffix)])
    forms.update(q for q in re.findall(r"“([^”]{2,12})”", name))
    forms.update(part for part in re.split(r"[（）()和及与、]", name) if len(part) >= _MIN_PART and part != name)
    return tuple(sorted(forms, key=len, reverse=True))


class FactLookup:
    def __init__(self, plan: PlanFacts):
        self.plan = plan
        self.item_of = {item.ref: item for item in plan.items}

    def names(self, fact: Fact) -> tuple[str, ...]:
        item = self.item_of.get(fact.ref)
        return stems(fact.subject) + (stems(item.name) if item and fact.subject in (item.name, "") else ())

    def named_in(self, text: str, concepts: tuple[Concept, ...] = ()) -> list[Fact]:
        """Facts the question is about, best first: a whole name (or a short form of it) written in the
        question counts most; then how many of the question's key concepts the fact's name holds."""
        question = normalize(text).lower()
        key = [c for c in concepts if not c.generic]
        scored = []
        for fact in self.plan.facts:
            names = self.names(fact)
            joined = "\n".join(names)
            named = [question.find(n) for n in names if n in question]
            if not named and shared_run(question, names[0]) >= NAMED_RUN:
                named = [len(question)]
            covered = sum(any(f.lower() in joined for f in c.forms) for c in key)
            score = (2 if named else 0) + covered
            if score:
                scored.append((-score, min(named, default=len(question)), fact))
        scored.sort(key=lambda row: row[:2])
        best = scored[0][0] if scored else 0
        return [fact for score, _, fact in scored if score == best or score <= -2]

    def items_named_in(self, text: str) -> list[Item]:
        question = normalize(text).lower()
        return [item for item in self.plan.items if any(s in question for s in stems(item.name))]

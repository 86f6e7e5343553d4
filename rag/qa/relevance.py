"""Whether a statement of a model's answer is about what the question asks and says what its clauses say;
rag.qa.verify applies these checks to each statement and to the answer as a whole.

Wording is compared as character pairs with the framing an answer adds (roles, bounds, linking verbs)
removed. What the question asks about are its content words (Query.key_concepts, each with the forms the
plan may use for it); only those some clause given to the model holds count, so a question in words the plan
never uses sets no topic.
"""

from __future__ import annotations

import re

from ..schema import Clause
from ..text.quantities import canonical, mentions

_WORDING = re.compile(r"[\u4e00-\u9fffA-Za-z]+")
# how an answer frames what a clause says (roles, bounds, linking verbs): not wording the clause must contain
_FRAMING = re.compile(r"基期值|目标值|目标|基期|不低于|不少于|不超过|不高于|以上|以下|达到|力争|约为|分别|其中|是|为|的|要|将|和|及|与|等")
MIN_SUPPORT = 0.5  # share of a statement's character pairs its cited clauses must contain
MIN_PAIRS = 8  # shorter statements are judged by their numbers alone


def pairs(text: str) -> set[str]:
    return {run[i:i + 2] for run in _WORDING.findall(_FRAMING.sub(" ", text)) for i in range(len(run) - 1)}


def scope(clause: Clause) -> str:
    """What a clause speaks of: its text and its headings."""
    return canonical(clause.text + "\n" + "\n".join(clause.title_path))


def support(statement: str, clauses: list[Clause], question: str) -> float:
    """The share of the statement's character pairs that its clauses (text and headings) or the question
    (an answer may name things as the question does: 规上 for 规模以上) contain; 1.0 for a statement too short
    to judge."""
    own = pairs(statement)
    if len(own) < MIN_PAIRS:
        return 1.0
    return len(own & pairs(canonical("\n".join([question, *map(scope, clauses)])))) / len(own)


class Topics:
    """What the question asks about, as the clauses given to the model hold it.

    `topics`: the question's content words, each as the forms the plan may use for it (the word as asked
    first); `places`: the places it names, each as its forms and then what contains it (a city's region)."""

    def __init__(self, clauses: list[Clause], question: str, topics: tuple[tuple[str, ...], ...] = (),
                 places: tuple[tuple[str, ...], ...] = ()):
        held = [tuple(f for f in map(canonical, forms) if any(f in scope(c) for c in clauses)) for forms in topics]
        self.words = [forms for forms in held if forms]
        self.places = [tuple(map(canonical, forms)) for forms in places]
        self.asked = pairs(canonical(question))

    def on_topic(self, clauses: list[Clause]) -> bool:
        """A statement's own clauses hold one of the question's words (any clause is, when the clauses
        given hold none of them)."""
        return not self.words or any(f in scope(c) for forms in self.words for f in forms for c in clauses)

    def echoes(self, segment: str) -> bool:
        """The statement only repeats the question's words (生命工程 for 生命工程围绕哪些方向): no number, and
        every character pair of its wording is the question's."""
        own = pairs(canonical(segment))
        return bool(own) and own <= self.asked and not mentions(segment)

    def unsaid_place(self, statement: str, clauses: list[Clause]) -> str:
        """A place the question names that the statement names but none of its clauses does ("" if none)."""
        text = canonical(statement)
        return next((forms[0] for forms in self.places if any(f in text for f in forms)
                     and not any(f in scope(c) for f in forms for c in clauses)), "")

    def held_by(self, clause: Clause) -> list[str]:
        """The question's words `clause` holds, each in the first of its forms that it holds."""
        return [f for forms in self.words if (f := next((f for f in forms if f in scope(clause)), None))]

    def describe(self) -> str:
        return "、".join(forms[0] for forms in self.words)

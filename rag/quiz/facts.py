"""Facts read from the plan's own structure, each one testable by an item: amounts with units in its sentences,
enumerations (重点发展A、B、C等), quoted key terms, sub-sections and the rows of its target tables."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from ..corpus.places import Gazetteer, Place
from ..schema import Clause, ClauseKind, Document, Indicator
from ..text import Quantity, clause_sentences, parse_quantities, shared_run
from .phrases import VERBS, PhraseReader, core, segment, widen

_TIME = re.compile(r"^(?:到|至|在)?\d{4}年(?:底|末)?$")
_QUOTED = re.compile(r"“([^“”，。；：、]{2,16})”")
_CONTEXT_MIN = 6  # words around a quoted term, so that a blank can be answered
_SENTENCE_MARKS = "。；！？"

Amount = tuple[float, str]  # a quantity as compared: 7700亿元 and 7,700亿元 are (7700.0, "亿元")


def amounts(text: str) -> list[Quantity]:
    """The amounts a text states (numbers with a unit that is not a date), as the shared grammar reads them."""
    return [q for q in parse_quantities(text) if q.is_amount and q.value is not None]


def amount(option: str) -> Amount | None:
    """The amount an option is, when it is one and nothing else (≥54%, 3000家); None for words."""
    found = amounts(option)
    if len(found) != 1 or len(found[0].text) < len(option.lstrip("约").replace(",", "")):
        return None
    return found[0].value, found[0].unit


def stated(text: str) -> set[Amount]:
    return {(q.value, q.unit) for q in amounts(text)}


@dataclass(frozen=True)
class Fact:
    clause: Clause
    evidence: str  # the plan's sentence (or table row) that states it
    key: str  # one fact, however many times the plan states it


@dataclass(frozen=True)
class QuantityFact(Fact):
    claim: str  # the words around the number, as written
    at: int  # where the number starts in the claim
    number: str
    unit: str
    time: str  # a leading 到2030年 that the claim leaves out
    signature: str  # the words just before the number: 营收达到, 总数达到

    @property
    def value(self) -> str:
        return self.number + self.unit


@dataclass(frozen=True)
class TableFact(Fact):
    indicator: Indicator
    aspect: str  # base | target | category

    @property
    def raw_value(self) -> str:
        return self.indicator.base_value if self.aspect == "base" else self.indicator.target_value

    @property
    def value(self) -> str:
        return self.raw_value + self.indicator.unit

    @property
    def label(self) -> str:
        """目标值（2030年）, with the table's notes for this cell: 目标值（2030年，累计数）."""
        ind = self.indicator
        base = self.aspect == "base"
        label, notes = (ind.base_label, ind.base_notes) if base else (ind.target_label, ind.target_notes)
        if notes and label.endswith("）"):
            return label[:-1] + "，" + "，".join(notes) + "）"
        return label + "".join(f"（{n}）" for n in notes)


@dataclass(frozen=True)
class ListFact(Fact):
    claim: str  # the words holding the enumeration, as written, with the sentence's topic when it needs one
    before: str
    items: tuple[str, ...]
    ending: str  # 等细分领域, or empty
    subject: str  # the place the sentence is about, as written; empty when it is the clause's heading
    place: Place | None
    of_places: bool  # the items are places (长沙、株洲、岳阳等): distractors must be places too

    def with_items(self, items: Iterable[str]) -> str:
        return self.before + "、".join(items) + self.ending

    @property
    def closed(self) -> bool:
        """Written A、B、C等…: an explicit enumeration, fit for choice questions."""
        return self.ending.startswith("等")

    @property
    def tail(self) -> str:
        return self.ending[1:] if self.closed else self.ending

    @property
    def askable(self) -> tuple[str, ...]:
        """Items that can stand alone as an answer: not a first item that carries the words before the list
        (制造业智能化), nor the last of an open list that carries the words after it (国际化方向)."""
        middle = max((len(item) for item in self.items[1:-1]), default=None)
        if middle is None:
            return self.items
        first, last = self.items[0], self.items[-1]
        return tuple(item for i, item in enumerate(self.items) if not (
            (i == 0 and len(first) >= middle + 2)
            or (i == len(self.items) - 1 and not self.closed and len(last) >= middle + 2)))


@dataclass(frozen=True)
class TermFact(Fact):
    claim: str
    term: str


@dataclass(frozen=True)
class SectionFact(Fact):
    members: tuple[str, ...]  # the headings of its sub-clauses


def numeric(value: str) -> str:
    return value.lstrip("≥≤<>约")


class Plan:
    """One document's facts, with the look-ups that distractors and checks need."""

    def __init__(self, document: Document, phrases: PhraseReader, places: Gazetteer):
        self.document = document
        self.phrases = phrases
        self.places = places
        self._children: dict[str | None, list[Clause]] = {}
        for clause in document.clauses:
            self._children.setdefault(clause.parent, []).append(clause)
        self._scopes: dict[str, str] = {}
        self.full_text = "\n".join(c.text for c in document.clauses)
        self.sentences = [(c, s.rstrip(_SENTENCE_MARKS)) for c in document.clauses
                          if c.kind in (ClauseKind.CLAUSE, ClauseKind.PREAMBLE) for s in clause_sentences(c)]
        self.names = self._names()
        self.quantities = self._quantities()
        self.table = self._table()
        self.lists = self._lists()
        self.terms = self._terms()
        self.sections = self._sections()

    @property
    def facts(self) -> list[Fact]:
        return [*self.quantities, *self.table, *self.lists, *self.terms, *self.sections]

    # -- structure ---------------------------------------------------------------------------------
    def scope(self, ref: str) -> str:
        """The text of a clause and of everything under it."""
        if ref not in self._scopes:
            clause = self.document.clause(ref)
            parts = [clause.text] if clause else []
            parts += [self.scope(child.ref) for child in self._children.get(ref, [])]
            self._scopes[ref] = "\n".join(parts)
        return self._scopes[ref]

    def children(self, ref: str) -> list[Clause]:
        return self._children.get(ref, [])

    def within(self, ref: str, section: str) -> bool:
        clause = self.document.clause(ref)
        while clause is not None:
            if clause.ref == section:
                return True
            clause = self.document.clause(clause.parent) if clause.parent else None
        return False

    def siblings(self, clause: Clause) -> list[Clause]:
        return [c for c in self._children.get(clause.parent, []) if c.ref != clause.ref and c.kind == clause.kind]

    def subject_of(self, opening: str) -> tuple[str, Place] | None:
        """The place a sentence is about: named first, or right after an opening verb (打造岳阳…)."""
        found = self.places.first_place(opening)
        if found and (found[0] == 0 or opening[:found[0]] in VERBS):
            return found[1], found[2]
        return None

    def said_of(self, subject: str) -> str:
        """Everything the plan says of a subject: its clause when it is a heading, else the sentences naming it."""
        headed = [c for c in self.document.clauses if c.heading == subject]
        if headed:
            return "\n".join(self.scope(c.ref) for c in headed)
        found = self.places.first_place(subject)
        forms = found[2].forms if found else (subject,)
        return "\n".join(s for _, s in self.sentences if any(form in s for form in forms))

    # -- extraction --------------------------------------------------------------------------------
    def _quantities(self) -> list[QuantityFact]:
        facts = []
        for clause, sentence in self.sentences:
            first_end = segment(sentence, 0, 0)[1]
            cursor = 0
            for quantity in amounts(sentence):
                start = sentence.find(quantity.text, cursor)
                if start == -1:  # written otherwise than its folded form (7,700): not quoted back
                    continue
                cursor = start + len(quantity.text)
                at_number = start + len(quantity.comparator)
                left, right = segment(sentence, start, cursor)
                claim, at = sentence[left:right], at_number - left
                if claim.count(quantity.text) != 1:
                    continue
                time = sentence[:first_end] if left > 0 and _TIME.match(sentence[:first_end]) else ""
                key = self._quantity_key(clause, claim, quantity)
                facts.append(QuantityFact(clause, sentence, key, claim, at, quantity.number, quantity.unit, time,
                                          claim[max(0, at - 4):at]))
        return facts

    def _quantity_key(self, clause: Clause, claim: str, quantity: Quantity) -> str:
        """The same target stated in a clause and in the table is one fact."""
        for ind in self.document.indicators:
            values = [v for v in (ind.base_value, ind.target_value) if v]
            if (ind.unit == quantity.unit and any(numeric(v) == quantity.number for v in values)
                    and shared_run(claim, ind.name) >= 4):
                return f"quantity|{ind.name}|{quantity.number}{quantity.unit}"
        return f"quantity|{clause.ref}|{claim}|{quantity.number}{quantity.unit}"

    def _table(self) -> list[TableFact]:
        facts = []
        for ind in self.document.indicators:
            clause = self.document.clause(ind.ref)
            if clause is None:
                continue
            for aspect, value in (("base", ind.base_value), ("target", ind.target_value)):
                if value and any(ch.isdigit() for ch in value):
                    facts.append(TableFact(clause, clause.text, f"quantity|{ind.name}|{numeric(value)}{ind.unit}",
                                           ind, aspect))
            facts.append(TableFact(clause, clause.text, f"category|{ind.name}", ind, "category"))
        return facts

    def _names(self) -> frozenset[str]:
        """What the plan treats as a subject: headings (and their cores) and the items of its enumerations."""
        names = {name for c in self.document.clauses if c.heading for name in (c.heading, core(c.heading))}
        for _, sentence in self.sentences:
            left = 0
            while left < len(sentence):
                right = segment(sentence, left, left)[1]
                found = self.phrases.enumeration(sentence[left:right])
                names.update(found[1] if found else ())
                left = right + 1
        return frozenset(names)

    def _context(self, sentence: str, left: int) -> str:
        """What a part of a sentence needs before it to keep its subject: the sentence's opening words when
        it opens with a name the plan treats as a subject (空天信息推进…，拓展A、B等应用 keeps 空天信息)."""
        return sentence[:left] if left > 0 and self.phrases.topic(sentence) in self.names else ""

    def is_place(self, text: str) -> bool:
        found = self.places.first_place(text)
        return found is not None and found[1] == text

    def place_overlap(self, a: str, b: str) -> bool:
        """The same place, or one inside the other (长沙 and 长株潭)."""
        found_a, found_b = self.places.first_place(a), self.places.first_place(b)
        if not (found_a and found_b):
            return False
        place_a, place_b = found_a[2], found_b[2]
        return place_a == place_b or place_a.name == place_b.region or place_b.name == place_a.region

    def _lists(self) -> list[ListFact]:
        facts = []
        for index, (clause, sentence) in enumerate(self.sentences):
            left = 0
            while left < len(sentence):
                _, right = segment(sentence, left, left)
                part = sentence[left:right]
                found = self.phrases.enumeration(part)
                if found:
                    start, items, end = found
                    subject = self.subject_of(sentence[:left])
                    context = "" if subject else self._context(sentence, left)
                    facts.append(ListFact(
                        clause, sentence, f"list|{clause.ref}|{index}|{left + start}", context + part,
                        context + part[:start], items, part[end:], subject[0] if subject else "",
                        subject[1] if subject else None, all(self.is_place(item) for item in items),
                    ))
                left = right + 1
        return facts

    def _terms(self) -> list[TermFact]:
        facts = []
        for clause, sentence in self.sentences:
            for match in _QUOTED.finditer(sentence):
                left, right = segment(sentence, match.start(), match.end())
                if right - left - len(match.group(0)) < _CONTEXT_MIN:  # 推动“绿电入湘”: too little to go on
                    left, right = widen(sentence, left, right)
                claim = self._context(sentence, left) + sentence[left:right]
                if claim.count(match.group(0)) == 1:
                    facts.append(TermFact(clause, sentence, f"term|{match.group(1)}", claim, match.group(1)))
        return facts

    def _sections(self) -> list[SectionFact]:
        facts = []
        for clause in self.document.clauses:
            members = [c for c in self.children(clause.ref) if c.kind == ClauseKind.CLAUSE and c.heading]
            if clause.kind == ClauseKind.CLAUSE and len(members) >= 3:
                facts.append(SectionFact(clause, "\n".join(c.title_path[-1] for c in members),
                                         f"section|{clause.ref}", tuple(c.heading for c in members)))
        return facts

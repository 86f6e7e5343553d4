"""Wrong options that are unambiguously wrong, drawn from the plan itself, closest first.

A distractor is a fact of the same category elsewhere in the plan (another industry's target, another
region's industries, another indicator's value, an item of a sibling list). It is refused when it would make
the item ambiguous: when the plan also states it for the same subject (in the clause, of the same place, in
the same table row), or when it is a broader or narrower term of the answer (装备制造 for 输变电装备).

How close the distractors are sets the item's difficulty (see rag.quiz.items.difficulty): each pool of
candidates is a tier labelled with the difficulty its options give, and an item is as hard as the loosest
tier its distractors came from.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from ..schema import ClauseKind
from .facts import Amount, ListFact, Plan, QuantityFact, SectionFact, TableFact, TermFact, amount, numeric, stated
from .model import DIFFICULTIES, Difficulty

_NEAR = 10  # values within this factor of the answer are plausible for the same kind of target

Tiers = list[tuple[Difficulty, Iterable[str]]]


@dataclass(frozen=True)
class Drawn:
    options: tuple[str, ...]
    closeness: Difficulty  # the loosest tier an option came from; HARD when all are close to the answer

    def __len__(self) -> int:
        return len(self.options)


def near(option: str, answer: str) -> bool:
    """Same unit and within a factor of ten: a plausible value for the same kind of target."""
    a, b = amount(option), amount(answer)
    return bool(a and b and a[1] == b[1] and a[0] > 0 and b[0] > 0 and max(a[0], b[0]) / min(a[0], b[0]) <= _NEAR)


def draw(tiers: Tiers, rng: random.Random, count: int, accept: Callable[[str], bool]) -> Drawn:
    """Up to `count` distinct options, taken at random from the first tier, then the next."""
    chosen: list[str] = []
    loosest = Difficulty.HARD
    for level, tier in tiers:
        candidates = list(dict.fromkeys(tier))
        rng.shuffle(candidates)
        for option in candidates:
            if len(chosen) == count:
                return Drawn(tuple(chosen), loosest)
            if option not in chosen and accept(option):
                chosen.append(option)
                loosest = min(loosest, level, key=DIFFICULTIES.index)
    return Drawn(tuple(chosen), loosest)


class Distractors:
    """The distractors of one plan's facts."""

    def __init__(self, plan: Plan):
        self.plan = plan

    # -- what the plan also states ------------------------------------------------------------------
    def stated_amounts(self, ref: str, key: str) -> set[Amount]:
        """Amounts the plan states in a clause and, when the fact is a table target, in that table row."""
        found = stated(self.plan.scope(ref))
        for ind in self.plan.document.indicators:
            if key.startswith(f"quantity|{ind.name}|"):
                found |= stated(self.plan.scope(ind.ref))
        return found

    def list_forbidden(self, fact: ListFact) -> str:
        """What the plan says of the list's subject: a distractor found there is also true. The subject of a
        clause that names a task is the part it belongs to."""
        if fact.place:
            return self.plan.said_of(fact.subject) + "\n" + fact.evidence
        clause = fact.clause
        if clause.parent and self.plan.phrases.is_task(clause.heading):  # the subject is the part's: 北斗
            return self.plan.scope(clause.parent)
        return self.plan.scope(clause.ref)

    def fits_list(self, option: str, fact: ListFact) -> bool:
        """Whether a list item could be meant by `option`: stated for the same subject, broader or narrower
        than one of the list's items (also as places: 长株潭 and 长沙), or not a place where the list is of places."""
        if fact.of_places and not self.plan.is_place(option):
            return True  # not a place of the plan's own naming: neither a fair nor a clear distractor
        return option in self.list_forbidden(fact) or any(
            self.plan.phrases.same_kind(option, item) or self.plan.place_overlap(option, item) for item in fact.items)

    def term_fits(self, option: str, fact: TermFact) -> bool:
        """Whether the plan quotes `option` in this clause or in the same words elsewhere, or it is broader or
        narrower than the term."""
        at = fact.evidence.find(f"“{fact.term}”")
        frame = (fact.evidence[max(0, at - 2):at], fact.evidence[at + len(fact.term) + 2:][:2])
        elsewhere = f"{frame[0]}“{option}”" in self.plan.full_text or f"“{option}”{frame[1]}" in self.plan.full_text
        return option in self.plan.scope(fact.clause.ref) or elsewhere or self.plan.phrases.same_kind(option, fact.term)

    # -- values -------------------------------------------------------------------------------------
    def value_accepts(self, answer: str, ref: str, key: str) -> Callable[[str], bool]:
        """A value is a fair distractor when it differs from the answer and the plan does not state it there."""
        stated_here = self.stated_amounts(ref, key)
        answer_amount = amount(answer)

        def accept(option: str) -> bool:
            value = amount(option)
            return value is not None and value != answer_amount and value not in stated_here
        return accept

    def quantity(self, fact: QuantityFact, rng: random.Random, count: int) -> Drawn:
        """Another target of the same kind (same words before the number), then values of the same size."""
        plan = self.plan
        same_unit = [q.value for q in plan.quantities if q.unit == fact.unit]
        same_unit += [numeric(t.value) for t in plan.table if t.aspect != "category" and t.indicator.unit == fact.unit]
        alike = [q.value for q in plan.quantities if q.unit == fact.unit and q.signature == fact.signature]
        tiers: Tiers = [
            (Difficulty.HARD, alike),
            (Difficulty.HARD, [v for v in same_unit if near(v, fact.value)]),
            (Difficulty.EASY, same_unit),
        ]
        return draw(tiers, rng, count, self.value_accepts(fact.value, fact.clause.ref, fact.key))

    def table(self, fact: TableFact, rng: random.Random, count: int) -> Drawn:
        """Another indicator's value in the same unit: the same column first, values of the same size first."""
        unit = fact.indicator.unit
        column = [t.value for t in self.plan.table if t.aspect == fact.aspect and t.indicator.unit == unit
                  and t.indicator.number != fact.indicator.number]
        others = [t.value for t in self.plan.table if t.aspect != "category" and t.indicator.unit == unit]
        tiers: Tiers = [(Difficulty.HARD, [v for v in column if near(v, fact.value)]), (Difficulty.MEDIUM, column),
                        (Difficulty.EASY, others)]
        return draw(tiers, rng, count, self.value_accepts(fact.value, fact.clause.ref, fact.key))

    def category(self, fact: TableFact, rng: random.Random, count: int) -> Drawn:
        categories = [ind.category for ind in self.plan.document.indicators]
        return draw([(Difficulty.MEDIUM, categories)], rng, count,
                    lambda c: c != fact.indicator.category and c not in fact.evidence)

    # -- words --------------------------------------------------------------------------------------
    def list_items(self, fact: ListFact, rng: random.Random, count: int) -> Drawn:
        """Items of a list about another place (another region's industries) or of a sibling list that ends
        alike (…细分领域) are close; then items shaped like this list's (…化, …材料); then any nearby list's."""
        plan = self.plan
        others = [f for f in plan.lists if f.key != fact.key and f.of_places == fact.of_places]
        nearby = [f for f in others if f.clause.ref == fact.clause.ref or f.clause.parent == fact.clause.parent]
        other_places = [f for f in nearby if f.place and fact.place and f.place.kind == fact.place.kind
                        and f.place.name != fact.place.name]
        same_frame = [f for f in nearby if f.clause.ref != fact.clause.ref and fact.tail and f.tail == fact.tail]
        last = [item[-1] for item in fact.items]
        endings = {ch for ch in last if last.count(ch) >= 2}  # the list's own pattern: 多元化、高端化
        tiers: Tiers = [(Difficulty.HARD, [i for f in group for i in f.askable])
                        for group in (other_places, same_frame)]
        tiers += [(Difficulty.MEDIUM, [i for f in group for i in f.askable if i[-1] in endings])
                  for group in (nearby, others)]
        tiers.append((Difficulty.EASY, [i for f in nearby for i in f.askable]))
        return draw(tiers, rng, count, lambda d: not self.fits_list(d, fact))

    def subjects(self, fact: ListFact, probe: str, rng: random.Random, count: int) -> Drawn:
        plan = self.plan
        if fact.place:
            pool = [f.subject for f in plan.lists if f.place and f.place.kind == fact.place.kind
                    and f.place.name != fact.place.name
                    and (f.clause.ref == fact.clause.ref or f.clause.parent == fact.clause.parent)]
        else:
            pool = [c.heading for c in plan.siblings(fact.clause) if c.heading]
        subject = fact.subject or fact.clause.heading
        return draw([(Difficulty.MEDIUM, pool)], rng, count,
                    lambda s: probe not in plan.said_of(s) and not plan.phrases.same_kind(s, subject))

    def terms(self, fact: TermFact, rng: random.Random, count: int) -> Drawn:
        terms = list(dict.fromkeys(t.term for t in self.plan.terms if t.term != fact.term))
        tiers: Tiers = [(Difficulty.MEDIUM if gap == 0 else Difficulty.EASY,
                         [t for t in terms if abs(len(t) - len(fact.term)) == gap]) for gap in (0, 1, 2)]
        return draw(tiers, rng, count, lambda t: not self.term_fits(t, fact))

    def sections(self, fact: SectionFact, rng: random.Random, count: int) -> Drawn:
        plan = self.plan
        cousins = [c.heading for s in plan.siblings(fact.clause) for c in plan.children(s.ref)
                   if c.kind == ClauseKind.CLAUSE and c.heading]
        scope = plan.scope(fact.clause.ref)
        return draw([(Difficulty.EASY, cousins)], rng, count, lambda h: h not in fact.members and h not in scope)

"""Values that differ between documents. When another document of the library states a different number for
the same thing an answer gives a number for (the same item, the same unit, another value), the answer shows
each document's statement with the document's date, newest first, and says that they differ (a further document
that agrees with one of them is shown too, and a table row with the text that restates it); and a rule of
those documents on which prevails when they disagree (与本办法不一致的，按照本办法执行), when one has one."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from ..schema import Answer, Clause, Concept, Hit, Query, Statement
from ..text import clause_sentences, normalize, parse_quantities
from ..text.quantities import mentions
from .answerers.base import AnswerContext, build_answer
from .answerers.extractive import matches_concept
from .intent import ASKS_BASE, asked_unit, unit_family

SAME_THING = 0.6  # another sentence speaks of the same thing when it names this share of what the answer's does
SAME_PHRASE_MARGIN = 2  # ... and shares at least this many characters around its rarest word
DIFFERING_LEAD = "注意：各文件对此规定的数值不同，按成文日期从新到旧列出："
# a sentence saying which text prevails where texts disagree: 与本办法不一致的，按照本办法执行 / 以本规定为准
_PRECEDENCE = re.compile(r"不一致[的时]?[，,]?\s*(?:按照|依照|按|以)[^，。；]{1,16}(?:执行|为准)")


@dataclass(frozen=True)
class _Said:
    """A sentence of a clause: which of the question's concepts it names and the amounts it states."""

    clause: Clause
    text: str
    covered: frozenset[str]
    values: frozenset[tuple[str, str]]  # (unit, number): 60家 and 70家 are values of one measure


def with_differences(query: Query, answer: Answer, hits: list[Hit], context: AnswerContext) -> Answer:
    """The answer, or, when documents state different values for what it states a value for, an answer that
    gives each document's statement with its date (newest first) under a lead that says they differ."""
    # a question that asks no number (能拿奖励吗) is not answered by the values documents give
    if answer.refused or not answer.statements or not query.wants_number or len({h.clause.doc_id for h in hits}) < 2:
        return answer
    concepts = [c for c in query.key_concepts if c.known and not c.qualifier]
    weight = _Weigher(concepts, context.idf)
    unit = asked_unit(query.text)
    clauses = {}
    for citation in answer.citations:  # a statement's clause: the first cited clause with its reference
        clauses.setdefault(citation.ref, context.clause(citation.doc_id, citation.ref))
    given = [_said(clauses[s.ref], s.text, concepts, unit) for s in answer.statements if clauses.get(s.ref)]
    stating = [g for g in given if g.values and g.covered]
    if not stating:
        return answer
    best = max(stating, key=lambda g: weight(g.covered))
    # a value the best statement's document gives anywhere in the answer is no difference
    given_values = frozenset().union(*(g.values for g in stating if g.clause.doc_id == best.clause.doc_id))
    now = ASKS_BASE.search(query.text)

    def differs(said: _Said) -> bool:
        # asked how things are now (现在多少家), another document's goal for a later year is no other value of it
        return (said.clause.doc_id != best.clause.doc_id and _differs(said, best, given_values, weight)
                and not (now and _sets_goal(said, context)))

    differing = [g for g in given if differs(g)]
    seen = {(g.clause.doc_id, g.clause.ref) for g in given}
    rarest = weight.rarest(best.covered)  # a sentence without it is about another thing (_same_thing)
    others = [said for hit in hits if (hit.clause.doc_id, hit.clause.ref) not in seen
              for said in (_said(hit.clause, t, concepts, unit) for t in clause_sentences(hit.clause) if rarest in t)
              if said.values and _same_thing(said, best, weight)]
    for other in others:
        if differs(other) and all(d.clause.doc_id != other.clause.doc_id for d in differing):
            differing.append(other)
    if not differing:
        return answer
    shown = [g for g in given if g.clause.doc_id == best.clause.doc_id] + differing
    shown += [s for s in _also_stating(others, [best, *differing]) if s not in shown]
    shown.sort(key=lambda s: context.documents[s.clause.doc_id].meta.sort_date, reverse=True)
    statements = [Statement(f"（{context.documents[s.clause.doc_id].meta.date}）{s.text}", s.clause.ref) for s in shown]
    rules = _precedence(context, dict.fromkeys(s.clause.doc_id for s in shown))
    statements += [Statement(text, clause.ref) for clause, text in rules]
    clauses = list(dict.fromkeys([*(s.clause for s in shown), *(clause for clause, _ in rules)]))
    return build_answer(query, statements, clauses, hits, DIFFERING_LEAD)


def _sets_goal(said: _Said, context: AnswerContext) -> bool:
    """A sentence about a year after its document's own (到2030年…达到70家) that states no base value: a goal,
    not how things are (a table row states both)."""
    own = context.documents[said.clause.doc_id].meta.year
    later = any(m.is_year and int(m.quantity.number) > own for m in mentions(said.text))
    return later and not ASKS_BASE.search(said.text)


def _precedence(context: AnswerContext, doc_ids) -> list[tuple[Clause, str]]:
    """Each document's sentences that say which text prevails where texts disagree."""
    return [(clause, sentence) for doc_id in doc_ids for clause in context.documents[doc_id].clauses
            for sentence in clause_sentences(clause) if _PRECEDENCE.search(sentence)]


def _said(clause: Clause, text: str, concepts: list[Concept], unit: str = "") -> _Said:
    """What a sentence says; with `unit`, only its values in that unit count (a reward in 万元 is no answer to
    how many 家)."""
    folded = normalize(text).lower()
    covered = frozenset(c.word for c in concepts if matches_concept(c, folded, broader=False))
    values = frozenset((q.unit, q.number) for q in parse_quantities(text)
                       if q.is_amount and (not unit or unit_family(q.unit) == unit))
    return _Said(clause, text, covered, values)


def _run_around(word: str, text: str, other: str) -> int:
    """The longest run of `text` around `word` that `other` holds too: the same item is named by the same
    phrase (国家级专精特新“小巨人”企业), another item only shares a word of it (创新中心, 创新平台)."""
    best = 0
    start = text.find(word)
    while start >= 0:
        left, right = start, start + len(word)
        if text[left:right] in other:
            while left > 0 and text[left - 1:right] in other:
                left -= 1
            while right < len(text) and text[left:right + 1] in other:
                right += 1
            best = max(best, right - left)
        start = text.find(word, start + 1)
    return best


class _Weigher:
    """Concepts weighed by their rarity in the library."""

    def __init__(self, concepts: list[Concept], idf: Callable[[str], float]):
        self.weights = {c.word: idf(c.word) for c in concepts}

    def __call__(self, words: frozenset[str]) -> float:
        return sum(self.weights[w] for w in words)

    def rarest(self, words: frozenset[str]) -> str:
        return max(words, key=lambda w: self.weights[w])


def _also_stating(others: list[_Said], compared: list[_Said]) -> list[_Said]:
    """Where documents differ, every document's word on it: a further document stating one of the values compared
    (the notice's table agreeing with the measures), and a compared document's other clause restating its value
    (the plan's text beside its target table); one more sentence a document at most."""
    values = {}
    for said in compared:
        values.setdefault(said.clause.doc_id, set()).update(said.values)
    every = set().union(*values.values())
    added, more = set(), []
    for other in others:
        doc_id = other.clause.doc_id
        if other not in compared and doc_id not in added and other.values & values.get(doc_id, every):
            added.add(doc_id)
            more.append(other)
    return more


def _same_thing(other: _Said, best: _Said, weight: _Weigher) -> bool:
    """Another sentence about the same thing: it names most of what the answer's sentence names, and its rarest
    word within the same phrase."""
    rarest = weight.rarest(best.covered)
    if _run_around(rarest, best.text, other.text) < len(rarest) + SAME_PHRASE_MARGIN:
        return False
    return weight(other.covered & best.covered) >= SAME_THING * weight(best.covered)


def _differs(other: _Said, best: _Said, given: frozenset[tuple[str, str]], weight: _Weigher) -> bool:
    """Another document's sentence about the same thing stating another value in a unit the answer's sentence
    uses, and none of the values the answer gives from the best sentence's document (`given`)."""
    if not other.values or not _same_thing(other, best, weight):
        return False
    units = {unit for unit, _ in best.values}
    return not (other.values & given) and any(unit in units for unit, _ in other.values)

"""Extractive answers: the best sentences of the retrieved clauses, each followed by its citation.

Numbers are never rewritten: every statement is a sentence of the plan (or an indicator row stated from
its cells). When no clause covers what the question asks, the answer says so and lists the nearest ones.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from ...schema import Answer, Citation, Clause, ClauseKind, Concept, Document, Hit, Query, Route, Statement
from ...text import clause_sentences, fold, normalize, parse_quantities

MIN_COVERAGE = 0.4  # share of the question's concepts the cited clauses (with their titles) must cover
MIN_CLAUSE_COVERAGE = 0.2  # ... and each cited clause at least this much
UNKNOWN_WEIGHT = 0.5  # a noun the corpus never uses still counts (uncovered) at this share of its weight
CONTEXT_WEIGHT = 0.7  # a concept found only in the clause's titles counts for this much
BROADER_WEIGHT = 0.6  # ... and one found only as what contains it (a city's region) for this much
NEW_CONCEPT_SHARE = 0.2  # a further clause is cited when it covers this much that the others do not
TIE_RATIO = 0.97  # ... or when it scores as well as the best (two industries with the same target)
MAX_CLAUSES = 4
SENTENCES_PER_CLAUSE = 2
CANDIDATE_CLAUSES = 6
SAME_THING_COVERAGE = 0.6  # another document's clause covering this share of the best one's speaks of the same thing
DIFFERING_LEAD = "各文件的规定不同，按成文日期从新到旧列出："
_YEAR = re.compile(r"\d{4}年")
_RATIO_BASE = re.compile(r"占[^，。；、]{1,24}?(?:比重|比例)")  # "A占B比重": the number is about A, not B


@dataclass(frozen=True)
class _Sentence:
    text: str
    covered: frozenset[str]  # words of the concepts it names (its clause's titles count too)
    coverage: float
    has_quantity: bool
    subject_match: bool  # a concept is the subject of the sentence's number, not its ratio base
    scope_match: bool  # the sentence itself names every scope the question sets (全国, a city, 十四五)

    @property
    def states_number(self) -> bool:
        return self.has_quantity and self.subject_match and self.scope_match


@dataclass(frozen=True)
class _ClauseMatch:
    clause: Clause
    sentences: list[_Sentence]
    covered: frozenset[str]
    coverage: float
    score: float

    @property
    def states_number(self) -> bool:
        return any(s.states_number for s in self.sentences)

    @property
    def states_whole_number(self) -> bool:
        """An item of the outline (an industry) that names what the question asks about only as a part of
        itself (酒饮料精制茶 in 食品产业): its numbers are the whole item's, which the answer must say."""
        return _is_item(self.clause) and bool(self.covered) and any(
            s.has_quantity and s.scope_match for s in self.sentences)


def _quoted(words: list[str]) -> str:
    return "、".join(f"“{w}”" for w in words[:3])


def has_quantity(text: str) -> bool:
    return bool(re.search(r"\d", _YEAR.sub("", text)))


def _matches(concept: Concept, text: str, broader: bool = True) -> bool:
    forms = (*concept.forms, *concept.broader) if broader else concept.forms
    return any(form.lower() in text for form in forms)


def _weighted(covered, weights, total, titles, known, text=None, body="") -> float:
    """Share of the concepts' weight covered; one named only in the titles counts CONTEXT_WEIGHT, one named
    only by what contains it BROADER_WEIGHT. `text` is a sentence; without one, `body` is the whole clause."""
    if not total:
        return 1.0
    weight = 0.0
    for concept in known:
        if concept.word in covered:
            in_text = text is None or _matches(concept, text)
            itself = _matches(concept, f"{titles}\n{text or body}", broader=False)
            share = (1.0 if in_text else CONTEXT_WEIGHT) * (1.0 if itself else BROADER_WEIGHT)
            weight += weights[concept.word] * share
    return weight / total


def _union_coverage(chosen: list[_ClauseMatch], weights: dict[str, float]) -> float:
    total = sum(weights.values())
    covered = frozenset().union(*(m.covered for m in chosen))
    return sum(weights[w] for w in covered) / total if total else 1.0


def _complementary(matches: list[_ClauseMatch], weights: dict[str, float]) -> list[_ClauseMatch]:
    """The best clause, then those that add concepts the chosen ones miss, or tie with the best."""
    total = sum(weights.values()) or 1.0
    best = matches[0]
    chosen, covered = [best], set(best.covered)
    for match in matches[1:]:
        new = sum(weights[w] for w in match.covered - covered) / total
        if new >= NEW_CONCEPT_SHARE or match.score >= TIE_RATIO * best.score:
            chosen.append(match)
            covered |= match.covered
        if len(chosen) == MAX_CLAUSES:
            break
    return chosen


def _amounts(text: str) -> set[tuple[str, str]]:
    """The amounts a sentence states, as (unit, value): 60家 and 70家 are values of one measure, 80万元 another."""
    return {(q.unit, fold(q.text)) for q in parse_quantities(text) if q.is_amount}


def _top_sentence(match: _ClauseMatch) -> _Sentence | None:
    """The clause's sentence that best states a number for the question."""
    return max((s for s in match.sentences if s.states_number), key=lambda s: s.coverage, default=None)


def _line(statement: Statement) -> str:
    return f"{statement.text}【{statement.label}】"


def _is_item(clause: Clause) -> bool:
    """A numbered item with a subject of its own (5.食品产业): its sentences speak of that subject."""
    return clause.kind == ClauseKind.CLAUSE and clause.level >= 3 and bool(clause.heading)


def _statement_text(clause: Clause, sentence: str) -> str:
    """Name the clause's subject when the sentence does not (到2030年，力争营收… → 新材料产业：到2030年…)."""
    if _is_item(clause) and clause.heading not in sentence:
        return f"{clause.heading}：{sentence}"
    return sentence


class AnswerComposer:
    def __init__(self, idf: Callable[[str], float], children: Callable[[Clause], list[Clause]],
                 documents: Mapping[str, Document]):
        self.idf = idf
        self.children = children
        self.documents = documents

    def label(self, clause: Clause) -> str:
        """The document's 文号 (or title) to write before a reference when the library holds several."""
        return self.documents[clause.doc_id].meta.label if len(self.documents) > 1 else ""

    def citation(self, clause: Clause, score: float) -> Citation:
        meta = self.documents[clause.doc_id].meta
        return Citation(clause.doc_id, clause.ref, clause.title, clause.text, score, meta.title, meta.doc_number)

    def statement(self, text: str, clause: Clause) -> Statement:
        return Statement(text, clause.ref, self.label(clause))

    def compose(self, query: Query, hits: list[Hit]) -> Answer:
        if not query.concepts:
            return self.refuse(query, hits, "请提出与规划内容相关的问题，例如：“到2030年新材料产业营收目标是多少？”")
        if hits and hits[0].route == Route.REFERENCE:
            return self._quote(query, hits)
        key = query.key_concepts or query.concepts
        names = [c.word for c in key if not c.known and c.proper and (query.wants_number or query.unanswerable)]
        scopes = [c.word for c in query.concepts if not c.known and c.qualifier]
        if names or scopes:
            return self.refuse(query, hits, f"规划中没有关于{_quoted(scopes + names)}的内容。")
        if query.wants_list:
            listed = self._outline_answer(query, hits, key)
            if listed:
                return listed
        known = tuple(c for c in key if c.known)
        weights = self._weights(key)
        matches = [m for m in self._matches(query, hits[:CANDIDATE_CLAUSES], known, weights)
                   if m.coverage >= MIN_CLAUSE_COVERAGE]
        for reason, needed in query.unanswerable:
            matches = [m for m in matches if any(re.search(needed, s.text) for s in m.sentences)]
            if not matches:
                return self.refuse(query, hits, f"规划未规定{reason}，请咨询主管部门。")
        if query.wants_number:
            matches.sort(key=lambda m: 2 if m.states_number else int(m.states_whole_number), reverse=True)
        chosen = _complementary(matches, weights) if matches else []
        lead = ""
        if query.wants_number and not any(m.states_number for m in chosen):
            chosen = [m for m in chosen[:1] if m.states_whole_number]
            if chosen:
                titles = normalize(chosen[0].clause.title).lower()
                parts = [c.word for c in known if not c.qualifier and not _matches(c, titles)]
                lead = (f"规划没有单列{_quoted(parts or [c.word for c in known])}的数值，"
                        f"以下是其所在条款“{chosen[0].clause.heading}”的整体目标：")
        if not chosen or _union_coverage(chosen, weights) < MIN_COVERAGE:
            missing = [c.word for c in known if not any(_matches(c, self._context(h.clause)) for h in hits[:3])]
            subject = _quoted(missing or [c.word for c in key])
            reason = f"规划中未找到关于{subject}的具体数值" if query.wants_number else f"规划中未找到关于{subject}的内容"
            return self.refuse(query, hits, reason + "。")
        differing = []
        if len(self.documents) > 1 and not lead:
            differing = self._differing(query, self._matches(query, hits, known, weights), chosen)
        if differing:  # documents state different values for the same thing: all of them, newest first
            chosen = sorted(chosen + differing, key=lambda m: self.documents[m.clause.doc_id].meta.sort_date,
                            reverse=True)
            lead = DIFFERING_LEAD
        statements = [self.statement(_statement_text(m.clause, s.text), m.clause)
                      for m in chosen for s in self._best_sentences(query, m, whole=lead != DIFFERING_LEAD and bool(lead))]
        return self._answer(query, statements, [m.clause for m in chosen], hits, lead)

    def _differing(self, query: Query, matches: list[_ClauseMatch], chosen: list[_ClauseMatch]) -> list[_ClauseMatch]:
        """The best clause of each other document that speaks of the same thing as well as the answer does and
        states a value the answer does not give."""
        given = {m.clause.doc_id for m in chosen}
        top = _top_sentence(chosen[0])
        if top is None:
            return []
        stated = _amounts(top.text)
        units = {unit for unit, _ in stated}
        found = []
        for match in matches:
            if match.clause.doc_id in given or match.coverage < SAME_THING_COVERAGE * chosen[0].coverage:
                continue
            other = _top_sentence(match)
            if other is None or not other.covered >= top.covered:  # it must speak of all the answer speaks of
                continue
            if any(unit in units for unit, _ in _amounts(other.text) - stated):  # the same measure, another value
                found.append(match)
                given.add(match.clause.doc_id)
        return found

    # -- pieces ------------------------------------------------------------------------------
    @staticmethod
    def _context(clause: Clause) -> str:
        return normalize(clause.title + "\n" + clause.text).lower()

    def _weights(self, key: tuple[Concept, ...]) -> dict[str, float]:
        """Rarer words weigh more; a noun the corpus never uses weighs less but can never be covered."""
        return {c.word: self.idf(c.word) * (1.0 if c.known else UNKNOWN_WEIGHT)
                for c in key if c.known or c.salient}

    def _matches(self, query: Query, hits: list[Hit], known: tuple[Concept, ...],
                 weights: dict[str, float]) -> list[_ClauseMatch]:
        """The top clauses with the concepts each covers; a number question needs a sentence stating it."""
        total = sum(weights.values())
        top = hits[0].score if hits else 1.0
        matches = []
        for hit in hits:
            titles = normalize(hit.clause.title).lower()
            sentences = [self._sentence(s, titles, known, weights, total) for s in clause_sentences(hit.clause)]
            covered = frozenset().union(*(s.covered for s in sentences))
            coverage = _weighted(covered, weights, total, titles, known, body=normalize(hit.clause.text).lower())
            matches.append(_ClauseMatch(hit.clause, sentences, covered, coverage, coverage + 0.15 * hit.score / top))
        matches.sort(key=lambda m: m.score, reverse=True)
        return matches

    @staticmethod
    def _sentence(sentence: str, titles: str, known, weights, total) -> _Sentence:
        text = normalize(sentence).lower()
        covered = frozenset(c.word for c in known if _matches(c, text) or _matches(c, titles))
        subject_text = _RATIO_BASE.sub("占比重", titles + text)
        return _Sentence(
            text=sentence,
            covered=covered,
            coverage=_weighted(covered, weights, total, titles, known, text),
            has_quantity=has_quantity(text),
            subject_match=not known or any(_matches(c, subject_text) for c in known if not c.qualifier),
            scope_match=all(_matches(c, text) for c in known if c.qualifier),
        )

    @staticmethod
    def _best_sentences(query: Query, match: _ClauseMatch, whole: bool = False) -> list[_Sentence]:
        """The sentences that cover the most, in document order; a number question's number comes first
        (with `whole`, the number of the clause's own subject)."""
        def stated(s: _Sentence) -> bool:
            if whole:
                return s.has_quantity and s.scope_match
            return s.states_number and (query.wants_number or query.mentions_target)

        ranked = sorted(match.sentences, key=lambda s: (stated(s), s.coverage), reverse=True)
        chosen = ranked[:SENTENCES_PER_CLAUSE]
        return [s for s in match.sentences if s in chosen]

    def _outline_answer(self, query: Query, hits: list[Hit], key: tuple[Concept, ...]) -> Answer | None:
        """A 'which ones' question about a heading with items is answered by the items' titles."""
        for hit in hits[:3]:
            items = [c for c in self.children(hit.clause) if c.kind == ClauseKind.CLAUSE]
            heading = normalize(hit.clause.heading).lower()
            if items and any(_matches(c, heading) for c in key if not c.generic):
                listing = "；".join(c.title_path[-1] for c in items)
                statement = self.statement(f"{hit.clause.title_path[-1]}包括：{listing}。", hit.clause)
                return self._answer(query, [statement], [hit.clause], hits)
        return None

    def _quote(self, query: Query, hits: list[Hit]) -> Answer:
        statements = [self.statement(h.clause.text.replace("\n", " "), h.clause) for h in hits]
        return self._answer(query, statements, [h.clause for h in hits], hits)

    def _answer(self, query: Query, statements: list[Statement], clauses: list[Clause], hits: list[Hit],
                lead: str = "") -> Answer:
        scores = {(h.clause.doc_id, h.clause.ref): h.score for h in hits}
        citations = [self.citation(c, scores.get((c.doc_id, c.ref), 0.0)) for c in dict.fromkeys(clauses)]
        lines = [_line(s) for s in statements]
        cited_text = normalize("".join(c.text for c in clauses))
        absent = [q for q in query.quantities if q not in cited_text]
        if absent:
            lines.insert(0, f"注意：所引规划条款中没有“{'、'.join(absent)}”这一说法，原文是：")
        elif lead:
            lines.insert(0, lead)
        return Answer(query.text, "\n".join(lines), False, citations, statements, query.notice)

    def refuse(self, query: Query, hits: list[Hit], reason: str) -> Answer:
        nearest = [h.clause for h in hits[:3]]
        text = reason
        if nearest:
            text += "最接近的条款：" + "；".join(
                f"{self.label(c)} {c.ref} {c.title_path[-1]}".lstrip() for c in nearest) + "。"
        citations = [self.citation(c, h.score) for c, h in zip(nearest, hits)]
        return Answer(query.text, text, True, citations, [], query.notice)


def combine(question: str, parts: list[str], answers: list[Answer], notice: str = "") -> Answer:
    """One answer to a question that asks several things: each part's answer under the part it answers.
    It is refused only when every part is; then it lists the clauses nearest to each."""
    refused = all(a.refused for a in answers)
    lines, citations, statements = [], {}, []
    for part, answer in zip(parts, answers, strict=True):
        lines.append(f"关于“{part}”：")
        new = [s for s in answer.statements if s not in statements]
        if answer.statements and not new:
            lines.append("见上文" + "".join(dict.fromkeys(f"【{s.label}】" for s in answer.statements)) + "。")
        elif answer.statements:  # the part's lines without those already given for an earlier part
            given = {_line(s) for s in answer.statements if s not in new}
            lines.extend(line for line in answer.text.split("\n") if line not in given)
        else:
            lines.append(answer.text)
        if refused or not answer.refused:  # an answered part's evidence, not another part's nearest clauses
            for citation in answer.citations:
                citations.setdefault((citation.doc_id, citation.ref), citation)
            statements.extend(new)
    return Answer(question, "\n".join(lines), refused, list(citations.values()), statements, notice)

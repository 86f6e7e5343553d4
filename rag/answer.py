"""Extractive answers: the best sentences of the retrieved clauses, each followed by its citation.

Numbers are never rewritten: every statement is a sentence of the plan (or an indicator row stated from
its cells). When no clause covers what the question asks, the answer says so and lists the nearest ones.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from .index import split_sentences
from .schema import Answer, Citation, Clause, Concept, Hit, Query, Statement
from .tokenize import normalize

MIN_COVERAGE = 0.34  # share of the question's key concepts a statement (with its clause titles) must cover
CONTEXT_WEIGHT = 0.7  # a concept found only in the clause's titles counts for this much
KEEP_RATIO = 0.8  # further statements must score at least this share of the best one
MAX_STATEMENTS = 4
CANDIDATE_CLAUSES = 6
_YEAR = re.compile(r"\d{4}年")
_RATIO_BASE = re.compile(r"占[^，。；、]{1,24}?(?:比重|比例)")  # "A占B比重": the number is about A, not B


@dataclass(frozen=True)
class _Candidate:
    clause: Clause
    text: str
    score: float
    coverage: float
    subject_match: bool  # a key concept is the subject of the sentence's number, not its ratio base
    scope_match: bool  # the sentence itself names every scope the question sets (全国, a city, 十四五)
    rank: int


def _quoted(words: list[str]) -> str:
    return "、".join(f"“{w}”" for w in words[:3])


def has_quantity(text: str) -> bool:
    return bool(re.search(r"\d", _YEAR.sub("", text)))


def _matches(concept: Concept, text: str) -> bool:
    return any(form.lower() in text for form in concept.forms)


def _sentences(clause: Clause) -> list[str]:
    heading_line = clause.title_path[-1] if clause.title_path else ""
    result = []
    for line in clause.text.split("\n"):
        for sentence in split_sentences(line):
            if sentence.rstrip("。；") != heading_line and sentence.strip():
                result.append(sentence.strip())
    return result


def _statement_text(clause: Clause, sentence: str) -> str:
    """Name the clause's subject when the sentence does not (到2030年，力争营收… → 新材料产业：到2030年…)."""
    if clause.kind == "clause" and clause.level >= 3 and clause.heading and clause.heading not in sentence:
        return f"{clause.heading}：{sentence}"
    return sentence


class AnswerComposer:
    def __init__(self, idf: Callable[[str], float], children: Callable[[Clause], list[Clause]]):
        self.idf = idf
        self.children = children

    def compose(self, query: Query, hits: list[Hit]) -> Answer:
        if not query.concepts:
            return self.refuse(query, hits, "请提出与规划内容相关的问题，例如：“到2030年新材料产业营收目标是多少？”")
        if hits and hits[0].route == "reference":
            return self._quote(query, hits)
        key = query.key_concepts or query.concepts
        unknown = [c.word for c in key if not c.known and c.salient]
        if unknown and (query.wants_number or query.unanswerable):
            return self.refuse(query, hits, f"规划中没有关于{_quoted(unknown)}的内容。")
        if query.wants_list:
            listed = self._outline_answer(query, hits, key)
            if listed:
                return listed
        known = tuple(c for c in key if c.known)
        usable = [c for c in self._candidates(query, hits[:CANDIDATE_CLAUSES], known) if c.coverage >= MIN_COVERAGE]
        if query.wants_number:
            usable = [c for c in usable if has_quantity(c.text) and c.subject_match and c.scope_match]
        for reason, needed in query.unanswerable:
            usable = [c for c in usable if re.search(needed, c.text)]
            if not usable:
                return self.refuse(query, hits, f"规划未规定{reason}，请咨询主管部门。")
        if not usable:
            missing = [c.word for c in known if not any(_matches(c, self._context(h.clause)) for h in hits[:3])]
            subject = _quoted(missing or [c.word for c in key])
            reason = f"规划中未找到关于{subject}的具体数值" if query.wants_number else f"规划中未找到关于{subject}的内容"
            return self.refuse(query, hits, reason + "。")
        best = usable[0].score
        chosen = [c for c in usable if c.score >= KEEP_RATIO * best][:MAX_STATEMENTS]
        statements = [Statement(_statement_text(c.clause, c.text), c.clause.ref) for c in chosen]
        return self._answer(query, statements, [c.clause for c in chosen], hits)

    # -- pieces ------------------------------------------------------------------------------
    @staticmethod
    def _context(clause: Clause) -> str:
        return normalize(clause.title + "\n" + clause.text).lower()

    def _candidates(self, query: Query, hits: list[Hit], known: tuple[Concept, ...]) -> list[_Candidate]:
        """Every sentence of the top clauses, scored by the question's known concepts it (or its titles) covers."""
        weights = {c.word: self.idf(c.word) for c in known}
        total = sum(weights.values())
        top = hits[0].score if hits else 1.0
        qualifiers = [c for c in known if c.qualifier]
        candidates = []
        for rank, hit in enumerate(hits):
            titles = normalize(hit.clause.title).lower()
            for sentence in _sentences(hit.clause):
                text = normalize(sentence).lower()
                weight = 0.0
                for concept in known:
                    if _matches(concept, text):
                        weight += weights[concept.word]
                    elif _matches(concept, titles):
                        weight += CONTEXT_WEIGHT * weights[concept.word]
                coverage = weight / total if total else 1.0
                subject_text = _RATIO_BASE.sub("占比重", titles + text)
                subject = not known or any(_matches(c, subject_text) for c in known if not c.qualifier)
                scope = all(_matches(c, text) for c in qualifiers)
                score = coverage + 0.15 * hit.score / top + (0.1 if query.wants_number and has_quantity(text) else 0.0)
                candidates.append(_Candidate(hit.clause, sentence, score, coverage, subject, scope, rank))
        candidates.sort(key=lambda c: c.score, reverse=True)
        return candidates

    def _outline_answer(self, query: Query, hits: list[Hit], key: tuple[Concept, ...]) -> Answer | None:
        """A 'which ones' question about a heading with items is answered by the items' titles."""
        for hit in hits[:3]:
            items = [c for c in self.children(hit.clause) if c.kind == "clause"]
            heading = normalize(hit.clause.heading).lower()
            if items and key and all(_matches(c, heading) or c.generic for c in key[:1]):
                listing = "；".join(c.title_path[-1] for c in items)
                statement = Statement(f"{hit.clause.title_path[-1]}包括：{listing}。", hit.clause.ref)
                return self._answer(query, [statement], [hit.clause], hits)
        return None

    def _quote(self, query: Query, hits: list[Hit]) -> Answer:
        statements = [Statement(h.clause.text.replace("\n", " "), h.clause.ref) for h in hits]
        return self._answer(query, statements, [h.clause for h in hits], hits)

    def _answer(self, query: Query, statements: list[Statement], clauses: list[Clause], hits: list[Hit]) -> Answer:
        scores = {h.clause.ref: h.score for h in hits}
        citations = []
        for clause in dict.fromkeys(clauses):
            citations.append(Citation(clause.doc_id, clause.ref, clause.title, clause.text, scores.get(clause.ref, 0.0)))
        lines = [f"{s.text}【{s.ref}】" for s in statements]
        cited_text = normalize("".join(c.text for c in clauses))
        absent = [q for q in query.quantities if q not in cited_text]
        if absent:
            lines.insert(0, f"注意：规划中没有“{'、'.join(absent)}”的说法，原文是：")
        return Answer(query.text, "\n".join(lines), False, citations, statements, query.notice)

    def refuse(self, query: Query, hits: list[Hit], reason: str) -> Answer:
        nearest = [h.clause for h in hits[:3]]
        text = reason
        if nearest:
            text += "最接近的条款：" + "；".join(f"{c.ref} {c.title_path[-1]}" for c in nearest) + "。"
        citations = [Citation(c.doc_id, c.ref, c.title, c.text, h.score) for c, h in zip(nearest, hits)]
        return Answer(query.text, text, True, citations, [], query.notice)

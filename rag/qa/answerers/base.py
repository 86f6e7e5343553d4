"""What every answerer shares: the interface, what it may consult, and how an answer is put together.

An answerer reads the analysed question and the retrieved clauses and returns an Answer, or None when
the question is not of its kind; the engine tries them in order (rag.qa.answerers.ANSWERERS).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Protocol

from ...corpus.places import Gazetteer
from ...facts.lookup import FactLookup
from ...measures.match import MeasureFinder
from ...schema import Answer, Citation, Clause, Document, Hit, Indicator, Query, Statement
from ...text import normalize
from ..intent import Intent

NEAREST_CLAUSES = 3


@dataclass(frozen=True)
class AnswerContext:
    """What answerers may consult besides the hits: the documents, their facts and the corpus statistics."""

    documents: dict[str, Document]
    facts: FactLookup
    places: Gazetteer
    idf: Callable[[str], float]
    measures: MeasureFinder | None = None  # what concerns an enterprise that describes itself
    similarity: Callable[[str, Sequence[str]], list[float]] | None = None  # closeness in meaning to a question

    def clause(self, doc_id: str, ref: str) -> Clause | None:
        document = self.documents.get(doc_id)
        return document.clause(ref) if document else None

    def row(self, doc_id: str, ref: str) -> Indicator | None:
        document = self.documents.get(doc_id)
        return document.row(ref) if document else None

    def children(self, clause: Clause) -> list[Clause]:
        return self.documents[clause.doc_id].children(clause.ref)


class Answerer(Protocol):
    def __call__(self, query: Query, intent: Intent, hits: list[Hit], context: AnswerContext) -> Answer | None: ...


def line(statement: Statement) -> str:
    return f"{statement.text}【{statement.ref}】"


def build_answer(query: Query, statements: list[Statement], clauses: list[Clause], hits: list[Hit],
                 lead: str = "", check_premise: bool = True) -> Answer:
    """An answer of statements, each followed by its reference; the cited clauses become its citations.
    A number or year the question states that no cited clause says is pointed out first."""
    scores = {h.clause.ref: h.score for h in hits}
    citations = [Citation(c.doc_id, c.ref, c.title, c.text, scores.get(c.ref, 0.0)) for c in dict.fromkeys(clauses)]
    lines = [line(s) for s in statements]
    cited_text = normalize("".join(c.text for c in clauses))
    absent = [q for q in query.quantities if q not in cited_text] if check_premise else []
    if absent:
        lines.insert(0, f"注意：所引规划条款中没有“{'、'.join(absent)}”这一说法，原文是：")
    elif lead:
        lines.insert(0, lead)
    return Answer(query.text, "\n".join(lines), False, tuple(citations), tuple(statements), query.notice)


def with_table_notes(answer: Answer, context: AnswerContext) -> Answer:
    """A cited table row whose values carry the table's note markers (58*, [≥1200]) is read through the note:
    the table's own clause, which holds the note, is cited too."""
    cited = {(c.doc_id, c.ref) for c in answer.citations}
    notes = []
    for citation in answer.citations:
        row = context.row(citation.doc_id, citation.ref)
        clause = context.clause(citation.doc_id, citation.ref) if row else None
        table = context.clause(citation.doc_id, clause.parent) if clause and clause.parent else None
        if table and (row.base_notes or row.target_notes) and (table.doc_id, table.ref) not in cited:
            cited.add((table.doc_id, table.ref))
            notes.append(Citation(table.doc_id, table.ref, table.title, table.text, 0.0))
    return replace(answer, citations=answer.citations + tuple(notes)) if notes and not answer.refused else answer


def refusal(query: Query, hits: list[Hit], reason: str) -> Answer:
    """The plan does not answer: say why and name the nearest clauses."""
    nearest = [h.clause for h in hits[:NEAREST_CLAUSES]]
    text = reason
    if nearest:
        text += "最接近的条款：" + "；".join(f"{c.ref} {c.title_path[-1]}" for c in nearest) + "。"
    citations = tuple(Citation(c.doc_id, c.ref, c.title, c.text, h.score) for c, h in zip(nearest, hits))
    return Answer(query.text, text, True, citations, (), query.notice)


def combine(question: str, parts: list[str], answers: list[Answer], notice: str = "") -> Answer:
    """One answer to a question that asks several things: each part's answer under the part it answers.
    It counts as refused when any part is (what the official asked is not all in the documents), and it
    cites the answered parts' clauses, or when every part is refused the clauses nearest to each."""
    refused = any(a.refused for a in answers)
    answered = any(not a.refused for a in answers)
    lines, citations, statements = [], {}, []
    for part, answer in zip(parts, answers, strict=True):
        lines.append(f"关于“{part}”：")
        new = [s for s in answer.statements if s not in statements]
        if answer.statements and not new:
            lines.append("见上文" + "".join(dict.fromkeys(f"【{s.ref}】" for s in answer.statements)) + "。")
        elif answer.statements:  # the part's lines without those already given for an earlier part
            given = {line(s) for s in answer.statements if s not in new} | set(lines)
            own = [text for text in answer.text.split("\n") if text not in given]
            lines.extend(own or ["见上文" + "".join(dict.fromkeys(f"【{s.ref}】" for s in answer.statements)) + "。"])
        else:
            lines.append(answer.text)
        if not (answered and answer.refused):  # an answered part's evidence, not another part's nearest clauses
            for citation in answer.citations:
                citations.setdefault(citation.ref, citation)
            statements.extend(new)
    return Answer(question, "\n".join(lines), refused, tuple(citations.values()), tuple(statements), notice)

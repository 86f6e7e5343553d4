"""Which document says it, and where. A question that asks which document says a thing (哪个文件规定的, 出自哪, 在哪一
部分) is answered with the statements, led by the place each comes from: the document (文号《title》) and the
titles above the quoted clause (四、保障措施 › （三）强化人才支撑; 附件1 …申报指南 › 四、技术改造). The document's
header (its title and 文号 as written) and the top of that place are cited too: the document's own words name it."""

from __future__ import annotations

from dataclasses import replace

from ..schema import Answer, Citation, Clause, ClauseKind
from .answerers.base import AnswerContext

SOURCE_LEAD = "出自："


def with_sources(answer: Answer, context: AnswerContext) -> Answer:
    if answer.refused or not answer.statements:
        return answer
    clauses = {(c.ref, c.doc_id): context.clause(c.doc_id, c.ref) for c in answer.citations}
    quoted = []  # the clauses of the statements, in their order (a statement's: the first cited with its reference)
    for statement in answer.statements:
        clause = next((c for (ref, _), c in clauses.items() if ref == statement.ref and c), None)
        if clause and clause not in quoted:
            quoted.append(clause)
    if not quoted:
        return answer
    places, extra = [], []
    for clause in quoted:
        meta = context.documents[clause.doc_id].meta
        places.append(f"{meta.doc_number}《{meta.title}》{' › '.join(clause.title_path)}".strip())
        extra += [c for c in (_header(context, clause.doc_id), _top(context, clause)) if c and c != clause]
    cited = {(c.doc_id, c.ref) for c in answer.citations}
    citations = list(answer.citations)
    for clause in extra:
        if (clause.doc_id, clause.ref) not in cited:
            cited.add((clause.doc_id, clause.ref))
            citations.append(Citation(clause.doc_id, clause.ref, clause.title, clause.text, 0.0))
    lead = SOURCE_LEAD + "；".join(dict.fromkeys(places)) + "。"
    return replace(answer, text=f"{lead}\n{answer.text}", citations=tuple(citations))


def _header(context: AnswerContext, doc_id: str) -> Clause | None:
    """The document's header: the clause that holds its title and 文号 as the document writes them."""
    return next((c for c in context.documents[doc_id].clauses if c.kind == ClauseKind.NOTICE), None)


def _top(context: AnswerContext, clause: Clause) -> Clause | None:
    """The outermost clause above this one (四、保障措施, 第二章, an attachment by its title)."""
    top = clause
    while top.parent and (parent := context.clause(top.doc_id, top.parent)):
        top = parent
    return top

"""Which documents of the library a user means: by a selector (--doc: id, 文号, title or file name), by filters
(--issuer, --since), or by how a question names them (its 文号, its title, its kind with words of its title)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..schema import Clause, Document, Hit

# The kind a title ends with, longest first: how people name a document without its full title.
KINDS = ("管理办法", "实施办法", "实施细则", "实施方案", "行动方案", "工作方案", "指导意见", "实施意见", "规划纲要",
         "规划", "纲要", "条例", "规定", "通知", "办法", "方案", "意见", "细则", "计划", "决定", "指南")
NO_DOCUMENT = "文档库中没有符合筛选条件的文件（--doc / --issuer / --since）。"
_ATTACHMENT = re.compile(r"附件\s*(\d{1,2})")
_AMBIGUOUS = {"办法", "方案", "意见", "计划", "决定", "规定"}  # everyday words too: named only as 《办法》 or with a qualifier


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


@dataclass(frozen=True)
class DocumentFilter:
    docs: tuple[str, ...] = ()  # selectors: doc id, 文号, title (or part of it), file name
    issuer: str = ""
    since: str = ""  # YYYY or YYYY-MM-DD: issued on or after

    def __bool__(self) -> bool:
        return bool(self.docs or self.issuer or self.since)


def matches(document: Document, selector: str) -> bool:
    meta = document.meta
    wanted = _squash(selector)
    return bool(wanted) and (wanted in (meta.doc_id, _squash(meta.doc_number), meta.source)
                             or wanted in _squash(meta.title))


def select(documents: list[Document], selector: str) -> list[Document]:
    exact = [d for d in documents if _squash(selector) in (d.doc_id, _squash(d.meta.doc_number), d.meta.source)]
    return exact or [d for d in documents if matches(d, selector)]


def find_clause(documents: list[Document], ref: str, selector: str | None = None) -> Clause | None:
    """A clause by its reference, in the document the selector names (id, 文号 or title), else the first."""
    for document in select(documents, selector) if selector else documents:
        clause = document.clause(ref.strip())
        if clause:
            return clause
    return None


def apply_filter(documents: list[Document], wanted: DocumentFilter) -> list[Document]:
    kept = documents
    if wanted.docs:
        kept = [d for d in kept if any(matches(d, s) for s in wanted.docs)]
    if wanted.issuer:
        kept = [d for d in kept if _squash(wanted.issuer) in _squash(d.meta.issuer)]
    if wanted.since:
        kept = [d for d in kept if d.meta.sort_date and d.meta.sort_date >= wanted.since]
    return kept


def kind_of(title: str) -> str:
    return next((kind for kind in KINDS if title.endswith(kind)), "")


def named_in(documents: list[Document], question: str) -> list[Document]:
    """The documents a question names: by 文号 or full title; else by the kind its title ends with (规划, 管理办法,
    通知), several of one kind told apart by the words of their titles the question shares."""
    text = _squash(question)
    exact = [d for d in documents if (d.meta.doc_number and _squash(d.meta.doc_number) in text)
             or _squash(d.meta.title) in text]
    if exact:
        return exact
    by_kind: dict[str, list[Document]] = {}
    for document in documents:
        kind = kind_of(document.meta.title)
        if kind and _short_names(text, document.meta.title):
            by_kind.setdefault(kind, []).append(document)
    named = []
    for kind, candidates in by_kind.items():
        if len(candidates) == 1:
            named += candidates
            continue
        overlap = {d.doc_id: _shared_bigrams(d.meta.title, text) for d in candidates}
        best = max(overlap.values())
        winners = [d for d in candidates if overlap[d.doc_id] == best]
        if best and len(winners) == 1:
            named += winners
    return named


def without_names(question: str, documents: list[Document]) -> str:
    """The question without the 文号, full titles and the title's words of short names (专项资金办法 → 办法) it
    names the documents by: they chose the documents and say nothing about what is asked (kept when nothing
    else would be left). The kind stays (规划期, 办法第九条, 通知是哪天发的): it may be part of what is asked."""
    rest = question
    for document in documents:
        for name in (document.meta.doc_number, document.meta.title, *_short_names(rest, document.meta.title, False)):
            if name:
                rest = rest.replace(f"《{name}》", "").replace(name, "")
    rest = re.sub(r"^[，,、：:\s]+", "", rest)
    return rest if len(re.findall(r"[\u4e00-\u9fff]", rest)) >= 4 else question


def _short_names(question: str, title: str, bare: bool = True) -> list[str]:
    """Where the question names a document by its kind, the kind with the words of the title just before it
    (市政府办那个专项资金办法 → 专项资金办法); with `bare`, the kind alone too where it reads as a name
    (规划里 → 规划, 本办法 → 办法); without it, only the title's words before the kind (专项资金)."""
    kind = kind_of(title)
    names = []
    for said in dict.fromkeys((kind, kind[-2:])) if kind else ():
        for found in re.finditer(re.escape(said), question):
            start = found.start()
            while shared := next((n for n in range(start, 1, -1) if question[start - n:start] in title), 0):
                start -= shared
            if start < found.start() or bare and _says(_squash(question), said):
                names.append(question[start:found.end() if bare else found.start()])
    return sorted(names, key=len, reverse=True)


def _says(text: str, kind: str) -> bool:
    """Whether the text names a document of this kind; an everyday word (办法) only when it reads as a name:
    《办法》, 本办法, 规划和办法, 办法第九条, 办法里."""
    if kind in _AMBIGUOUS:
        return bool(re.search(rf"《{kind}》|(?:^|[本该和与及、]){kind}|{kind}(?:第|里|中|规定|说|对)", text))
    return kind in text or (kind[-2:] != kind and kind[-2:] in _AMBIGUOUS and _says(text, kind[-2:]))


def _shared_bigrams(title: str, text: str) -> int:
    grams = {title[i:i + 2] for i in range(len(title) - 1) if re.fullmatch(r"[\u4e00-\u9fff]{2}", title[i:i + 2])}
    return sum(gram in text for gram in grams)


def attachments_named(question: str) -> set[str]:
    return {f"附件{n}" for n in _ATTACHMENT.findall(question)}


def in_named_attachments(question: str, hits: list[Hit]) -> list[Hit]:
    """A question that names an attachment (附件2里…) is answered from it: the clauses found inside the
    attachments it names, when any were found; else all."""
    named = attachments_named(question)
    inside = [h for h in hits if h.clause.ref.split("·")[0] in named] if named else []
    return inside or hits

"""The assistant: loads the corpus, model and index once, then answers questions."""

from __future__ import annotations

import logging
import re
import time

from ..config import Settings
from ..corpus.load import load_corpus
from ..corpus.select import DocumentFilter, apply_filter, named_in, select, without_names
from ..embedding import load_embedder
from ..index.store import Index, open_index
from ..index.tokenize import Tokenizer
from ..schema import Answer, Clause, Document, Hit, Query, Route
from .answerers.extractive import AnswerComposer, combine
from .query import analyze, clean_question, split_question
from .retrievers import Retriever

log = logging.getLogger(__name__)

EMPTY_QUESTION = "请输入问题，例如：“到2030年新材料产业营收目标是多少？”"
NOT_CHINESE = "请用中文提问：本助手依据规划的中文原文作答。"
NO_DOCUMENT = "文档库中没有符合筛选条件的文件（--doc / --issuer / --since）。"
PER_DOCUMENT = 2  # with several documents, each one's best clauses join the candidates
_CJK = re.compile(r"[\u4e00-\u9fff]")


class Assistant:
    def __init__(self, settings: Settings | None = None):
        self.settings = settings or Settings.from_env()
        started = time.perf_counter()
        self.documents: list[Document] = load_corpus(self.settings.corpus_dir, self.settings.include_unstructured)
        self.tokenizer = Tokenizer(self.documents)
        self.embedder = load_embedder(self.settings)
        self.index: Index = open_index(self.settings, self.embedder, self.tokenizer, self.documents)
        self.retriever = Retriever(self.index, self.documents, self.embedder)
        self.composer = AnswerComposer(self.retriever.idf, self._children, self.retriever.documents)
        log.info("assistant ready in %.1fs", time.perf_counter() - started)

    def _children(self, clause: Clause) -> list[Clause]:
        return self.retriever.documents[clause.doc_id].children(clause.ref)

    def ask(self, question: str, documents: DocumentFilter | None = None) -> Answer:
        """Answer from the documents the filter keeps; of those, from the ones the question names, if any."""
        text, notice = clean_question(question, self.settings.max_question_chars)
        if not text:
            return Answer(question or "", EMPTY_QUESTION, True, [], notice=notice)
        pool = apply_filter(self.documents, documents) if documents else self.documents
        if not pool:
            return Answer(text, NO_DOCUMENT, True, [], notice=notice)
        docs = self.scope(text, pool)
        if docs is not None:
            text = without_names(text, [d for d in pool if d.doc_id in docs])
        if not _CJK.search(text):
            return self.composer.refuse(*self.retrieve(text, notice, docs), NOT_CHINESE)
        parts = split_question(text, self.tokenizer)
        if len(parts) == 1:
            answer = self.composer.compose(*self.retrieve(text, notice, docs))
        else:
            answers = [self.composer.compose(*self.retrieve(part, docs=docs)) for part in parts]
            answer = combine(text, parts, answers, notice)
        if notice:
            answer.text = f"{notice}\n{answer.text}"
        if len(self.documents) > 1 and answer.statements:
            answer.text += "\n" + self.sources(answer)
        return answer

    def sources(self, answer: Answer) -> str:
        """Which documents the statements come from: 文号, title, issuer and date of each."""
        cited = dict.fromkeys(c.doc_id for c in answer.citations if any(s.doc for s in answer.statements))
        metas = [self.retriever.documents[doc_id].meta for doc_id in cited]
        return "出处：" + "；".join(f"{m.doc_number}《{m.title}》（{m.issuer}，{m.date or m.published}）".lstrip()
                                  for m in metas) + "。"

    def scope(self, text: str, pool: list[Document]) -> frozenset[str] | None:
        """The documents to search: those of the pool the question names, else the whole pool (None: all)."""
        chosen = (named_in(pool, text) if len(self.documents) > 1 else []) or pool
        return None if len(chosen) == len(self.documents) else frozenset(d.doc_id for d in chosen)

    def retrieve(self, text: str, notice: str = "", docs: frozenset[str] | None = None) -> tuple[Query, list[Hit]]:
        """A cleaned question analysed, and the clauses found for it (in `docs` only, when given), best first."""
        query = analyze(text, self.tokenizer, notice)
        hits = self.retriever.retrieve(query, k=max(self.settings.top_k, 8), docs=docs)
        scope = [d.doc_id for d in self.documents if docs is None or d.doc_id in docs]
        if len(scope) > 1 and hits and hits[0].route != Route.REFERENCE:
            # each document's own best clauses too: what another document says of the same thing is not
            # crowded out by the one that says the most
            found = {(h.clause.doc_id, h.clause.ref) for h in hits}
            for doc_id in scope:
                for hit in self.retriever.search(query, PER_DOCUMENT, frozenset({doc_id})):
                    if (hit.clause.doc_id, hit.clause.ref) not in found:
                        hits.append(hit)
                        found.add((hit.clause.doc_id, hit.clause.ref))
        return query, hits

    def show(self, ref: str, selector: str | None = None) -> Clause | None:
        """A clause by its reference, in the document the selector names (id, 文号 or title), else the first."""
        documents = select(self.documents, selector) if selector else self.documents
        for document in documents:
            clause = document.clause(ref.strip())
            if clause:
                return clause
        return None

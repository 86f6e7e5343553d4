"""The assistant: loads the corpus, model and index once, then answers questions."""

from __future__ import annotations

import logging
import re
import time

from ..config import Settings
from ..corpus.load import load_corpus
from ..embedding import load_embedder
from ..index.store import Index, open_index
from ..index.tokenize import Tokenizer
from ..schema import Answer, Clause, Document, Hit, Query
from .answerers.extractive import AnswerComposer, combine
from .query import analyze, clean_question, split_question
from .retrievers import Retriever

log = logging.getLogger(__name__)

EMPTY_QUESTION = "请输入问题，例如：“到2030年新材料产业营收目标是多少？”"
NOT_CHINESE = "请用中文提问：本助手依据规划的中文原文作答。"
_CJK = re.compile(r"[\u4e00-\u9fff]")


class Assistant:
    def __init__(self, settings: Settings | None = None):
        self.settings = settings or Settings.from_env()
        started = time.perf_counter()
        self.documents: list[Document] = load_corpus(self.settings.corpus_dir)
        self.tokenizer = Tokenizer(self.documents)
        self.embedder = load_embedder(self.settings)
        self.index: Index = open_index(self.settings, self.embedder, self.tokenizer, self.documents)
        self.retriever = Retriever(self.index, self.documents, self.embedder)
        self.composer = AnswerComposer(self.retriever.idf, self._children)
        log.info("assistant ready in %.1fs", time.perf_counter() - started)

    def _children(self, clause: Clause) -> list[Clause]:
        return self.retriever.documents[clause.doc_id].children(clause.ref)

    def ask(self, question: str) -> Answer:
        text, notice = clean_question(question, self.settings.max_question_chars)
        if not text:
            return Answer(question or "", EMPTY_QUESTION, True, [], notice=notice)
        if not _CJK.search(text):
            return self.composer.refuse(*self.retrieve(text, notice), NOT_CHINESE)
        parts = split_question(text, self.tokenizer)
        if len(parts) == 1:
            answer = self.composer.compose(*self.retrieve(text, notice))
        else:
            answer = combine(text, parts, [self.composer.compose(*self.retrieve(part)) for part in parts], notice)
        if notice:
            answer.text = f"{notice}\n{answer.text}"
        return answer

    def retrieve(self, text: str, notice: str = "") -> tuple[Query, list[Hit]]:
        """A cleaned question analysed, and the clauses found for it, best first."""
        query = analyze(text, self.tokenizer, notice)
        return query, self.retriever.retrieve(query, k=max(self.settings.top_k, 8))

    def show(self, ref: str, doc_id: str | None = None) -> Clause | None:
        for document in self.documents:
            if doc_id in (None, document.doc_id):
                clause = document.clause(ref.strip())
                if clause:
                    return clause
        return None

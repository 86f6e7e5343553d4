"""The assistant: a question's path as explicit stages, in the spirit of llama-index's RetrieverQueryEngine.

    clean → split into parts → analyse (once per part) → retrieve (reference, dense + BM25, fusion,
    indicator bonus) → answerers in order (reference, scope, calculation, ranking, list, claim, passage)

Corpus, model, index and facts are loaded once.
"""

from __future__ import annotations

import logging
import re
import time
from dataclasses import replace
from functools import lru_cache

from ..config import Settings
from ..corpus.load import load_corpus
from ..embedding import load_embedder
from ..facts import extract_facts
from ..facts.lookup import FactLookup
from ..index.store import Index, open_index
from ..index.tokenize import Tokenizer
from ..schema import Answer, Clause, Document, Hit, Query
from ..text.normalize import EMPTY_QUESTION
from .answerers import ANSWERERS, AnswerContext, combine, refusal
from .intent import read_intent
from .query import analyze, clean_question, split_question
from .retrievers import Retriever

log = logging.getLogger(__name__)

NOT_CHINESE = "请用中文提问：本助手依据规划的中文原文作答。"
TOO_MANY_PARTS = "问题包含的部分较多，只回答了前{}个；其余请分开提问。"
_CJK = re.compile(r"[\u4e00-\u9fff]")
ANALYSIS_CACHE = 512


class Assistant:
    def __init__(self, settings: Settings | None = None):
        self.settings = settings or Settings.from_env()
        started = time.perf_counter()
        self.documents: list[Document] = load_corpus(self.settings.corpus_dir)
        self.tokenizer = Tokenizer(self.documents)
        self.embedder = load_embedder(self.settings)
        self.index: Index = open_index(self.settings, self.embedder, self.tokenizer, self.documents)
        self.retriever = Retriever(self.index, self.documents, self.embedder)
        self.facts = extract_facts(self.documents)
        self.context = AnswerContext({d.doc_id: d for d in self.documents}, FactLookup(self.facts),
                                     self.tokenizer.gazetteer, self.retriever.idf)
        self.analyze = lru_cache(maxsize=ANALYSIS_CACHE)(self._analyze)
        log.info("assistant ready in %.1fs", time.perf_counter() - started)

    def _analyze(self, text: str, notice: str = "") -> Query:
        return analyze(text, self.tokenizer, notice)

    def ask(self, question: object) -> Answer:
        text, notice = clean_question(question, self.settings.max_question_chars)
        if not text:
            return Answer(text, EMPTY_QUESTION, True, (), notice=notice)
        if not _CJK.search(text):
            query, hits = self.retrieve(text, notice)
            return refusal(query, hits, NOT_CHINESE)
        limit = self.settings.max_question_parts
        parts = split_question(text, self.tokenizer, limit + 1, self.analyze)  # one more: were any left out?
        if len(parts) == 1:
            answer = self.answer(parts[0], notice)
        else:
            # CPU time of this thread: a busy machine slows a question down but does not cut it short
            deadline = time.thread_time() + self.settings.question_seconds
            answers = []
            for part in parts[:limit]:
                if answers and time.thread_time() > deadline:
                    break
                answers.append(self.answer(part))
            if len(answers) < len(parts):
                notice = "\n".join(filter(None, (notice, TOO_MANY_PARTS.format(len(answers)))))
            answer = combine(text, parts[: len(answers)], answers, notice)
        return replace(answer, text=f"{notice}\n{answer.text}") if notice else answer

    def answer(self, text: str, notice: str = "") -> Answer:
        """One part of a question through retrieval and the answerers."""
        query, hits = self.retrieve(text, notice)
        intent = read_intent(text)
        for answerer in ANSWERERS:
            answer = answerer(query, intent, hits, self.context)
            if answer is not None:
                return answer
        raise AssertionError("the passage answerer always answers")

    def retrieve(self, text: str, notice: str = "") -> tuple[Query, list[Hit]]:
        """A cleaned question analysed, and the clauses found for it, best first."""
        query = self.analyze(text, notice)
        return query, self.retriever.retrieve(query, k=self.settings.top_k)

    def show(self, ref: str, doc_id: str | None = None) -> Clause | None:
        for document in self.documents:
            if doc_id in (None, document.doc_id):
                clause = document.clause(ref.strip())
                if clause:
                    return clause
        return None

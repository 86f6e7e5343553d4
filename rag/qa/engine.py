"""The assistant: a question's path as explicit stages, in the spirit of llama-index's RetrieverQueryEngine.

    clean → choose documents (filters, a document the question names) → split into parts → analyse (once per
    part) → retrieve (reference, dense + BM25, fusion, indicator bonus; each document's own best clauses too)
    → answerers in order (reference, scope, document facts, missing detail, calculation, ranking, list,
    claim, passage) → which document and where (哪个文件规定的) → values that differ between documents
    → qualify (with several documents, each citation names its document)

Corpus, model, index and facts are loaded once.
"""

from __future__ import annotations

import logging
import re
import time
from dataclasses import replace
from functools import lru_cache

from ..config import Settings
from ..corpus.derived import FOLDER as DERIVED_FOLDER
from ..corpus.derived import DerivedCache
from ..corpus.load import load_corpus
from ..corpus.select import (KINDS, NO_DOCUMENT, DocumentFilter, apply_filter, attachments_named, find_clause,
                             in_named_attachments, named_in, without_names)
from ..embedding import Embedder, load_embedder
from ..facts import PlanFacts, extract_facts
from ..facts.lookup import FactLookup
from ..index.store import BuildReport, Index, open_index, update_index
from ..index.tokenize import Tokenizer
from ..loading import loading
from ..measures.match import MeasureFinder
from ..schema import Answer, Clause, Document, Hit, Query, Route
from ..text.normalize import EMPTY_QUESTION
from .answerers import ANSWERERS, AnswerContext, combine, refusal, with_table_notes
from .differing import with_differences
from .intent import read_intent, without_source_words
from .near import NearWords
from .qualify import qualify
from .query import analyze, clean_question, split_question
from .retrievers import Retriever
from .sources import with_sources

log = logging.getLogger(__name__)

NOT_CHINESE = "请用中文提问：本助手依据规划的中文原文作答。"
TOO_MANY_PARTS = "问题包含的部分较多，只回答了前{}个；其余请分开提问。"
PER_DOCUMENT = 2  # with several documents, each one's best clauses join the candidates
ATTACHMENT_DEPTH = 4  # an attachment the question names is looked for this many times deeper when not found
_CJK = re.compile(r"[\u4e00-\u9fff]")
ANALYSIS_CACHE = 512
SCOPED_CONTEXTS = 64  # answer contexts kept for the sets of documents questions name


@loading()
def derive(settings: Settings, documents: list[Document], tokenizer: Tokenizer) -> tuple[PlanFacts, MeasureFinder]:
    """What start-up derives from the documents, each document's part read from the cache beside the index
    where it is current (``rag build`` fills it, so start-up does not grow with the corpus)."""
    cache = DerivedCache(settings.data_dir / DERIVED_FOLDER)
    cache.prune(documents)
    measures = MeasureFinder(documents, tokenizer, description_limit=settings.profile_text_max_chars, cache=cache)
    return extract_facts(documents, cache), measures


def refresh(settings: Settings, full: bool = False) -> BuildReport:
    """The index and the derived cache brought in line with the corpus folder as it is now (``rag build``,
    after ``add``/``remove`` or an upload)."""
    documents = load_corpus(settings.corpus_dir, settings.include_unstructured)
    tokenizer = Tokenizer(documents)
    embedder = load_embedder(settings)
    report = update_index(settings, embedder, tokenizer, documents, full=full)
    derive_library(settings, documents, tokenizer, embedder)
    return report


def derive_library(settings: Settings, documents: list[Document], tokenizer: Tokenizer, embedder: Embedder) -> None:
    """What a build derives besides the index, so that start-up reads it: facts, measures, words by meaning."""
    derive(settings, documents, tokenizer)
    NearWords(documents, tokenizer, embedder, DerivedCache(settings.data_dir / DERIVED_FOLDER))


class Assistant:
    @loading()
    def __init__(self, settings: Settings | None = None, embedder: Embedder | None = None):
        self.settings = settings or Settings.from_env()
        started = time.perf_counter()
        self.documents: list[Document] = load_corpus(self.settings.corpus_dir, self.settings.include_unstructured)
        self.tokenizer = Tokenizer(self.documents)
        self.embedder = embedder or load_embedder(self.settings)
        self.index: Index = open_index(self.settings, self.embedder, self.tokenizer, self.documents)
        self.retriever = Retriever(self.index, self.documents, self.embedder)
        self.facts, self.measures = derive(self.settings, self.documents, self.tokenizer)
        self.near = NearWords(self.documents, self.tokenizer, self.embedder,
                              DerivedCache(self.settings.data_dir / DERIVED_FOLDER), lazy=True)
        self.context = AnswerContext(self.retriever.documents, FactLookup(self.facts), self.tokenizer.gazetteer,
                                     self.retriever.idf, self.measures, self.retriever.similarity)
        self.analyze = lru_cache(maxsize=ANALYSIS_CACHE)(self._analyze)
        self.scoped_context = lru_cache(maxsize=SCOPED_CONTEXTS)(self._scoped_context)
        log.info("assistant ready in %.1fs", time.perf_counter() - started)

    def reloaded(self) -> Assistant:
        """An assistant for the library as it is now (after ``add``/``remove`` and ``refresh``), with this one's
        embedding model: seconds, not the model's load. IndexUnavailable when the library cannot be loaded."""
        return Assistant(self.settings, self.embedder)

    def _scoped_context(self, docs: frozenset[str]) -> AnswerContext:
        """What answerers consult for a question about some documents only: their facts, not the others'."""
        facts = PlanFacts(tuple(f for f in self.facts.facts if f.doc_id in docs),
                          tuple(i for i in self.facts.items if i.doc_id in docs))
        return replace(self.context, facts=FactLookup(facts))

    def _analyze(self, text: str, notice: str = "") -> Query:
        return analyze(text, self.tokenizer, notice, self.near.forms)

    def ask(self, question: object, documents: DocumentFilter | None = None) -> Answer:
        """Answer from the documents the filter keeps; of those, from the ones the question names, if any."""
        text, notice = clean_question(question, self.settings.max_question_chars)
        if not text:
            return Answer(text, EMPTY_QUESTION, True, (), notice=notice)
        pool = apply_filter(self.documents, documents) if documents else self.documents
        if not pool:
            return Answer(text, NO_DOCUMENT, True, (), notice=notice)
        if not _CJK.search(text):
            text, docs = self.scoped(text, pool)
            query, hits = self.retrieve(text, notice, docs)
            return refusal(query, hits, NOT_CHINESE)
        limit = self.settings.max_question_parts
        names = (lambda part: self.asks_of_named(part, pool)) if len(self.documents) > 1 else None
        asked = split_question(text, self.tokenizer, limit + 1, self.analyze, names)  # one more: were any left out?
        parts = self.scoped_parts(asked, pool)
        if len(parts) == 1:
            answer = self.answer(parts[0][0], notice, parts[0][1])
        else:
            # CPU time of this thread: a busy machine slows a question down but does not cut it short
            deadline = time.thread_time() + self.settings.question_seconds
            answers = []
            for part, docs in parts[:limit]:
                if answers and time.thread_time() > deadline:
                    break
                answer = self.answer(part, docs=docs)
                own = self.scope(part, pool)
                if answer.refused and docs != own:  # the documents an earlier part named say nothing of it: all may
                    answer = self.answer(part, docs=own)
                answers.append(answer)
            if len(answers) < len(parts):
                notice = "\n".join(filter(None, (notice, TOO_MANY_PARTS.format(len(answers)))))
            answer = combine(text, [part for part, _ in parts[: len(answers)]], answers, notice)
        answer = replace(answer, text=f"{notice}\n{answer.text}") if notice else answer
        return qualify(answer, self.retriever.documents)

    def answer(self, text: str, notice: str = "", docs: frozenset[str] | None = None) -> Answer:
        """One part of a question through retrieval and the answerers."""
        intent = read_intent(text)
        query, hits = self.retrieve(without_source_words(text) if intent.source else text, notice, docs)
        context = self.context if docs is None else self.scoped_context(docs)
        for answerer in ANSWERERS:
            answer = answerer(query, intent, hits, context)
            if answer is not None:
                answer = with_table_notes(answer, context)
                answer = with_sources(answer, context) if intent.source else answer
                computed = intent.operation or intent.order or intent.comparison
                return answer if computed else with_differences(query, answer, hits, context)
        raise AssertionError("the passage answerer always answers")

    def asks_of_named(self, part: str, pool: list[Document]) -> bool:
        """Whether a part is asked of the documents it names on its own: it asks something of its own of them
        (办法对公示期怎么规定), or it names one document to hold the rest against (跟规划里写的一致吗). One that
        names several to compare (规划和办法写的相同吗) says where to look for all the question asks."""
        named = named_in(pool, part)
        own = self.analyze(without_names(part, named)).key_concepts if named else ()
        return len(named) == 1 or any(c.known and c.word not in KINDS for c in own)

    def scoped_parts(self, parts: list[str], pool: list[Document]) -> list[tuple[str, frozenset[str] | None]]:
        """Each part with the documents it names; one that names none, with those of the part before it that
        did (the topic carries on: “办法第九条…？土建费算不算？”), else all (“…哪天拨付？办法对时限怎么规定？”).
        A part refused in the documents carried over to it is asked of all (Assistant.ask): it may have moved on."""
        scoped, named = [], None
        for part in parts:
            text, docs = self.scoped(part, pool)
            named = docs if docs is not None else named
            scoped.append((text, named))
        return scoped

    def scoped(self, text: str, pool: list[Document]) -> tuple[str, frozenset[str] | None]:
        """The text without the names of the documents it names, and those documents (see scope)."""
        docs = self.scope(text, pool)
        return (text if docs is None else without_names(text, [d for d in pool if d.doc_id in docs])), docs

    def scope(self, text: str, pool: list[Document]) -> frozenset[str] | None:
        """The documents to search: those of the pool the question names, else the whole pool (None: all)."""
        chosen = (named_in(pool, text) if len(self.documents) > 1 else []) or pool
        return None if len(chosen) == len(self.documents) else frozenset(d.doc_id for d in chosen)

    def retrieve(self, text: str, notice: str = "", docs: frozenset[str] | None = None) -> tuple[Query, list[Hit]]:
        """A cleaned question analysed, and the clauses found for it (in `docs` only, when given), best first."""
        query = self.analyze(text, notice)
        hits = self.retriever.retrieve(query, k=self.settings.top_k, docs=docs)
        scope = [d.doc_id for d in self.documents if docs is None or d.doc_id in docs]
        if len(scope) > 1 and hits and hits[0].route != Route.REFERENCE:
            # each document's own best clauses too: what another document says of the same thing is not
            # crowded out by the one that says the most
            found = {(h.clause.doc_id, h.clause.ref) for h in hits}
            hits += [hit for hit in self.retriever.best_of_each(query, PER_DOCUMENT, scope)
                     if (hit.clause.doc_id, hit.clause.ref) not in found]
        found = in_named_attachments(text, hits)
        if found is hits and attachments_named(text):  # the attachment named is not among them: search deeper
            deeper = self.retriever.retrieve(query, k=self.settings.top_k * ATTACHMENT_DEPTH, docs=docs)
            inside = in_named_attachments(text, deeper)
            found = inside if inside is not deeper else hits
        return query, found

    def show(self, ref: str, selector: str | None = None) -> Clause | None:
        """A clause by its reference, in the document the selector names (id, 文号 or title), else the first."""
        return find_clause(self.documents, ref, selector)

"""Find the clauses a question needs: explicit references first, then hybrid dense + BM25 search
fused by reciprocal rank, with indicator rows matched by name."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence
from functools import lru_cache

import numpy as np

from ..corpus.parse import CN_NUM
from ..embedding import Embedder
from ..index.store import Index
from ..index.store_api import RRF_K, Filter, Scored
from ..schema import Clause, ClauseKind, Document, Hit, Query, Route

CANDIDATES = 40
CACHED_QUERIES = 64
LEXICAL_MARGIN = 1.8  # top BM25 score at least this multiple of the second
REFERENCE_SCORE = 1.0

ClauseKey = tuple[str, str]  # (doc_id, ref)


class Retriever:
    def __init__(self, index: Index, documents: list[Document], embedder: Embedder):
        self.index = index
        self.embedder = embedder
        self.documents = {d.doc_id: d for d in documents}
        self._indicators = index.stats.indicators_by_word()
        # one query embedding and one store search per question and document scope, however often asked
        self._vector = lru_cache(maxsize=CACHED_QUERIES)(self._query_vector)
        self._ranked = lru_cache(maxsize=CACHED_QUERIES)(self._search)
        self._passage_vectors = lru_cache(maxsize=CACHED_QUERIES)(self._embed_passages)

    def idf(self, word: str) -> float:
        """Rarity of a word in the corpus; words the corpus never uses weigh the most."""
        return self.index.stats.idf(word)

    def _chosen(self, docs: frozenset[str] | None) -> list[Document]:
        return [d for d in self.documents.values() if docs is None or d.doc_id in docs]

    def by_reference(self, query: Query, docs: frozenset[str] | None = None) -> list[Hit]:
        hits: dict[ClauseKey, Hit] = {}
        for pattern in query.clause_refs:
            for document in self._chosen(docs):
                for clause in document.clauses:
                    if clause.kind == ClauseKind.CLAUSE and re.fullmatch(
                            rf"(?:附件\d*·)?[{CN_NUM}]*{re.escape(pattern)}", clause.ref):
                        hits.setdefault((clause.doc_id, clause.ref), Hit(clause, REFERENCE_SCORE, Route.REFERENCE))
                        if clause.ref.endswith("条"):  # an article is quoted with its items (项)
                            for item in document.children(clause.ref):
                                hits.setdefault((item.doc_id, item.ref),
                                                Hit(item, REFERENCE_SCORE, Route.REFERENCE))
        for number in query.indicator_numbers:
            chosen = self._chosen(docs)
            if re.search(rf"专栏\s*{number}(?![\d项个号条])", query.text) and any(
                    d.clause(f"专栏{number}") for d in chosen):
                continue  # 专栏1 names a document's table of that name, not anyone's first row
            for document in chosen:
                row = document.indicator(number)
                clause = document.clause(row.ref) if row else None
                if clause:
                    hits.setdefault((clause.doc_id, clause.ref), Hit(clause, REFERENCE_SCORE, Route.REFERENCE))
        return list(hits.values())

    def retrieve(self, query: Query, k: int = 8, docs: frozenset[str] | None = None) -> list[Hit]:
        """Clauses ranked for the query (of the documents `docs` only, when given); explicit references first."""
        direct = self.by_reference(query, docs)
        if direct:
            return direct[:k]
        return self.search(query, k, docs)

    def search(self, query: Query, k: int = 8, docs: frozenset[str] | None = None) -> list[Hit]:
        return self._ranked(query, docs)[:k]

    def best_of_each(self, query: Query, per_document: int, docs: Sequence[str]) -> list[Hit]:
        """Each document's best clauses among the candidates of the search over ``docs`` (no new search, so
        the cost does not grow with the number of documents)."""
        scope = frozenset(docs)
        ranked = self._ranked(query, None if len(scope) == len(self.documents) else scope)
        taken: dict[str, int] = defaultdict(int)
        best: dict[str, list[Hit]] = defaultdict(list)
        for hit in ranked:
            if taken[hit.clause.doc_id] < per_document:
                taken[hit.clause.doc_id] += 1
                best[hit.clause.doc_id].append(hit)
        return [hit for doc_id in docs for hit in best[doc_id]]

    def similarity(self, text: str, passages: Sequence[str]) -> list[float]:
        """How close in meaning each passage is to the question (cosine of the embeddings)."""
        return [float(s) for s in self._passage_vectors(tuple(passages)) @ self._vector(text)]

    def _query_vector(self, text: str) -> np.ndarray:
        return self.embedder.queries([text])[0]

    def _embed_passages(self, passages: tuple[str, ...]) -> np.ndarray:
        return self.embedder.passages(list(passages))

    def _search(self, query: Query, docs: frozenset[str] | None) -> list[Hit]:
        """Every candidate clause of the hybrid search (the store fuses dense and BM25 ranks of nodes; a clause
        counts its best node), with a second vote for a clause that stands out on the words and the indicator
        bonus, best first."""
        store = self.index.store
        only = Filter(doc_ids=docs) if docs is not None else None
        terms = list(query.terms)
        fused: dict[ClauseKey, float] = {}
        clause_of: dict[ClauseKey, Clause] = {}
        for clause, score in self._clauses_of(store.hybrid(self._vector(query.text), terms, CANDIDATES, only)):
            key = (clause.doc_id, clause.ref)
            if key not in fused:  # a clause counts its best node; its later chunks do not vote again
                fused[key], clause_of[key] = score, clause
        lexical = self._clauses_of(store.lexical(terms, 2, only))
        if len(lexical) > 1:
            (top, first), (_, second) = lexical
            if first >= LEXICAL_MARGIN * second:  # one clause stands out on the words: a second vote for it
                key = (top.doc_id, top.ref)
                clause_of.setdefault(key, top)
                fused[key] = fused.get(key, 0.0) + 1.0 / (RRF_K + 1)
        for key, bonus in self._indicator_matches(query, docs).items():
            clause = self.documents[key[0]].clause(key[1]) if key[0] in self.documents else None
            if clause is not None:
                clause_of.setdefault(key, clause)
                fused[key] = fused.get(key, 0.0) + bonus
        hits = [Hit(clause_of[key], score, Route.INDICATOR if clause_of[key].kind == ClauseKind.INDICATOR else Route.HYBRID)
                for key, score in fused.items()]
        hits.sort(key=lambda h: h.score, reverse=True)
        return hits

    def _clauses_of(self, ranking: Scored) -> list[tuple[Clause, float]]:
        """The clause of each ranked node, in rank order; nodes of documents no longer in the corpus drop out."""
        nodes = {node.node_id: node for node in self.index.store.get([node_id for node_id, _ in ranking])}
        found = []
        for node_id, score in ranking:
            node = nodes.get(node_id)
            document = self.documents.get(node.doc_id) if node else None
            clause = document.clause(node.ref) if document else None
            if clause is not None:
                found.append((clause, score))
        return found

    def _indicator_matches(self, query: Query, docs: frozenset[str] | None = None) -> dict[ClauseKey, float]:
        """Indicator rows whose name the question covers; the bonus grows with the covered share.
        Only rows that share a word with the question are looked at."""
        terms = set(query.terms)
        candidates = {row for term in terms for row in self._indicators.get(term, ())
                      if docs is None or row.doc_id in docs}
        bonuses = {}
        shares: dict[tuple[str, ...], float] = {}  # rows of the same name (in each document) share the share
        for row in candidates:
            share = shares.get(row.words)
            if share is None:
                matched = sum(self.idf(w) for w in row.words if w in terms)
                share = shares[row.words] = matched / sum(self.idf(w) for w in row.words)
            if share >= 0.5:
                bonuses[(row.doc_id, row.ref)] = share * 2.0 / (RRF_K + 1)
        return bonuses

"""Find the clauses a question needs: explicit references first, then hybrid dense + BM25 search
fused by reciprocal rank, with indicator rows matched by name."""

from __future__ import annotations

import re
from collections import defaultdict

from ..corpus.parse import CN_NUM
from ..embedding import Embedder
from ..index.store import Index
from ..index.store_api import Filter, Scored
from ..schema import Clause, ClauseKind, Document, Hit, Query, Route

RRF_K = 60
CANDIDATES = 40
LEXICAL_MARGIN = 1.8  # top BM25 score at least this multiple of the second
REFERENCE_SCORE = 1.0

ClauseKey = tuple[str, str]  # (doc_id, ref)


class Retriever:
    def __init__(self, index: Index, documents: list[Document], embedder: Embedder):
        self.index = index
        self.embedder = embedder
        self.documents = {d.doc_id: d for d in documents}
        self._indicators = index.stats.indicators_by_word()

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
                        hits.setdefault((clause.doc_id, clause.ref), Hit(clause, REFERENCE_SCORE, 1.0, 0.0, Route.REFERENCE))
                        if clause.ref.endswith("条"):  # an article is quoted with its items (项)
                            for item in document.children(clause.ref):
                                hits.setdefault((item.doc_id, item.ref),
                                                Hit(item, REFERENCE_SCORE, 1.0, 0.0, Route.REFERENCE))
        for number in query.indicator_numbers:
            for document in self._chosen(docs):
                row = document.indicator(number)
                clause = document.clause(row.ref) if row else None
                if clause:
                    hits.setdefault((clause.doc_id, clause.ref), Hit(clause, REFERENCE_SCORE, 1.0, 0.0, Route.REFERENCE))
        return list(hits.values())

    def retrieve(self, query: Query, k: int = 8, docs: frozenset[str] | None = None) -> list[Hit]:
        """Clauses ranked for the query (of the documents `docs` only, when given); explicit references first."""
        direct = self.by_reference(query, docs)
        if direct:
            return direct[:k]
        return self.search(query, k, docs)

    def search(self, query: Query, k: int = 8, docs: frozenset[str] | None = None) -> list[Hit]:
        store = self.index.store
        only = Filter(doc_ids=docs) if docs is not None else None
        dense = self._clauses_of(store.dense(self.embedder.queries([query.text])[0], CANDIDATES, only))
        lexical = self._clauses_of(store.lexical(list(query.terms), CANDIDATES, only))

        fused: dict[ClauseKey, float] = defaultdict(float)
        best: dict[str, dict[ClauseKey, float]] = {"dense": defaultdict(float), "lexical": defaultdict(float)}
        clause_of: dict[ClauseKey, Clause] = {}
        for name, ranking in (("dense", dense), ("lexical", lexical)):
            seen: set[ClauseKey] = set()
            for rank, (clause, score) in enumerate(ranking):
                key = (clause.doc_id, clause.ref)
                best[name][key] = max(best[name][key], score)
                if key in seen:  # a clause's later chunks do not vote again
                    continue
                seen.add(key)
                clause_of[key] = clause
                fused[key] += 1.0 / (RRF_K + rank + 1)
        if len(lexical) > 1:
            (top, first), (_, second) = lexical[:2]
            if first >= LEXICAL_MARGIN * second:  # one clause stands out on the words: a second vote for it
                fused[(top.doc_id, top.ref)] += 1.0 / (RRF_K + 1)
        for key, bonus in self._indicator_matches(query, docs).items():
            clause = self.documents[key[0]].clause(key[1]) if key[0] in self.documents else None
            if clause is not None:
                clause_of.setdefault(key, clause)
                fused[key] += bonus
        hits = [
            Hit(clause_of[key], score, best["dense"][key], best["lexical"][key],
                Route.INDICATOR if clause_of[key].kind == ClauseKind.INDICATOR else Route.HYBRID)
            for key, score in fused.items() if key in clause_of
        ]
        hits.sort(key=lambda h: h.score, reverse=True)
        return hits[:k]

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
        for row in candidates:
            matched = sum(self.idf(w) for w in row.words if w in terms)
            share = matched / sum(self.idf(w) for w in row.words)
            if share >= 0.5:
                bonuses[(row.doc_id, row.ref)] = share * 2.0 / (RRF_K + 1)
        return bonuses

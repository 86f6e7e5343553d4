"""Find the clauses a question needs: explicit references first, then hybrid dense + BM25 search
fused by reciprocal rank, with indicator rows matched by name."""

from __future__ import annotations

import math
import re
from collections import defaultdict

import numpy as np

from ..corpus.parse import CN_NUM
from ..embedding import Embedder
from ..index.store import SearchIndex, bm25_scores, dense_scores
from ..index.tokenize import Tokenizer
from ..schema import Clause, ClauseKind, Hit, Query, Route

RRF_K = 60
CANDIDATES = 40
LEXICAL_MARGIN = 1.8  # top BM25 score at least this multiple of the second
REFERENCE_SCORE = 1.0


class Retriever:
    def __init__(self, index: SearchIndex, embedder: Embedder, tokenizer: Tokenizer):
        self.index = index
        self.embedder = embedder
        self.tokenizer = tokenizer
        self._clauses = [c for d in index.documents.values() for c in d.clauses]
        self._node_clause = [index.clause(n.metadata["doc_id"], n.metadata["ref"]) for n in index.nodes]
        self._idf = self._document_frequencies()

    def _document_frequencies(self) -> dict[str, float]:
        counts: dict[str, int] = defaultdict(int)
        for clause in self._clauses:
            for word in set(self.tokenizer.words(clause.text)):
                counts[word] += 1
        total = len(self._clauses)
        return {w: math.log(1 + total / c) for w, c in counts.items()}

    def idf(self, word: str) -> float:
        """Rarity of a word in the corpus; words the corpus never uses weigh the most."""
        return self._idf.get(word, math.log(1 + len(self._clauses)))

    def by_reference(self, query: Query, docs: frozenset[str] | None = None) -> list[Hit]:
        hits: dict[tuple[str, str], Hit] = {}
        for pattern in query.clause_refs:
            for clause in self._clauses:
                if (docs is None or clause.doc_id in docs) and clause.kind == ClauseKind.CLAUSE and re.fullmatch(
                        rf"(?:附件\d*·)?[{CN_NUM}]*{re.escape(pattern)}", clause.ref):
                    hits.setdefault(_key(clause), Hit(clause, REFERENCE_SCORE, 1.0, 0.0, Route.REFERENCE))
                    if clause.ref.endswith("条"):  # an article is quoted with its items (项)
                        for item in self.index.documents[clause.doc_id].children(clause.ref):
                            hits.setdefault(_key(item), Hit(item, REFERENCE_SCORE, 1.0, 0.0, Route.REFERENCE))
        for number in query.indicator_numbers:
            for document in self._documents(docs):
                row = document.indicator(number)
                clause = document.clause(row.ref) if row else None
                if clause:
                    hits.setdefault(_key(clause), Hit(clause, REFERENCE_SCORE, 1.0, 0.0, Route.REFERENCE))
        return list(hits.values())

    def _documents(self, docs: frozenset[str] | None):
        return [d for d in self.index.documents.values() if docs is None or d.doc_id in docs]

    def retrieve(self, query: Query, k: int = 8, docs: frozenset[str] | None = None) -> list[Hit]:
        """Clauses ranked for the query (of the documents `docs` only, when given); explicit references first."""
        direct = self.by_reference(query, docs)
        if direct:
            return direct[:k]
        return self.search(query, k, docs)

    def search(self, query: Query, k: int = 8, docs: frozenset[str] | None = None) -> list[Hit]:
        vector = self.embedder.queries([query.text])[0]
        wanted = CANDIDATES if docs is None else len(self.index.nodes)  # a filter searches every node
        dense = [(i, s) for i, s in dense_scores(self.index, vector, wanted)
                 if docs is None or self._node_clause[i].doc_id in docs][:CANDIDATES]
        lexical = bm25_scores(self.index, list(query.terms))
        if docs is not None:
            lexical = np.where([c.doc_id in docs for c in self._node_clause], lexical, 0.0)
        lexical_ranked = [int(i) for i in np.argsort(-lexical)[:CANDIDATES] if lexical[i] > 0]

        fused: dict[tuple[str, str], float] = defaultdict(float)
        best_dense: dict[tuple[str, str], float] = defaultdict(float)
        best_lexical: dict[tuple[str, str], float] = defaultdict(float)
        clause_of: dict[tuple[str, str], Clause] = {}
        for ranking in ([i for i, _ in dense], lexical_ranked):
            seen: set[tuple[str, str]] = set()
            for rank, node_id in enumerate(ranking):
                clause = self._node_clause[node_id]
                if _key(clause) in seen:  # a clause's later chunks do not vote again
                    continue
                seen.add(_key(clause))
                clause_of[_key(clause)] = clause
                fused[_key(clause)] += 1.0 / (RRF_K + rank + 1)
        for node_id, score in dense:
            key = _key(self._node_clause[node_id])
            best_dense[key] = max(best_dense[key], score)
        for node_id in lexical_ranked:
            key = _key(self._node_clause[node_id])
            best_lexical[key] = max(best_lexical[key], float(lexical[node_id]))
        if len(lexical_ranked) > 1:
            first, second = (float(lexical[i]) for i in lexical_ranked[:2])
            if first >= LEXICAL_MARGIN * second:  # one clause stands out on the words: a second vote for it
                fused[_key(self._node_clause[lexical_ranked[0]])] += 1.0 / (RRF_K + 1)
        for clause, bonus in self._indicator_matches(query, docs):
            clause_of.setdefault(_key(clause), clause)
            fused[_key(clause)] += bonus
        hits = [
            Hit(clause_of[key], score, best_dense[key], best_lexical[key],
                Route.INDICATOR if clause_of[key].kind == ClauseKind.INDICATOR else Route.HYBRID)
            for key, score in fused.items()
        ]
        hits.sort(key=lambda h: h.score, reverse=True)
        return hits[:k]

    def _indicator_matches(self, query: Query, docs: frozenset[str] | None = None) -> list[tuple[Clause, float]]:
        """Indicator rows whose name the question covers; the bonus grows with the covered share."""
        terms = set(query.terms)
        bonuses = []
        for document in self._documents(docs):
            for row in document.indicators:
                words = set(self.tokenizer.words(row.name))
                if not words:
                    continue
                matched = sum(self.idf(w) for w in words if w in terms)
                share = matched / sum(self.idf(w) for w in words)
                clause = document.clause(row.ref)
                if share >= 0.5 and clause:
                    bonuses.append((clause, share * 2.0 / (RRF_K + 1)))
        return bonuses


def _key(clause: Clause) -> tuple[str, str]:
    """Clauses of different documents may share a reference (前言, 第一条): a clause is its document's and its ref."""
    return clause.doc_id, clause.ref

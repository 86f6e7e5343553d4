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

    def by_reference(self, query: Query) -> list[Hit]:
        hits: dict[str, Hit] = {}
        for pattern in query.clause_refs:
            for clause in self._clauses:
                if clause.kind == ClauseKind.CLAUSE and re.fullmatch(rf"[{CN_NUM}]*{re.escape(pattern)}", clause.ref):
                    hits.setdefault(clause.ref, Hit(clause, REFERENCE_SCORE, 1.0, 0.0, Route.REFERENCE))
        for number in query.indicator_numbers:
            for document in self.index.documents.values():
                row = document.indicator(number)
                clause = document.clause(row.ref) if row else None
                if clause:
                    hits.setdefault(clause.ref, Hit(clause, REFERENCE_SCORE, 1.0, 0.0, Route.REFERENCE))
        return list(hits.values())

    def retrieve(self, query: Query, k: int = 8) -> list[Hit]:
        """Clauses ranked for the query; explicit references come first."""
        direct = self.by_reference(query)
        if direct:
            return direct[:k]
        return self.search(query, k)

    def search(self, query: Query, k: int = 8) -> list[Hit]:
        vector = self.embedder.queries([query.text])[0]
        dense = dense_scores(self.index, vector, CANDIDATES)
        lexical = bm25_scores(self.index, list(query.terms))
        lexical_ranked = [int(i) for i in np.argsort(-lexical)[:CANDIDATES] if lexical[i] > 0]

        fused: dict[str, float] = defaultdict(float)
        best_dense: dict[str, float] = defaultdict(float)
        best_lexical: dict[str, float] = defaultdict(float)
        clause_of: dict[str, Clause] = {}
        for ranking in ([i for i, _ in dense], lexical_ranked):
            seen: set[str] = set()
            for rank, node_id in enumerate(ranking):
                clause = self._node_clause[node_id]
                if clause.ref in seen:  # a clause's later chunks do not vote again
                    continue
                seen.add(clause.ref)
                clause_of[clause.ref] = clause
                fused[clause.ref] += 1.0 / (RRF_K + rank + 1)
        for node_id, score in dense:
            ref = self._node_clause[node_id].ref
            best_dense[ref] = max(best_dense[ref], score)
        for node_id in lexical_ranked:
            ref = self._node_clause[node_id].ref
            best_lexical[ref] = max(best_lexical[ref], float(lexical[node_id]))
        if len(lexical_ranked) > 1:
            first, second = (float(lexical[i]) for i in lexical_ranked[:2])
            if first >= LEXICAL_MARGIN * second:  # one clause stands out on the words: a second vote for it
                fused[self._node_clause[lexical_ranked[0]].ref] += 1.0 / (RRF_K + 1)
        for ref, bonus in self._indicator_matches(query).items():
            clause_of.setdefault(ref, next(c for c in self._clauses if c.ref == ref))
            fused[ref] += bonus
        hits = [
            Hit(clause_of[ref], score, best_dense[ref], best_lexical[ref],
                Route.INDICATOR if clause_of[ref].kind == ClauseKind.INDICATOR else Route.HYBRID)
            for ref, score in fused.items()
        ]
        hits.sort(key=lambda h: h.score, reverse=True)
        return hits[:k]

    def _indicator_matches(self, query: Query) -> dict[str, float]:
        """Indicator rows whose name the question covers; the bonus grows with the covered share."""
        terms = set(query.terms)
        bonuses = {}
        for document in self.index.documents.values():
            for row in document.indicators:
                words = set(self.tokenizer.words(row.name))
                if not words:
                    continue
                matched = sum(self.idf(w) for w in words if w in terms)
                share = matched / sum(self.idf(w) for w in words)
                if share >= 0.5:
                    bonuses[row.ref] = share * 2.0 / (RRF_K + 1)
        return bonuses

"""Corpus statistics computed at build time, one document at a time, and merged: how many clauses use each
word (for IDF) and the words of every indicator row's name. Loading them costs one file read, so start-up
and per-question work do not grow with re-tokenizing the corpus."""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from ..schema import Document
from .tokenize import Tokenizer


@dataclass(frozen=True)
class IndicatorWords:
    doc_id: str
    ref: str
    words: tuple[str, ...]  # distinct words of the row's name, sorted


@dataclass(frozen=True)
class DocumentStats:
    doc_id: str
    clauses: int
    frequencies: dict[str, int]  # word -> clauses of this document that use it
    indicators: tuple[IndicatorWords, ...]

    @classmethod
    def of(cls, document: Document, tokenizer: Tokenizer) -> "DocumentStats":
        frequencies = Counter(w for clause in document.clauses for w in set(tokenizer.terms(clause.text)))
        rows = tuple(
            IndicatorWords(document.doc_id, row.ref, tuple(sorted(set(tokenizer.terms(row.name)))))
            for row in document.indicators
        )
        return cls(document.doc_id, len(document.clauses), dict(frequencies), rows)

    def to_dict(self) -> dict:
        return {"doc_id": self.doc_id, "clauses": self.clauses, "frequencies": self.frequencies,
                "indicators": [[row.ref, list(row.words)] for row in self.indicators]}

    @classmethod
    def from_dict(cls, data: dict) -> "DocumentStats":
        rows = tuple(IndicatorWords(data["doc_id"], ref, tuple(words)) for ref, words in data["indicators"])
        return cls(data["doc_id"], data["clauses"], data["frequencies"], rows)


@dataclass(frozen=True)
class CorpusStats:
    clauses: int
    frequencies: dict[str, int]
    indicators: tuple[IndicatorWords, ...]

    @classmethod
    def merge(cls, documents: Iterable[DocumentStats]) -> "CorpusStats":
        total, frequencies, rows = 0, Counter(), []
        for stats in documents:
            total += stats.clauses
            frequencies.update(stats.frequencies)
            rows.extend(stats.indicators)
        return cls(total, dict(frequencies), tuple(rows))

    def idf(self, word: str) -> float:
        """Rarity of a word in the corpus; words the corpus never uses weigh the most."""
        return math.log(1 + self.clauses / self.frequencies.get(word, 1))

    def indicators_by_word(self) -> dict[str, list[IndicatorWords]]:
        by_word: dict[str, list[IndicatorWords]] = defaultdict(list)
        for row in self.indicators:
            for word in row.words:
                by_word[word].append(row)
        return dict(by_word)

    def to_dict(self) -> dict:
        return {"clauses": self.clauses, "frequencies": self.frequencies,
                "indicators": [[row.doc_id, row.ref, list(row.words)] for row in self.indicators]}

    @classmethod
    def from_dict(cls, data: dict) -> "CorpusStats":
        rows = tuple(IndicatorWords(doc_id, ref, tuple(words)) for doc_id, ref, words in data["indicators"])
        return cls(data["clauses"], data["frequencies"], rows)

"""The finder's vocabularies: enterprise types and product words (rag/data), the plan's industries as words,
and the text they are searched in."""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Iterable
from functools import lru_cache

from ..corpus.places import longest_matches
from ..corpus.vocab import data_rows
from ..index.tokenize import Tokenizer
from ..text import fold
from .model import EnterpriseType, Goal, Industry, IndustryHit, ProductTerm

log = logging.getLogger(__name__)

# 废有色金属, 废钢铁: the waste of a material is not its industry.
WASTE = "废"


def _split(cell: str) -> tuple[str, ...]:
    return tuple(word.strip() for word in cell.split(",") if word.strip())


@lru_cache(maxsize=1 << 16)  # the vocabulary's words are folded again for every sentence searched
def fold_word(text: str) -> str:
    """rag.text.fold in lower case, so ＡＩ, AI and ai compare equal; Chinese is unchanged."""
    return fold(text).lower()


class SearchText:
    """A text searched for vocabulary words. A word of one or two characters must also lie within one of the
    text's jieba words, so that 化工 is not found in 强化工业 nor 军品 in 领军品牌."""

    def __init__(self, text: str, tokenizer: Tokenizer):
        self.folded = fold_word(text)
        self._tokenizer = tokenizer
        self._words: tuple[str, ...] | None = None

    def has(self, word: str) -> bool:
        word = fold_word(word)
        if not word or word not in self.folded:
            return False
        if len(word) > 2:
            return True
        if self._words is None:
            self._words = self._tokenizer.terms(self.folded)  # remembered: copies of a document share sentences
        return any(word in token for token in self._words)

    def longest_matches(self, words: Iterable[str]) -> list[tuple[int, str]]:
        return longest_matches(self.folded, (w for w in words if self.has(w)))


@lru_cache(maxsize=1)
def load_enterprise_types() -> tuple[EnterpriseType, ...]:
    types = []
    for row in data_rows("enterprise_types.tsv"):
        row += [""] * (6 - len(row))
        types.append(EnterpriseType(row[0], row[1], _split(row[2]), _split(row[3]), _split(row[4]), row[5]))
    return tuple(types)


@lru_cache(maxsize=1)
def load_goals() -> tuple[Goal, ...]:
    return tuple(Goal(row[0], _split(row[1]), _split(row[2])) for row in data_rows("measure_goals.tsv"))


@lru_cache(maxsize=1)
def load_industry_terms() -> tuple[ProductTerm, ...]:
    terms = []
    for row in data_rows("industry_terms.tsv"):
        if len(row[0]) < 2:
            log.warning("industry_terms.tsv: %r skipped, words need two characters", row[0])
            continue
        terms.append(ProductTerm(row[0], row[1], row[2] if len(row) > 2 else ""))
    return tuple(terms)


class IndustryVocabulary:
    """Every word that names an industry: the plan's own names and focus areas, and everyday product words."""

    def __init__(self, industries: list[Industry]):
        self.industries = industries
        self._at = {(industry.doc_id, industry.ref): industry for industry in industries}
        self._terms: dict[str, list[tuple[Industry, str]]] = {}
        self._single: dict[str, list[tuple[Industry, str]]] = {}
        self._added: set[tuple[str, int]] = set()  # (word, id of the industry): each industry once per word
        self._hits: dict[str, tuple[IndustryHit, ...]] = {}
        by_name: dict[str, list[Industry]] = {}
        for industry in industries:
            by_name.setdefault(industry.name, []).append(industry)
            for stem in industry.stems:
                self._add(stem, industry, "")
            for area in industry.focus:
                self._add(area, industry, area)
        for term in load_industry_terms():
            for industry in by_name.get(term.industry, []):
                self._add(term.word, industry, term.focus)
        self._words = sorted(self._terms, key=len, reverse=True)
        self._single_words = sorted(self._single)

    def _add(self, word: str, industry: Industry, focus: str) -> None:
        table = self._terms if len(word) >= 2 else self._single
        word = fold_word(word)
        if (word, id(industry)) not in self._added:
            self._added.add((word, id(industry)))
            table.setdefault(word, []).append((industry, focus))

    def industry_at(self, doc_id: str, ref: str) -> Industry | None:
        """The industry whose item the clause is."""
        return self._at.get((doc_id, ref))

    def hits(self, word: str) -> tuple[IndustryHit, ...]:
        """Every industry a (folded) word of the vocabulary names, in the order of the documents, each once."""
        found = self._hits.get(word)
        if found is None:
            found = self._hits[word] = tuple(IndustryHit(industry, word, focus)
                                             for industry, focus in self._terms.get(word, ()))
        return found

    @property
    def fingerprint(self) -> str:
        """What finding industries in a text depends on: the words and the industries (by name) each names."""
        digest = hashlib.sha256()
        for word in sorted(self._terms):
            named = sorted({(industry.name, focus) for industry, focus in self._terms[word]})
            digest.update(json.dumps([word, named], ensure_ascii=False).encode())
        return digest.hexdigest()[:16]

    def find(self, text: SearchText, single_characters: bool = False) -> list[IndustryHit]:
        """Industries a text names; one-character focus areas (锑, 钨) only where asked (a profile's industry).
        The words are folded already, so only those the text contains are checked further (a build searches
        every sentence of every document for a few hundred words)."""
        hits = [
            hit
            for position, word in text.longest_matches([w for w in self._words if w in text.folded])
            if not text.folded[:position].endswith(WASTE)
            for hit in self.hits(word)
        ]
        if single_characters and not hits:
            hits = [
                IndustryHit(industry, word, focus)
                for word in self._single_words
                if text.has(word)
                for industry, focus in self._single[word]
            ]
        return hits


"""Chinese tokenization: jieba with a user dictionary built from the corpus, plus a curated alias table.

The user dictionary holds what the corpus itself names — headings, quoted terms (“专精特新”), indicator
names' parts — and the places of the gazetteer. Aliases map colloquial forms (芯片, 规上, 新能源车) to the
forms the plan uses; they are general, never written for one question.
"""

from __future__ import annotations

import hashlib
import logging
import re
from datetime import date
from functools import lru_cache

import jieba
import jieba.posseg

from ..corpus.places import Gazetteer, load_counties
from ..corpus.vocab import glosses_in, load_aliases, load_stopwords
from ..schema import Document
from ..text import normalize, quoted_terms

log = logging.getLogger(__name__)
jieba.setLogLevel(logging.WARNING)

_TERM = re.compile(r"[\w\u4e00-\u9fff]+")  # a glossary term that can be one word (not 个转企、小升规…)
_WORD = re.compile(r"[\w\u4e00-\u9fff%]", re.UNICODE)
_SUFFIXES = ("产业", "制造业", "服务业", "地区")
MAX_ELIDED = 2  # characters an abbreviation may leave out (工机械 for 工程机械)
MAX_EXPANSIONS = 2  # more candidate phrases than this: too ambiguous to read the word as any of them
CORPUS_SCANS_CACHED = 1 << 14
MAX_CROSSING = 4  # characters before a form that a word crossing into it may start
CROSSING_DOMINANCE = 5  # how much more common (jieba's word frequencies) a crossing word must be to be what is read
OCCURRENCES_CHECKED = 20
TERMS_CACHED = 1 << 15  # texts whose index terms are remembered (a build meets a template's texts in every document)


class Tokenizer:
    """Segments text into index terms; one instance per corpus."""

    def __init__(self, documents: list[Document]):
        self.aliases = load_aliases()
        self.stopwords = load_stopwords()
        self.gazetteer = Gazetteer()
        self.places = self.gazetteer.places
        self.counties = {name: county for county in load_counties() for name in (county.name, county.short) if name}
        self.topics = self._topics(documents)
        self._jieba = jieba.Tokenizer()
        self._jieba.initialize()
        user_words = sorted(self._user_words(documents))
        for word in user_words:
            self._jieba.add_word(word, freq=20000)
        # what segmentation depends on beyond the code and data files (hashed with them where results are cached)
        self.fingerprint = hashlib.sha256("\n".join([jieba.__version__, *user_words]).encode()).hexdigest()[:16]
        self._pos = jieba.posseg.POSTokenizer(self._jieba)
        # each distinct clause normalised once (copies of a template share most clauses; no character composes
        # across a line break, so this is the whole text normalised)
        normalized = {t: normalize(t) for t in dict.fromkeys(c.text for d in documents for c in d.clauses)}
        text = "\n".join(normalized[c.text] for d in documents for c in d.clauses)
        self.corpus_text = text.lower()
        # the plain meanings of the documents' terms (rag/data/glossary.tsv): words a question may use for them
        used = glosses_in("\n".join(normalized.values()))  # no term spans a line break
        self._glossed = normalize("\n".join(g.meaning for g in used)).lower()
        # scans of the whole corpus text, remembered per form: their cost grows with the corpus
        self._contains = lru_cache(maxsize=CORPUS_SCANS_CACHED)(self.corpus_text.__contains__)
        self._count = lru_cache(maxsize=CORPUS_SCANS_CACHED)(self.corpus_text.count)
        self._written = lru_cache(maxsize=CORPUS_SCANS_CACHED)(self._as_written)
        self._terms = lru_cache(maxsize=TERMS_CACHED)(lambda text: tuple(self.words(text)))
        self._cuts = lru_cache(maxsize=TERMS_CACHED)(lambda text: tuple(self._jieba.lcut(text)))
        # what 今年 means: the year of the newest document (documents speak of their own time), else today's
        self.current_year = max((d.meta.year for d in documents), default=0) or date.today().year

    @staticmethod
    def _topics(documents: list[Document]) -> frozenset[str]:
        """What the clauses are about, as their headings name it: 食品产业 and 食品."""
        topics = set()
        for document in documents:
            for clause in document.clauses:
                if 2 <= len(clause.heading) <= 12:
                    topics.add(clause.heading)
                    for suffix in _SUFFIXES:
                        if clause.heading.endswith(suffix) and len(clause.heading) - len(suffix) >= 2:
                            topics.add(clause.heading[: -len(suffix)])
        return frozenset(topics)

    def _user_words(self, documents: list[Document]) -> set[str]:
        words: set[str] = set()
        for place in self.places:
            words.update((place.name, place.region, *place.aliases))
        words.update(self.counties)
        for key, targets in self.aliases.items():
            words.add(key)
            words.update(t.strip("“”") for t in targets)
        words.update(self.topics)
        for document in documents:
            for clause in document.clauses:
                words.update(quoted_terms(clause.text))
            # one look per document: no term spans a line break, so this finds what each clause uses
            text = "\n".join(clause.text for clause in document.clauses)
            words.update(g.term for g in glosses_in(text) if _TERM.fullmatch(g.term))
        return {w for w in words if len(w) >= 2 and not any(ch.isspace() for ch in w)}

    def words(self, text: str) -> list[str]:
        """Content words of a text in order (search-mode segmentation, stopwords and punctuation dropped)."""
        return [
            w
            for w in self._jieba.cut_for_search(normalize(text).lower())
            if w.strip() and _WORD.search(w) and w not in self.stopwords
        ]

    def terms(self, text: str) -> tuple[str, ...]:
        """``words`` of a text, remembered: an index build tokenizes the same texts again and again (the
        glossary's meanings under every clause using a term, the clauses documents share word for word)."""
        return self._terms(text)

    def cut(self, text: str) -> tuple[str, ...]:
        """The text as written, cut into words (nothing dropped or changed): for finding word boundaries.
        Remembered, as ``terms`` is: documents share clauses word for word."""
        return self._cuts(text)

    def parts_of_speech(self, text: str) -> dict[str, str]:
        return {pair.word.lower(): pair.flag for pair in self._pos.cut(normalize(text))}

    def is_dictionary_word(self, word: str) -> bool:
        """A word jieba's dictionary knows (not a fragment its HMM glued together from an unknown span)."""
        return bool(self._jieba.FREQ.get(word))

    def in_corpus(self, form: str) -> bool:
        """Whether the corpus writes a form: as a word or inside one (能源 of 新能源), not only where a far more
        common word begins before it and ends inside it (保费 of 担保费, read 担保 + 费)."""
        return self._contains(form.lower()) and self._written(form.lower())

    def _as_written(self, form: str) -> bool:
        common = self._jieba.FREQ.get(form) or 0
        start, checked = self.corpus_text.find(form), 0
        while start >= 0 and checked < OCCURRENCES_CHECKED:
            if not any((self._jieba.FREQ.get(self.corpus_text[begin:end]) or 0) > CROSSING_DOMINANCE * common
                       for begin in range(max(0, start - MAX_CROSSING), start)
                       for end in range(start + 1, start + len(form))):
                return True
            start, checked = self.corpus_text.find(form, start + 1), checked + 1
        return checked == OCCURRENCES_CHECKED  # too common to check every occurrence: taken as written

    def in_meanings(self, form: str) -> bool:
        """Whether the plain meaning of one of the documents' terms uses a form."""
        return form.lower() in self._glossed

    def occurrences(self, form: str) -> int:
        """How often the corpus writes a form."""
        return self._count(form.lower())

    def unabbreviated(self, word: str) -> list[str]:
        """Corpus phrases a shortened word may stand for: its characters in order, with at most
        MAX_ELIDED characters left out between them (工机械 → 工程机械); a two-character word, as the first
        characters of two two-character words that make one known word (技改 → 技术改造; not 深海 → 深远海装,
        cut from 深远海装备). Few candidates, or none."""
        if len(word) < 2 or not all("\u4e00" <= ch <= "\u9fff" for ch in word):
            return []
        if len(word) == 2:
            found = {m for m in re.findall(f"{word[0]}[\u4e00-\u9fff]{word[1]}[\u4e00-\u9fff]", self.corpus_text)
                     if self.is_dictionary_word(m)}
            return sorted(found) if len(found) <= MAX_EXPANSIONS else []
        gaps = "".join(f"[\u4e00-\u9fff]{{0,{MAX_ELIDED}}}?{ch}" for ch in word[1:])
        found = {m for m in re.findall(word[0] + gaps, self.corpus_text) if len(m) <= len(word) + MAX_ELIDED}
        found.discard(word)
        return sorted(found) if len(found) <= MAX_EXPANSIONS else []

    def expand(self, words: list[str], text: str) -> list[str]:
        """Add the canonical forms of aliases and the region of each place the text names."""
        extra: list[str] = []
        lowered = normalize(text).lower()
        for alias, targets in self.aliases.items():
            if alias.lower() in lowered:
                for target in targets:
                    extra.extend(self.words(target))
        for place in self.places:
            if any(name in lowered for name in (place.name, *place.aliases)):
                extra.extend(self.words(place.region))
                if place.kind == "city":
                    extra.append(place.name)
        return words + [w for w in extra if w not in words]

    def query_terms(self, text: str) -> list[str]:
        return self.expand(self.words(text), text)

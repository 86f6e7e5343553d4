"""The curated word lists under rag/data: read once, through one helper."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

TOKENIZER_VERSION = "2"


def data_rows(name: str) -> list[list[str]]:
    """Tab-separated rows of a data file; blank lines and # comments skipped."""
    text = resources.files("rag.data").joinpath(name).read_text(encoding="utf-8")
    return [line.split("\t") for line in text.splitlines() if line.strip() and not line.startswith("#")]


def data_fingerprint() -> str:
    """Changes whenever the dictionaries that shape tokens change, so the index is rebuilt."""
    digest = hashlib.sha256(TOKENIZER_VERSION.encode())
    for name in ("aliases.tsv", "stopwords.txt", "gazetteer.tsv", "counties.tsv", "glossary.tsv"):
        digest.update(resources.files("rag.data").joinpath(name).read_bytes())
    return digest.hexdigest()[:16]


def load_aliases() -> dict[str, tuple[str, ...]]:
    return {row[0]: tuple(row[1].split(",")) for row in data_rows("aliases.tsv")}


def load_stopwords() -> frozenset[str]:
    return frozenset(row[0] for row in data_rows("stopwords.txt"))


@dataclass(frozen=True)
class Gloss:
    """A term the documents use (揭榜挂帅, 数字孪生) and what it means in plain words."""

    term: str
    meaning: str

    @property
    def text(self) -> str:
        return f"{self.term}：{self.meaning}"


@lru_cache(maxsize=1)
def load_glossary() -> tuple[Gloss, ...]:
    return tuple(Gloss(row[0].strip(), row[1].strip()) for row in data_rows("glossary.tsv"))


def glosses_in(text: str) -> list[Gloss]:
    """The glossary's entries for the terms a text uses."""
    return [gloss for gloss in load_glossary() if gloss.term in text]


@lru_cache(maxsize=1)
def generic_terms() -> frozenset[str]:
    return frozenset(row[0].strip() for row in data_rows("generic_terms.txt"))


@lru_cache(maxsize=1)
def qualifiers() -> frozenset[str]:
    return frozenset(row[0].strip() for row in data_rows("qualifiers.txt"))


PLACE_SLOT = "{place}"  # in unanswerable.tsv: a sentence must name a place of the gazetteer


@lru_cache(maxsize=1)
def unanswerable_kinds() -> tuple[tuple[re.Pattern, str, str], ...]:
    return tuple((re.compile(row[0]), row[1], row[2]) for row in data_rows("unanswerable.tsv"))

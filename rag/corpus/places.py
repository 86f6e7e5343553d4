"""One place lookup: Hunan's regions, 市州 and counties (rag/data/gazetteer.tsv, counties.tsv), found in
text by longest match."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property, lru_cache

from .vocab import data_rows

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Place:
    name: str
    kind: str  # city | region
    region: str
    aliases: tuple[str, ...]

    @property
    def forms(self) -> tuple[str, ...]:
        return (self.name, *self.aliases)


@dataclass(frozen=True)
class County:
    name: str  # 凤凰县
    city: str  # 湘西州, as the gazetteer names it
    kind: str  # 区 | 县 | 县级市 | 自治县

    @property
    def short(self) -> str:
        """凤凰县 → 凤凰, 城步苗族自治县 → 城步; empty where that leaves one character (南县, 道县)."""
        autonomous = re.match(r"^(.{2,}?)(?:[\u4e00-\u9fff]{1,2}族)*自治县$", self.name)
        short = autonomous.group(1) if autonomous else re.sub(r"[县市区]$", "", self.name)
        return short if len(short) >= 2 and short != self.name else ""


@lru_cache(maxsize=1)
def load_gazetteer() -> tuple[Place, ...]:
    places = []
    for row in data_rows("gazetteer.tsv"):
        name, kind, region = row[0], row[1], row[2]
        aliases = tuple(a for a in (row[3].split(",") if len(row) > 3 else []) if a)
        places.append(Place(name, kind, region, aliases))
    return tuple(places)


@lru_cache(maxsize=1)
def load_counties() -> tuple[County, ...]:
    return tuple(County(row[0], row[1], row[2]) for row in data_rows("counties.tsv"))


@dataclass(frozen=True)
class Location:
    """Where an enterprise is, or a place a sentence names: a region, a 市州 in it, a county in that."""

    region: str
    city: str = ""
    county: str = ""
    county_kind: str = ""

    @property
    def name(self) -> str:
        return self.county or self.city or self.region

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(n for n in (self.county, self.city, self.region) if n)

    @property
    def in_county(self) -> bool:
        """A county or county-level city (县域), as against a city district (市辖区)."""
        return bool(self.county) and self.county_kind != "区"

    def describe(self) -> str:
        text = " → ".join(self.names)
        return text + ("（县域）" if self.in_county else "")


def longest_matches(text: str, words: Iterable[str]) -> list[tuple[int, str]]:
    """(position, word) of non-overlapping occurrences, longer words winning; words sorted longest first."""
    taken = [False] * len(text)
    found: list[tuple[int, str]] = []
    for word in words:
        start = text.find(word)
        while start >= 0:
            end = start + len(word)
            if not any(taken[start:end]):
                taken[start:end] = [True] * len(word)
                found.append((start, word))
            start = text.find(word, end)
    return sorted(found)


class Gazetteer:
    """Every place name of the gazetteer and the county list, with what it stands for."""

    def __init__(self) -> None:
        self.places = load_gazetteer()
        regions: dict[str, str] = {}
        self._exact: dict[str, Location] = {}
        self._place_of: dict[str, Place] = {}
        for place in self.places:
            location = Location(place.region) if place.kind == "region" else Location(place.region, place.name)
            regions[place.name] = place.region
            for name in place.forms:
                self._exact[name] = location
                self._place_of[name] = place
        self._short: dict[str, Location] = {}
        for county in load_counties():
            if county.city not in regions:
                log.warning("counties.tsv: %s names %s, which gazetteer.tsv lacks", county.name, county.city)
                continue
            location = Location(regions[county.city], county.city, county.name, county.kind)
            self._exact.setdefault(county.name, location)
            if county.short:
                self._short.setdefault(county.short, location)
        self._exact_names = sorted(self._exact, key=len, reverse=True)
        self._short_names = sorted(self._short, key=len, reverse=True)

    @cached_property
    def pattern(self) -> str:
        """A regular expression that matches any region or 市州 name."""
        return "|".join(re.escape(name) for name in sorted(self._place_of, key=len, reverse=True))

    def find_all(self, text: str) -> list[tuple[str, Location]]:
        """Every place a text names, longest names first (大湘西 is not 湘西), in order of appearance."""
        return [(name, self._exact[name]) for _, name in longest_matches(text, self._exact_names)]

    def resolve(self, text: str) -> Location | None:
        """The most precise place a location field names; short county names (凤凰) are accepted here."""
        found = self.find_all(text)
        if not found:
            found = [(name, self._short[name]) for _, name in longest_matches(text, self._short_names)]
        if not found:
            return None
        return max(found, key=lambda item: len(item[1].names))[1]

    def first_place(self, text: str) -> tuple[int, str, Place] | None:
        """The first region or 市州 a text names (longest form at the earliest position): (where, as written, place)."""
        best: tuple[int, str, Place] | None = None
        for place in self.places:
            for form in place.forms:
                at = text.find(form)
                if at != -1 and (best is None or (at, -len(form)) < (best[0], -len(best[1]))):
                    best = (at, form, place)
        return best

    def place_named(self, text: str) -> str | None:
        """The longest name of a region or 市州 that occurs in the text."""
        names = [name for name in self._place_of if name in text]
        return max(names, key=len) if names else None

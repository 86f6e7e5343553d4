"""Support-measure finder: the plan's measures as data, and a checklist for one enterprise's profile.

Extraction is by general rules over the clause tree, never by clause number, so a second policy document
works too:
- each clause body is split into sentences (。；); a sentence with an action verb (支持, 鼓励, 引导, 培育,
  扶持, 加大…力度, 推进, 推动, 实施, 促进 …) is a measure, one that states a 到20XX年 goal is a target;
- target groups come from a vocabulary of enterprise types (rag/data/enterprise_types.tsv), found in the
  sentence and in its clause's own heading;
- industries are the items of the plan's industry chapters (level-2 headings ending in 产业, e.g. 二（一）
  改造提升传统产业), with the focus areas each item enumerates after 聚焦/重点发展/做优…, plus everyday
  product words (rag/data/industry_terms.tsv);
- places come from the gazetteer (市州 and the four regions) and the county table (rag/data/counties.tsv).

A profile (industry, location, type tags, free-text description) is resolved to the same vocabulary and each
measure is matched with the reasons why, in groups: measures aimed at this kind of enterprise, the direction
of its industry, its region's role, the general business environment, and what its description mentions.
Everything is rule-based and needs no embedding model.
"""

from __future__ import annotations

import json
import logging
import math
import re
import sys
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import lru_cache

from ..config import Settings
from ..corpus.parse import ParseError, parse_file
from ..schema import Clause, Document
from ..corpus.vocab import generic_terms
from ..index.tokenize import Tokenizer
from ..corpus.vocab import data_rows, load_aliases, load_stopwords
from ..corpus.places import load_counties, load_gazetteer

log = logging.getLogger(__name__)

NOT_IN_PLAN = (
    "规划未规定：本规划不涉及具体的资金金额和补贴标准、申报条件、申报时间或截止日期、办理程序和所需材料。"
    "这些以主管部门发布的配套政策、申报通知为准，请咨询主管部门。"
)
# What enterprises ask that a plan does not answer: topic → words that ask about it.
_UNANSWERED_TOPICS = {
    "资金金额或补贴标准": (
        "多少钱", "金额", "额度", "补贴", "补助", "奖励", "奖补", "资助", "贴息", "免税", "减税", "税收优惠",
    ),
    "申报时间或截止日期": ("截止", "期限", "时限", "什么时候", "何时", "时间节点", "申报时间", "deadline"),
    "申报条件和办理程序": (
        "申报", "申请", "怎么办理", "如何办理", "流程", "程序", "手续", "申报材料", "所需材料", "条件是",
        "门槛", "资格",
    ),
}

SUPPORT_VERBS = ("支持", "鼓励", "引导", "扶持", "帮助", "保障", "降低")
CULTIVATE_VERBS = ("培育", "做大做强", "壮大")
PROMOTE_VERBS = (
    "推进", "推动", "实施", "促进", "加快", "加强", "强化", "深化", "完善", "建设", "建强", "打造", "开展",
    "落实", "提升", "创建", "争取", "招引", "引进", "清理", "构建", "探索", "拓展", "发展",
)
_EFFORT = re.compile(r"加大[^，。；]{1,24}?力度")
_GOAL = re.compile(r"到20\d\d年")
_SENTENCE_END = re.compile(r"(?<=[。；！？])")
_SEGMENT = re.compile(r"[，。；：！？]")

# Words that mark a clause as being about the business environment every enterprise shares.
ENVIRONMENT_TOPICS = ("营商环境", "要素保障", "产业发展生态", "产业生态")
# A place list with one of these is an example, not a restriction (鼓励各市州…, 支持有条件的市州…).
OPEN_PLACE_MARKERS = ("各市州", "有条件的市州", "全省", "各地", "各县市区")
COUNTY_MARKERS = ("县域",)
INDUSTRY_SUFFIXES = ("产业", "制造业", "服务业")
# Focus areas are the enumeration (A、B、C等) that follows one of these verbs in an industry item.
_FOCUS_VERB = re.compile(
    r"(重点发展|重点布局|重点围绕|重点突破|重点研发|同步布局|延伸发展|深度参与|加快向"
    r"|聚焦|做优|培育|巩固提升|提升|推动|突破|发展)"
)
# An enumeration of demands, guiding principles or ways of working is not a list of focus areas
# (directions such as 高端化、智能化 are dropped item by item).
_NOT_FOCUS = re.compile(r"需求|导向|模式|路径|机制|体系|格局|应用|瓶颈")
_SITE_WORDS = ("选址", "落户", "建厂", "新建工厂", "搬迁", "迁入", "建设基地", "设厂")
MAX_EXCERPT_CHARS = 120
MAX_FIELD_CHARS = 200
MAX_RELATED_INDUSTRY_ITEMS = 8
MAX_ENVIRONMENT_ITEMS = 10
MAX_DESCRIPTION_ITEMS = 5
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\ufeff]")


# -- vocabularies ----------------------------------------------------------------------------------------
def _split(cell: str) -> tuple[str, ...]:
    return tuple(word.strip() for word in cell.split(",") if word.strip())


def _fold(text: str) -> str:
    """NFKC and lower case, so ＡＩ, AI and ai compare equal; Chinese is unchanged."""
    return unicodedata.normalize("NFKC", text).lower()


class SearchText:
    """A text searched for vocabulary words. A word of one or two characters must also lie within one of the
    text's jieba words, so that 化工 is not found in 强化工业 nor 军品 in 领军品牌."""

    def __init__(self, text: str, tokenizer: Tokenizer):
        self.folded = _fold(text)
        self._tokenizer = tokenizer
        self._words: list[str] | None = None

    def has(self, word: str) -> bool:
        word = _fold(word)
        if not word or word not in self.folded:
            return False
        if len(word) > 2:
            return True
        if self._words is None:
            self._words = self._tokenizer.words(self.folded)
        return any(word in token for token in self._words)

    def longest_matches(self, words: Iterable[str]) -> list[tuple[int, str]]:
        return _longest_matches(self.folded, (w for w in words if self.has(w)))


@dataclass(frozen=True)
class EnterpriseType:
    label: str
    kind: str  # type | activity
    plan_words: tuple[str, ...]
    profile_words: tuple[str, ...]
    implies: tuple[str, ...] = ()

    @property
    def is_activity(self) -> bool:
        return self.kind == "activity"


@lru_cache(maxsize=1)
def load_enterprise_types() -> tuple[EnterpriseType, ...]:
    types = []
    for row in data_rows("enterprise_types.tsv"):
        row += [""] * (5 - len(row))
        types.append(EnterpriseType(row[0], row[1], _split(row[2]), _split(row[3]), _split(row[4])))
    return tuple(types)


@dataclass(frozen=True)
class ProductTerm:
    word: str
    industry: str  # the industry as the policy text names it, e.g. 食品产业
    focus: str = ""


@lru_cache(maxsize=1)
def load_industry_terms() -> tuple[ProductTerm, ...]:
    terms = []
    for row in data_rows("industry_terms.tsv"):
        if len(row[0]) < 2:
            log.warning("industry_terms.tsv: %r skipped, words need two characters", row[0])
            continue
        terms.append(ProductTerm(row[0], row[1], row[2] if len(row) > 2 else ""))
    return tuple(terms)


# -- places ------------------------------------------------------------------------------------------------
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


class Gazetteer:
    """Hunan's regions, 市州 and counties, found in text by longest match."""

    def __init__(self) -> None:
        regions: dict[str, str] = {}
        self._exact: dict[str, Location] = {}
        for place in load_gazetteer():
            location = Location(place.region) if place.kind == "region" else Location(place.region, place.name)
            regions[place.name] = place.region
            for name in (place.name, *place.aliases):
                self._exact[name] = location
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

    def find_all(self, text: str) -> list[tuple[str, Location]]:
        """Every place a text names, longest names first (大湘西 is not 湘西), in order of appearance."""
        return [(name, self._exact[name]) for _, name in _longest_matches(text, self._exact_names)]

    def resolve(self, text: str) -> Location | None:
        """The most precise place a location field names; short county names (凤凰) are accepted here."""
        found = self.find_all(text)
        if not found:
            found = [(name, self._short[name]) for _, name in _longest_matches(text, self._short_names)]
        if not found:
            return None
        return max(found, key=lambda item: len(item[1].names))[1]


def _longest_matches(text: str, words: Iterable[str]) -> list[tuple[int, str]]:
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


# -- industries ------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Industry:
    """One industry item of the plan: its clause, the focus areas it enumerates and its goal."""

    doc_id: str
    ref: str
    name: str
    chapter: str  # the heading of the chapter it belongs to, e.g. 改造提升传统产业
    body: str  # the clause without its heading
    focus: tuple[str, ...]
    stems: tuple[str, ...]  # shorter names: 食品产业 → 食品, 轨道交通装备产业 → 轨道交通
    goal: str  # the sentence with 到20XX年, or ""


def find_industries(document: Document) -> list[Industry]:
    """Items of each chapter whose heading ends in 产业 and that has items, e.g. （一）改造提升传统产业."""
    industries = []
    for chapter in document.clauses:
        if chapter.kind != "clause" or chapter.level != 2 or not chapter.heading.endswith(INDUSTRY_SUFFIXES):
            continue
        items = [c for c in document.children(chapter.ref) if c.kind == "clause"]
        if not items:
            continue
        for item in items:
            industries.append(_industry(document.doc_id, item, chapter.heading, _stems(item.heading)))
        if clause_body(chapter):
            # A chapter's own paragraph (同步布局…等潜力赛道) lists further industries under the chapter's name.
            industries.append(_industry(document.doc_id, chapter, chapter.heading, ()))
    return industries


def _industry(doc_id: str, clause: Clause, chapter: str, stems: tuple[str, ...]) -> Industry:
    body = clause_body(clause)
    goal = "".join(s for s in split_sentences(body) if _GOAL.search(s))
    return Industry(doc_id, clause.ref, clause.heading, chapter, body, focus_areas(body), stems, goal)


def _stems(heading: str) -> tuple[str, ...]:
    stems = [heading]
    for suffix in INDUSTRY_SUFFIXES:
        if heading.endswith(suffix) and len(heading) - len(suffix) >= 2:
            stems.append(heading[: -len(suffix)])
    stem = stems[-1]
    if stem.endswith("装备") and len(stem) >= 6:
        stems.append(stem[:-2])
    return tuple(dict.fromkeys(stems))


def focus_areas(body: str) -> tuple[str, ...]:
    """The areas an industry item enumerates: 重点发展石油化工、盐化工、…等细分领域 → 石油化工, 盐化工, …"""
    areas: list[str] = []
    for segment in _SEGMENT.split(body):
        verb = _FOCUS_VERB.search(segment)
        if "、" not in segment or not verb or verb.start() > segment.index("、"):
            continue
        items = segment[verb.end():].split("、")
        last, _, descriptor = items[-1].partition("等")
        if _NOT_FOCUS.search(descriptor or last):
            continue
        items[-1] = last
        for item in items:
            item = re.sub(r"(?:及其应用|细分领域|方向)$", "", item.strip(" “”"))
            if item and not item.endswith("化"):
                areas.append(item)
                areas.extend(p for p in re.split(r"[和及与]", item) if len(p) >= 2 and p != item)
    return tuple(dict.fromkeys(areas))


@dataclass(frozen=True)
class IndustryHit:
    """An industry a text names, with the word that names it and the focus area that word stands for."""

    industry: Industry
    word: str
    focus: str = ""


class IndustryVocabulary:
    """Every word that names an industry: the plan's own names and focus areas, and everyday product words."""

    def __init__(self, industries: list[Industry]):
        self.industries = industries
        self._terms: dict[str, list[tuple[Industry, str]]] = {}
        self._single: dict[str, list[tuple[Industry, str]]] = {}
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
        entries = table.setdefault(_fold(word), [])
        if all(existing is not industry for existing, _ in entries):
            entries.append((industry, focus))

    def find(self, text: SearchText, single_characters: bool = False) -> list[IndustryHit]:
        """Industries a text names; one-character focus areas (锑, 钨) only where asked (a profile's industry)."""
        hits = [
            IndustryHit(industry, word, focus)
            for _, word in text.longest_matches(self._words)
            for industry, focus in self._terms[word]
        ]
        if single_characters and not hits:
            hits = [
                IndustryHit(industry, word, focus)
                for word in self._single_words
                if text.has(word)
                for industry, focus in self._single[word]
            ]
        return hits


# -- measures -----------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Measure:
    """One sentence of the plan that states a measure or a target, and whom and what it concerns."""

    doc_id: str
    ref: str
    heading: str  # the clause's own heading, e.g. 加强链式供需协作
    number: int  # the sentence's position in the clause body, from 1
    text: str
    kind: str  # 措施 | 目标
    actions: tuple[str, ...]
    groups: tuple[tuple[str, str], ...]  # (enterprise-type label, the words that name it, joined by 、)
    reserved_for: tuple[str, ...]  # activity labels the measure is reserved for (sentence or heading)
    industries: tuple[tuple[str, str], ...]  # (industry name, the word that names it)
    own_industry: str  # the industry whose item of the industry chapters this sentence is part of, or ""
    industry_clause: tuple[str, ...]  # industries the clause itself is about (item or heading): required to match
    places: tuple[str, ...]  # names of the places it concerns, the subject of the sentence first
    places_open: bool  # the places are examples (各市州…), not a restriction
    county_level: bool  # it concerns 县域
    environment: bool  # it is part of the business environment every enterprise shares

    @property
    def key(self) -> tuple[str, str, int]:
        return (self.doc_id, self.ref, self.number)

    @property
    def group_labels(self) -> tuple[str, ...]:
        return tuple(label for label, _ in self.groups)

    @property
    def industry_names(self) -> tuple[str, ...]:
        return tuple(name for name, _ in self.industries)

    def to_dict(self) -> dict:
        return {
            "doc_id": self.doc_id,
            "ref": self.ref,
            "heading": self.heading,
            "sentence": self.number,
            "kind": self.kind,
            "text": self.text,
            "actions": list(self.actions),
            "targets": [{"group": label, "word": word} for label, word in self.groups],
            "reserved_for": list(self.reserved_for),
            "industries": [{"industry": name, "word": word} for name, word in self.industries],
            "places": list(self.places),
            "places_open": self.places_open,
            "county_level": self.county_level,
            "environment": self.environment,
        }


def clause_body(clause: Clause) -> str:
    """The clause text without its numbered heading (run-in 1.石化产业。… or a heading line of its own)."""
    text = clause.text
    first, _, rest = text.partition("\n")
    heading_line = clause.title_path[-1] if clause.title_path else ""
    if clause.kind == "clause" and heading_line and first.strip() == heading_line.strip():
        return rest.strip()
    if clause.kind == "clause" and heading_line and text.startswith(heading_line):
        return text[len(heading_line):].lstrip("。 ").strip()
    return text.strip()


def split_sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENTENCE_END.split(text.replace("\n", "")) if s.strip()]


def find_actions(sentence: str) -> tuple[str, ...]:
    """Action verbs in order of appearance; 加大…力度 as one verb."""
    found: list[tuple[int, str]] = [(m.start(), "加大…力度") for m in _EFFORT.finditer(sentence)]
    for verb in (*SUPPORT_VERBS, *CULTIVATE_VERBS, *PROMOTE_VERBS):
        position = sentence.find(verb)
        if position >= 0:
            found.append((position, verb))
    return tuple(dict.fromkeys(verb for _, verb in sorted(found)))


def find_groups(text: SearchText, types: Iterable[EnterpriseType]) -> list[tuple[str, str]]:
    """(label, the words that name it) for each enterprise type a policy text names."""
    groups = []
    for etype in types:
        words = [w for w in etype.plan_words if text.has(w)]
        words = [w for w in words if not any(w != other and w in other for other in words)]
        if words:
            groups.append((etype.label, "、".join(words)))
    return groups


def _sentence_places(sentence: str, gazetteer: Gazetteer) -> tuple[str, ...]:
    """Places a sentence is about. A region named beside one of its cities is the area that city serves
    (打造岳阳…增强对洞庭湖区域的辐射带动能力), so the city alone is the subject."""
    found = [location for _, location in gazetteer.find_all(sentence)]
    cities_regions = {loc.region for loc in found if loc.city}
    names = [loc.name for loc in found if loc.city or loc.region not in cities_regions]
    return tuple(dict.fromkeys(names))


def extract_measures(
    document: Document,
    vocabulary: IndustryVocabulary,
    gazetteer: Gazetteer,
    types: tuple[EnterpriseType, ...],
    tokenizer: Tokenizer,
) -> list[Measure]:
    own_industry = {(i.doc_id, i.ref): i.name for i in vocabulary.industries}
    activities = {t.label for t in types if t.is_activity}
    measures = []
    for clause in document.clauses:
        if clause.kind != "clause":
            continue
        heading = SearchText(clause.heading, tokenizer)
        heading_groups = find_groups(heading, types)
        heading_industries = {hit.industry.name for hit in vocabulary.find(heading)}
        industry = own_industry.get((clause.doc_id, clause.ref))
        environment = any(topic in clause.title for topic in ENVIRONMENT_TOPICS)
        for number, sentence in enumerate(split_sentences(clause_body(clause)), start=1):
            actions = find_actions(sentence)
            kind = "目标" if _GOAL.search(sentence) else "措施" if actions else ""
            if not kind:
                continue
            text = SearchText(sentence, tokenizer)
            groups = dict(find_groups(text, types))
            for label, word in heading_groups:
                groups.setdefault(label, word)
            if industry:
                industries = [(industry, industry)]
                required = (industry,)
            else:
                named: dict[str, str] = {}
                for hit in vocabulary.find(text):
                    named.setdefault(hit.industry.name, hit.word)
                industries = list(named.items())
                required = tuple(sorted(heading_industries))
            places = _sentence_places(sentence, gazetteer)
            measures.append(
                Measure(
                    doc_id=clause.doc_id,
                    ref=clause.ref,
                    heading=clause.heading,
                    number=number,
                    text=sentence,
                    kind=kind,
                    actions=actions,
                    groups=tuple(groups.items()),
                    reserved_for=tuple(label for label in groups if label in activities),
                    industries=tuple(industries),
                    own_industry=industry or "",
                    industry_clause=required,
                    places=places,
                    places_open=any(marker in sentence for marker in OPEN_PLACE_MARKERS),
                    county_level=any(marker in sentence for marker in COUNTY_MARKERS),
                    environment=environment,
                )
            )
    return measures


# -- profiles ------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ProfileInput:
    industry: str = ""
    location: str = ""
    tags: str = ""
    description: str = ""

    def cleaned(self, description_limit: int) -> tuple[ProfileInput, list[str]]:
        """Control characters dropped, over-long fields cut (and the user told)."""
        notices = []
        values = {}
        for name, label, limit in (
            ("industry", "产业", MAX_FIELD_CHARS),
            ("location", "地区", MAX_FIELD_CHARS),
            ("tags", "类型", MAX_FIELD_CHARS),
            ("description", "描述", description_limit),
        ):
            value = re.sub(r"\s+", " ", _CONTROL.sub(" ", getattr(self, name) or "")).strip()
            if len(value) > limit:
                notices.append(f"{label}过长（{len(value)}字），只按前{limit}字匹配。")
                value = value[:limit]
            values[name] = value
        return ProfileInput(**values), notices

    @property
    def empty(self) -> bool:
        return not any((self.industry, self.location, self.tags, self.description))

    def tag_list(self) -> list[str]:
        return [t for t in re.split(r"[,，、;；/\s]+", self.tags) if t]


@dataclass
class Profile:
    given: ProfileInput
    industries: list[IndustryHit]
    location: Location | None
    location_word: str
    groups: dict[str, str]  # label → why the enterprise belongs to it
    unanswered: list[str]  # topics the description asks about that a plan does not settle
    notices: list[str] = field(default_factory=list)

    @property
    def industry_names(self) -> set[str]:
        return {hit.industry.name for hit in self.industries}

    @property
    def wants_site(self) -> bool:
        return any(word in self.given.description for word in _SITE_WORDS)

    def summary(self) -> list[str]:
        lines = []
        if self.industries:
            parts = []
            for hit in self.industries:
                focus = f"；细分方向：{hit.focus}" if hit.focus else ""
                parts.append(f"“{hit.word}” → {hit.industry.name}（{hit.industry.ref}{focus}）")
            lines.append("产业：" + "；".join(parts))
        if self.location:
            chain = self.location.describe()
            if self.location_word != self.location.name:
                chain = f"“{self.location_word}” → {chain}"
            lines.append(f"地区：{chain}")
        if self.groups:
            lines.append("类型：" + "；".join(f"{label}（{why}）" for label, why in self.groups.items()))
        return lines

    def to_dict(self) -> dict:
        return {
            "industries": [
                {"word": h.word, "industry": h.industry.name, "ref": h.industry.ref, "focus": h.focus}
                for h in self.industries
            ],
            "location": None
            if self.location is None
            else {
                "written": self.location_word,
                "county": self.location.county,
                "city": self.location.city,
                "region": self.location.region,
                "county_level": self.location.in_county,
            },
            "groups": [{"group": label, "why": why} for label, why in self.groups.items()],
        }


# -- checklists -----------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ChecklistItem:
    doc_id: str
    ref: str
    heading: str
    text: str
    why: str
    highlights: tuple[str, ...] = ()
    kind: str = "措施"  # 措施 | 目标 | 产业 (an industry item of the plan, shown whole)

    @property
    def label(self) -> str:
        return self.heading + ("（目标）" if self.kind == "目标" else "")

    def to_dict(self) -> dict:
        return {
            "doc_id": self.doc_id,
            "ref": self.ref,
            "title": self.heading,
            "kind": self.kind,
            "text": self.text,
            "why": self.why,
        }


@dataclass
class ChecklistSection:
    title: str
    items: list[ChecklistItem]
    empty_note: str = ""


@dataclass
class Checklist:
    profile: Profile | None
    sections: list[ChecklistSection]
    not_in_plan: str = NOT_IN_PLAN
    notices: list[str] = field(default_factory=list)

    @property
    def items(self) -> list[ChecklistItem]:
        return [item for section in self.sections for item in section.items]

    def to_dict(self) -> dict:
        return {
            "profile": self.profile.to_dict() if self.profile else None,
            "sections": [
                {"title": s.title, "items": [i.to_dict() for i in s.items], "note": s.empty_note}
                for s in self.sections
            ],
            "not_in_plan": self.not_in_plan,
            "notices": self.notices,
        }


SECTION_TITLES = (
    "面向您这类企业的措施",
    "您所在产业的发展方向",
    "您所在地区的定位",
    "普遍适用的营商环境与要素保障措施",
    "与您的描述相关的其他条款",
)
# The type and size tags the app offers; each names a kind in enterprise_types.tsv (a test checks it).
PROFILE_TAGS = (
    "个体户", "小微", "中小企业", "规上", "专精特新", "单项冠军", "龙头", "民营", "国有", "外资", "初创", "出口", "军工",
)
EMPTY_PROFILE = (
    "请至少填写一项：所属产业（如“做辣条的”）、所在地（如“凤凰县”）、企业类型（如“个体户,民营”）或一段企业描述。"
)


class MeasureFinder:
    """The measures of a corpus and the matching of enterprise profiles against them."""

    def __init__(self, documents: list[Document], tokenizer: Tokenizer | None = None, description_limit: int = 500):
        self.documents = documents
        self.types = load_enterprise_types()
        self._types_by_label = {t.label: t for t in self.types}
        self.gazetteer = Gazetteer()
        self.industries = [i for d in documents for i in find_industries(d)]
        self.vocabulary = IndustryVocabulary(self.industries)
        self.tokenizer = tokenizer or Tokenizer(documents)
        self.measures = [
            measure
            for document in documents
            for measure in extract_measures(document, self.vocabulary, self.gazetteer, self.types, self.tokenizer)
        ]
        self._measure_texts = {m.key: SearchText(m.text, self.tokenizer) for m in self.measures}
        self._aliases = load_aliases()
        self._generic = _generic_terms()
        self.description_limit = description_limit
        log.info("%d measures, %d industries", len(self.measures), len(self.industries))

    # -- profile ----------------------------------------------------------------------------------------
    def profile(self, given: ProfileInput) -> Profile:
        given, notices = given.cleaned(self.description_limit)
        industries = self._profile_industries(given)
        location, location_word = self._profile_location(given)
        groups = self._profile_groups(given)
        unanswered = [
            topic for topic, words in _UNANSWERED_TOPICS.items() if any(w in _fold(given.description) for w in words)
        ]
        return Profile(given, industries, location, location_word, groups, unanswered, notices)

    def _profile_industries(self, given: ProfileInput) -> list[IndustryHit]:
        hits = self.vocabulary.find(self._search(given.industry), single_characters=True) if given.industry else []
        if not hits:
            hits = self.vocabulary.find(self._search(given.description))
        chosen: dict[str, IndustryHit] = {}
        for hit in hits:
            current = chosen.get(hit.industry.name)
            if current is None or (hit.focus and not current.focus):
                chosen[hit.industry.name] = hit
        return list(chosen.values())

    def _profile_location(self, given: ProfileInput) -> tuple[Location | None, str]:
        for text, allow_short in ((given.location, True), (given.description, False)):
            if not text:
                continue
            if allow_short:
                location = self.gazetteer.resolve(text)
                if location:
                    return location, _written_place(text, location)
            else:
                found = self.gazetteer.find_all(text)
                if found:
                    word, location = max(found, key=lambda item: len(item[1].names))
                    return location, word
        return None, ""

    def _profile_groups(self, given: ProfileInput) -> dict[str, str]:
        groups: dict[str, str] = {}
        sources = [("您的类型", tag) for tag in given.tag_list()]
        sources += [("产业", given.industry), ("描述", given.description)]
        searched = [(source, text, self._search(text)) for source, text in sources if text]
        for etype in self.types:
            for source, text, search in searched:
                word = next((w for w in etype.profile_words if search.has(w)), None)
                if word:
                    groups[etype.label] = f"{source}“{word}”" if source != "您的类型" else f"您的类型“{text}”"
                    break
        pending = list(groups)
        while pending:
            label = pending.pop()
            for implied in self._types_by_label[label].implies:
                if implied not in groups and implied in self._types_by_label:
                    groups[implied] = f"由“{label}”推定"
                    pending.append(implied)
        return groups

    def _search(self, text: str) -> SearchText:
        return SearchText(text, self.tokenizer)

    # -- matching -----------------------------------------------------------------------------------------
    def match(self, given: ProfileInput) -> Checklist:
        profile = self.profile(given)
        if profile.given.empty:
            return Checklist(None, [], notices=[EMPTY_PROFILE])
        notices = list(profile.notices)
        if profile.given.industry and not profile.industries:
            notices.append(
                f"未能把“{profile.given.industry}”对应到规划中的产业；可换用规划中的产业名称，如"
                + "、".join(i.name for i in self.industries[:4])
                + "。"
            )
        if profile.given.location and not profile.location:
            notices.append(f"未能识别地区“{profile.given.location}”；规划只涉及湖南省的市州，请填写市州或县市区名称。")
        seen: set[tuple[str, str, int]] = set()
        sections = [
            ChecklistSection(SECTION_TITLES[0], self._aimed(profile, seen), "规划中没有专门面向您所填类型的措施。"),
            ChecklistSection(SECTION_TITLES[1], self._industry_items(profile, seen), self._industry_note(profile)),
            ChecklistSection(SECTION_TITLES[2], self._region_items(profile, seen), self._region_note(profile)),
            ChecklistSection(SECTION_TITLES[3], self._environment_items(seen)),
        ]
        if profile.given.description:
            sections.append(
                ChecklistSection(SECTION_TITLES[4], self._description_items(profile, seen), "没有更多与描述相关的条款。")
            )
        not_in_plan = NOT_IN_PLAN
        if profile.unanswered:
            not_in_plan = f"您问到的{'、'.join(profile.unanswered)}，" + NOT_IN_PLAN
        return Checklist(profile, sections, not_in_plan, notices)

    def _place_check(self, measure: Measure, profile: Profile) -> tuple[bool, str]:
        """Whether a measure's places admit the enterprise, and the reason to show."""
        if not measure.places:
            return True, ""
        location = profile.location
        if location is None:
            return True, "" if measure.places_open else f"地区：限{'、'.join(measure.places)}"
        hit = next((place for place in measure.places if place in location.names), None)
        if hit:
            return True, f"地区：{hit}（{_relation(location, hit)}）"
        return measure.places_open, ""

    def _aimed(self, profile: Profile, seen: set) -> list[ChecklistItem]:
        items = []
        for measure in self.measures:
            if measure.reserved_for and not set(measure.reserved_for) & profile.groups.keys():
                continue
            matched = [(label, word) for label, word in measure.groups if label in profile.groups]
            if not matched:
                continue
            if measure.industry_clause and not set(measure.industry_clause) & profile.industry_names:
                continue
            if self._other_industries_only(measure, profile, matched):
                continue
            place_ok, place_why = self._place_check(measure, profile)
            if not place_ok:
                continue
            why = [f"对象：{label}（规划用语“{word}”；{profile.groups[label]}）" for label, word in matched]
            why += self._industry_reasons(measure, profile)
            why += [place_why] if place_why else []
            items.append(self._item(measure, why, [word for _, word in matched]))
            seen.add(measure.key)
        return items

    def _industry_reasons(self, measure: Measure, profile: Profile) -> list[str]:
        return [
            f"产业：{name}（规划用语“{word}”）" for name, word in measure.industries if name in profile.industry_names
        ]

    def _industry_items(self, profile: Profile, seen: set) -> list[ChecklistItem]:
        items = []
        for hit in profile.industries:
            industry = hit.industry
            focus = f"，细分方向“{hit.focus}”" if hit.focus else ""
            goal = "" if industry.goal else "；本条未设到2030年的量化目标"
            why = f"您填写的“{hit.word}”对应规划中的“{industry.name}”（{industry.chapter}{focus}）{goal}"
            highlights = (hit.focus,) if hit.focus else ()
            items.append(
                ChecklistItem(industry.doc_id, industry.ref, industry.name, industry.body, why, highlights, "产业")
            )
            seen.update(m.key for m in self.measures if (m.doc_id, m.ref) == (industry.doc_id, industry.ref))
        related = []
        for measure in self.measures:
            # A line of business named here (承接…产业转移) is what the plan does for the industry, not a condition.
            if measure.key in seen or not set(measure.industry_names) & profile.industry_names:
                continue
            place_ok, place_why = self._place_check(measure, profile)
            if not place_ok and profile.wants_site:
                # Choosing a site: where the plan places the industry matters even outside one's own region.
                place_ok, place_why = True, f"地区：限{'、'.join(measure.places)}（您在考虑选址）"
            if not place_ok:
                continue
            why = self._industry_reasons(measure, profile) + ([place_why] if place_why else [])
            related.append(self._item(measure, why, [w for n, w in measure.industries if n in profile.industry_names]))
            seen.add(measure.key)
        return items + related[:MAX_RELATED_INDUSTRY_ITEMS]

    def _other_industries_only(self, measure: Measure, profile: Profile, matched: list[tuple[str, str]]) -> bool:
        """Only a line of business (承接…产业转移) matched, and the sentence lists the industries it is for, none of
        them the enterprise's: 湘南地区…承接新能源电力装备、有色金属等产业转移 is not for a chemicals firm looking
        for a site. One industry word (建强…计量军民融合信息共享平台) names a means, not the scope."""
        if len(measure.industries) < 2 or not profile.industries or set(measure.industry_names) & profile.industry_names:
            return False
        return all(self._types_by_label[label].is_activity for label, _ in matched)

    @staticmethod
    def _other_industry(measure: Measure, profile: Profile) -> bool:
        """The measure is part of the item on another industry than the enterprise's."""
        return bool(measure.own_industry) and measure.own_industry not in profile.industry_names

    def _industry_note(self, profile: Profile) -> str:
        if not profile.given.industry and not profile.industries:
            return "未填写产业。"
        return "未能对应到规划中的产业，因此没有产业方向可列。"

    def _region_items(self, profile: Profile, seen: set) -> list[ChecklistItem]:
        location = profile.location
        if location is None:
            return []
        items = []
        for measure in self.measures:
            if measure.key in seen or self._other_industry(measure, profile):
                continue
            hit = next((place for place in measure.places if place in location.names), None)
            if hit:
                why = f"地区：{hit}（{_relation(location, hit)}）"
            elif measure.county_level and location.in_county:
                word = next(w for w in COUNTY_MARKERS if w in measure.text)
                why = f"地区：规划用语“{word}”（{location.county}属县域）"
                hit = word
            else:
                continue
            items.append(self._item(measure, [why], [hit]))
            seen.add(measure.key)
        return items

    def _region_note(self, profile: Profile) -> str:
        location = profile.location
        if location is None:
            return "未填写或未识别所在地。"
        if any(set(m.places) & set(location.names) for m in self.measures):
            return f"点名{'、'.join(location.names[-2:])}的条款已列在上面。"
        return f"规划没有点名{'、'.join(location.names)}的条款。"

    def _environment_items(self, seen: set) -> list[ChecklistItem]:
        items = []
        for measure in self.measures:
            if (
                measure.key in seen
                or not measure.environment
                or measure.kind != "措施"
                or measure.groups
                or measure.places
            ):
                continue
            items.append(self._item(measure, ["面向各类企业的营商环境和要素保障措施"], []))
            seen.add(measure.key)
        return items[:MAX_ENVIRONMENT_ITEMS]

    def _description_items(self, profile: Profile, seen: set) -> list[ChecklistItem]:
        """Measures that share the description's specific words (or the plan's words for them), rarest first."""
        description = _fold(profile.given.description)
        terms: dict[str, str] = {}
        for word in self.tokenizer.words(description):
            if len(word) >= 2 and word not in self._generic:
                terms.setdefault(word, word)
        for alias, targets in self._aliases.items():
            if _fold(alias) in description:
                for target in targets:
                    target = target.strip("“”")
                    if len(target) >= 2 and target not in self._generic:
                        terms.setdefault(target, alias)
        if not terms:
            return []
        texts = self._measure_texts
        frequency = {t: sum(texts[m.key].has(t) for m in self.measures) for t in terms}
        limit = max(3, len(self.measures) // 10)
        weights = {t: math.log(len(self.measures) / n) for t, n in frequency.items() if 0 < n <= limit}
        # One word found in more than three sentences (数字, 转型) says too little on its own.
        min_score = math.log(len(self.measures) / 3)
        scored = []
        for position, measure in enumerate(self.measures):
            if measure.key in seen or measure.kind != "措施" or self._other_industry(measure, profile):
                continue
            if measure.reserved_for and not set(measure.reserved_for) & profile.groups.keys():
                continue
            if not self._place_check(measure, profile)[0]:
                continue
            shared = [t for t in weights if texts[measure.key].has(t)]
            shared = [t for t in shared if not any(t != other and t in other for other in shared)]
            score = sum(weights[t] for t in shared)
            if score >= min_score:
                scored.append((-score, position, measure, shared))
        items = []
        for _, _, measure, shared in sorted(scored)[:MAX_DESCRIPTION_ITEMS]:
            words = "、".join(f"“{terms[t]}”" + (f"（规划用语“{t}”）" if terms[t] != t else "") for t in shared)
            items.append(self._item(measure, [f"描述提到{words}"], shared))
            seen.add(measure.key)
        return items

    def _item(self, measure: Measure, why: list[str], highlights: list[str]) -> ChecklistItem:
        highlights = [word for joined in highlights for word in joined.split("、") if word]
        return ChecklistItem(
            measure.doc_id,
            measure.ref,
            measure.heading,
            excerpt(measure.text, highlights),
            "；".join(why),
            tuple(dict.fromkeys(highlights)),
            measure.kind,
        )


def _relation(location: Location, name: str) -> str:
    if name == location.county:
        return "您所在的县市区"
    if name == location.city:
        return "您所在的市州" if not location.county else f"{location.county}所属市州"
    return f"{location.city or location.name}所属区域" if location.city else "您所在的区域"


def _written_place(text: str, location: Location) -> str:
    for name in (location.county, location.city, location.region):
        if name and name in text:
            return name
    return text.strip()


@lru_cache(maxsize=1)
def _generic_terms() -> frozenset[str]:
    return generic_terms() | load_stopwords()


def excerpt(sentence: str, highlights: Iterable[str], limit: int = MAX_EXCERPT_CHARS) -> str:
    """A long sentence cut to the comma-separated parts that hold the matched words."""
    if len(sentence) <= limit:
        return sentence
    parts = re.split(r"(?<=，)", sentence)
    words = [w for w in highlights if w]
    keep = [i for i, part in enumerate(parts) if any(w in part for w in words)] or [0]
    text, last = "", -1
    for i in keep:
        if last >= 0 and i != last + 1:
            text = text.rstrip("，") + "……"
        text += parts[i]
        last = i
    if keep[0] > 0:
        text = "……" + text
    if last < len(parts) - 1:
        text = text.rstrip("，") + "……"
    return text


# -- presentation ----------------------------------------------------------------------------------------------
_CN_ORDINALS = "一二三四五六七八九十"


def cite(ref: str) -> str:
    return f"【{ref}】"


def checklist_as_text(checklist: Checklist) -> str:
    lines: list[str] = []
    lines.extend(checklist.notices)
    if checklist.profile is None:
        return "\n".join(lines)
    lines.append("企业画像")
    lines.extend(f"  {line}" for line in checklist.profile.summary() or ["（只根据描述匹配）"])
    for number, section in enumerate(checklist.sections):
        lines.append("")
        lines.append(f"{_CN_ORDINALS[number]}、{section.title}（{len(section.items)}条）")
        if not section.items and section.empty_note:
            lines.append(f"  {section.empty_note}")
        for index, item in enumerate(section.items, start=1):
            lines.append(f"  {index}. {cite(item.ref)}{item.label}")
            lines.append(f"     {item.text}")
            lines.append(f"     为什么：{item.why}")
    lines.append("")
    lines.append("规划未规定的事项")
    lines.append(f"  {checklist.not_in_plan}")
    return "\n".join(lines)


def checklist_as_markdown(checklist: Checklist, link: Callable[[str, str], str] | None = None) -> str:
    """Markdown for the app. ``link(doc_id, ref)`` renders a citation as Markdown (the app passes
    rag.chat.clause_link, which opens the clause beside the form); by default it is 【ref】."""
    link = link or (lambda doc_id, ref: escape_markdown(cite(ref)))
    lines: list[str] = [f"> {escape_markdown(notice)}" for notice in checklist.notices]
    if checklist.profile is None:
        return "\n\n".join(lines)
    lines.append("#### 企业画像")
    lines.extend(f"- {escape_markdown(line)}" for line in checklist.profile.summary() or ["只根据描述匹配"])
    for number, section in enumerate(checklist.sections):
        lines.append("")
        lines.append(f"#### {_CN_ORDINALS[number]}、{section.title}（{len(section.items)}条）")
        if not section.items and section.empty_note:
            lines.append(f"*{escape_markdown(section.empty_note)}*")
        for item in section.items:
            text = _bold(escape_markdown(item.text), [escape_markdown(h) for h in item.highlights])
            lines.append(f"- {link(item.doc_id, item.ref)} **{escape_markdown(item.label)}**：{text}  ")
            lines.append(f"  *为什么：{escape_markdown(item.why)}*")
    lines.append("")
    lines.append("#### 规划未规定的事项")
    lines.append(escape_markdown(checklist.not_in_plan))
    return "\n".join(lines)


_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]<>|~#$])")


def escape_markdown(text: str) -> str:
    return _MARKDOWN_SPECIAL.sub(r"\\\1", text)


def _bold(text: str, words: Iterable[str]) -> str:
    for word in sorted({w for w in words if w and w in text}, key=len, reverse=True):
        text = text.replace(word, f"**{word}**", 1)
    return text.replace("****", "")


def measures_as_text(finder: MeasureFinder, full: bool) -> str:
    """A review listing: measures per target group, per industry and per place; every measure with --list."""
    kinds = [m.kind for m in finder.measures]
    lines = [f"共{len(kinds)}条（措施{kinds.count('措施')}条，目标{kinds.count('目标')}条）"]
    lines.append("")
    lines.append("按对象：")
    for etype in finder.types:
        refs = _refs(m for m in finder.measures if etype.label in m.group_labels)
        words = dict.fromkeys(
            w for m in finder.measures for label, ws in m.groups if label == etype.label for w in ws.split("、")
        )
        if refs:
            lines.append(f"  {etype.label}（{'、'.join(words)}）：{'、'.join(refs)}")
    lines.append("")
    lines.append("按产业：")
    for industry in finder.industries:
        refs = _refs(m for m in finder.measures if industry.name in m.industry_names)
        focus = "、".join(industry.focus) or "—"
        lines.append(f"  {industry.name}〔{industry.ref}〕重点方向：{focus}；相关条款：{'、'.join(refs)}")
    lines.append("")
    lines.append("按地区：")
    places = dict.fromkeys(p for m in finder.measures for p in m.places)
    for place in places:
        lines.append(f"  {place}：{'、'.join(_refs(m for m in finder.measures if place in m.places))}")
    county = _refs(m for m in finder.measures if m.county_level)
    if county:
        lines.append(f"  县域：{'、'.join(county)}")
    if full:
        lines.append("")
        lines.append("全部条目（条款·句序 类别 [动作] 对象 | 产业 | 地区）：")
        for m in finder.measures:
            targets = "、".join(f"{label}“{word}”" for label, word in m.groups) or "—"
            industries = "、".join(name for name, _ in m.industries) or "—"
            places = "、".join(m.places) + ("（举例）" if m.places and m.places_open else "") if m.places else "—"
            lines.append(f"{m.ref}·{m.number} {m.kind} [{'、'.join(m.actions)}] 对象：{targets} | 产业：{industries} | "
                         f"地区：{places}{'（县域）' if m.county_level else ''}")
            lines.append(f"    {m.text}")
    return "\n".join(lines)


def _refs(measures: Iterable[Measure]) -> list[str]:
    return list(dict.fromkeys(m.ref for m in measures))


# -- command line -----------------------------------------------------------------------------------------------
class CorpusUnavailable(RuntimeError):
    """No document in the corpus folder could be read."""


def load_documents(settings: Settings) -> list[Document]:
    """The corpus parsed, without the search index (whose libraries take seconds to import)."""
    documents = []
    for path in sorted(settings.corpus_dir.glob("*.txt")):
        try:
            documents.append(parse_file(path))
        except ParseError as error:
            log.error("skipping %s: %s", path.name, error)
    if not documents:
        raise CorpusUnavailable(
            f"语料目录 {settings.corpus_dir} 中没有可解析的 .txt 文件（设置 RAG_CORPUS_DIR 指向规划文本所在目录）"
        )
    return documents


def load_finder(settings: Settings) -> MeasureFinder:
    return MeasureFinder(load_documents(settings), description_limit=settings.max_question_chars)


def measures_command(args, settings: Settings) -> int:
    try:
        finder = load_finder(settings)
    except CorpusUnavailable as error:
        print(f"错误：{error}", file=sys.stderr)
        return 2
    if args.json:
        data = {
            "industries": [
                {"ref": i.ref, "name": i.name, "chapter": i.chapter, "focus": list(i.focus), "goal": i.goal}
                for i in finder.industries
            ],
            "measures": [m.to_dict() for m in finder.measures],
        }
        print(json.dumps(data, ensure_ascii=False, indent=1))
    else:
        print(measures_as_text(finder, full=args.list))
    return 0


def match_command(args, settings: Settings) -> int:
    given = ProfileInput(args.industry, args.region, args.tags, args.text)
    if given.cleaned(settings.max_question_chars)[0].empty:
        print(EMPTY_PROFILE, file=sys.stderr)
        return 1
    try:
        finder = load_finder(settings)
    except CorpusUnavailable as error:
        print(f"错误：{error}", file=sys.stderr)
        return 2
    checklist = finder.match(given)
    if checklist.profile is None:
        print("\n".join(checklist.notices), file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps(checklist.to_dict(), ensure_ascii=False, indent=1))
    else:
        print(checklist_as_text(checklist))
    return 0

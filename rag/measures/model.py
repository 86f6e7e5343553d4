"""The finder's data: enterprise types, industries, measures, profiles and checklists, as small dataclasses."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property

from ..corpus.places import Location
from ..text import clean_input

# The short profile fields (industry, place, tags); the description has its own setting (profile_text_max_chars).
MAX_FIELD_CHARS = 200
NOT_IN_PLAN = (
    "规划未规定：本规划不涉及具体的资金金额和补贴标准、申报条件、申报时间或截止日期、办理程序和所需材料。"
    "这些以主管部门发布的配套政策、申报通知为准，请咨询主管部门。"
)
_TAG_SEPARATORS = re.compile(r"[,，、;；/\s]+")
_SITE_WORDS = ("选址", "落户", "建厂", "新建工厂", "搬迁", "迁入", "建设基地", "设厂")


@dataclass(frozen=True)
class EnterpriseType:
    label: str
    kind: str  # type | activity | broad (see enterprise_types.tsv)
    plan_words: tuple[str, ...]
    profile_words: tuple[str, ...]
    implies: tuple[str, ...] = ()
    plain: str = ""  # completes 因为您…, e.g. 是民营企业

    @property
    def is_activity(self) -> bool:
        return self.kind == "activity"

    @property
    def is_broad(self) -> bool:
        return self.kind == "broad"


@dataclass(frozen=True)
class Goal:
    """Something an enterprise wants (上市, 品牌, 融资…) and the plan's own words for the measures that serve it."""

    label: str  # completes 因为您想…, e.g. 打响自己的品牌
    profile_words: tuple[str, ...]
    plan_words: tuple[str, ...]



@dataclass(frozen=True)
class ProductTerm:
    word: str
    industry: str  # the industry as the policy text names it, e.g. 食品产业
    focus: str = ""



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


@dataclass(frozen=True)
class IndustryHit:
    """An industry a text names, with the word that names it and the focus area that word stands for."""

    industry: Industry
    word: str
    focus: str = ""


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
    industries: tuple[IndustryHit, ...]  # every industry word of the sentence
    own_industry: str  # the industry whose item of the industry chapters this sentence is part of, or ""
    industry_clause: tuple[str, ...]  # industries the clause itself is about (item or heading): required to match
    places: tuple[str, ...]  # names of the places it concerns, the subject of the sentence first
    places_open: bool  # the places are examples (各市州…), not a restriction
    county_level: bool  # it concerns 县域
    environment: bool  # it is part of the business environment every enterprise shares
    regional: bool  # it is part of the plan's regional layout, where naming a place assigns it a role

    @property
    def key(self) -> tuple[str, str, int]:
        return (self.doc_id, self.ref, self.number)

    @property
    def group_labels(self) -> tuple[str, ...]:
        return tuple(label for label, _ in self.groups)

    @cached_property  # a sentence may name an industry of every document: asked of every measure per profile
    def industry_names(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(hit.industry.name for hit in self.industries))

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
            "industries": [{"industry": h.industry.name, "word": h.word, "focus": h.focus} for h in self.industries],
            "places": list(self.places),
            "places_open": self.places_open,
            "county_level": self.county_level,
            "environment": self.environment,
            "regional": self.regional,
        }


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
            value = clean_input(getattr(self, name))
            if len(value) > limit:
                notices.append(f"{label}过长（{len(value)}字），只按前{limit}字匹配。")
                value = value[:limit]
            values[name] = value
        return ProfileInput(**values), notices

    @property
    def empty(self) -> bool:
        return not any((self.industry, self.location, self.tags, self.description))

    def tag_list(self) -> list[str]:
        return [t for t in _TAG_SEPARATORS.split(self.tags) if t]


@dataclass
class Profile:
    given: ProfileInput
    industries: list[IndustryHit]
    location: Location | None
    location_word: str
    groups: dict[str, str]  # label → why the enterprise belongs to it
    goals: dict[str, str]  # goal label → the words of the profile that state it
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
        if self.goals:
            lines.append("想做的事：" + "；".join(f"{label}（{why}）" for label, why in self.goals.items()))
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
            "goals": [{"goal": label, "why": why} for label, why in self.goals.items()],
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
class Checklist:
    """The clauses for one profile, most specific first: ``items`` are shown, ``more`` on request."""

    profile: Profile | None
    items: list[ChecklistItem]
    more: list[ChecklistItem] = field(default_factory=list)
    not_in_plan: str = NOT_IN_PLAN
    notices: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {
            "profile": self.profile.to_dict() if self.profile else None,
            "items": [i.to_dict() for i in self.items],
            "more": [i.to_dict() for i in self.more],
            "not_in_plan": self.not_in_plan,
            "notices": self.notices,
        }


# The type and size tags the app offers; each names a kind in enterprise_types.tsv (a test checks it).
PROFILE_TAGS = (
    "个体户", "小微", "中小企业", "规上", "专精特新", "单项冠军", "龙头", "民营", "国有", "外资", "初创", "出口", "军工",
)
EMPTY_PROFILE = (
    "请至少填写一项：所属产业（如“做辣条的”）、所在地（如“凤凰县”）、企业类型（如“个体户,民营”）或一段企业描述。"
)


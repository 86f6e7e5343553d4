"""Matching an enterprise profile against the plan's measures, most specific first.

Every measure the profile admits gets reasons, each of a strength:
- specific: the plan's item on the enterprise's own industry; a regional-layout sentence naming its 市州 or county;
- strong: a sentence naming its industry (or its focus area, where the sentence lists many industries), its
  region's role where that role names its industry or goal, a kind of enterprise it is (民营, 专精特新, 配套…),
  a goal it states (上市, 品牌, 融资…) in the plan's own words;
- weak: a broad class (中小企业, 初创), a kind only inferred, a generic mention, the shared business environment.
A clause is shown by its strongest reason; clauses with a specific or strong reason are listed (at most
``limit``), the rest are "more". A profile whose industry is outside the plan gets no list, only "more".
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import IntEnum
from functools import partial

from ..corpus.derived import DerivedCache
from ..corpus.places import Gazetteer
from ..index.tokenize import Tokenizer
from ..schema import Document
from .extract import COUNTY_MARKERS, extract_measures, find_industries, measure_from_record, measure_record
from .model import EMPTY_PROFILE, NOT_IN_PLAN, Checklist, ChecklistItem, Measure, Profile, ProfileInput
from .profile import ProfileReader, is_implied
from .terms import IndustryVocabulary, load_enterprise_types, load_goals

log = logging.getLogger(__name__)

DEFAULT_LIMIT = 12
MAX_EXCERPT_CHARS = 120
# An industry item that speaks of its clusters (集群) is what a county's 特色产业集群 is made of.
CLUSTER = "集群"
# A sentence listing more industries than this names a sector as scope, not the enterprise's industry.
MAX_SPECIFIC_INDUSTRIES = 2


class Strength(IntEnum):
    WEAK = 1
    STRONG = 2
    SPECIFIC = 3


@dataclass(frozen=True)
class Reason:
    strength: Strength
    text: str
    highlight: str = ""
    place: bool = False  # the reason is only where the enterprise is

    def weakened(self) -> Reason:
        return Reason(Strength.WEAK, self.text, self.highlight, self.place)


@dataclass
class _Clause:
    """The sentences of one clause that matched, with their reasons, while a checklist is assembled."""

    matches: list[tuple[Measure, list[Reason]]] = field(default_factory=list)

    @property
    def reasons(self) -> list[Reason]:
        return [reason for _, reasons in self.matches for reason in reasons]

    @property
    def strength(self) -> Strength:
        return max(r.strength for r in self.reasons)


def _region_phrase(measure: Measure, profile: Profile) -> str:
    """株洲所在的长株潭地区 where the sentence names the region the enterprise lies in, else ""."""
    location = profile.location
    if location is None or location.region not in measure.places:
        return ""
    return f"{location.city}所在的{location.region}" if location.city else location.region


class MeasureFinder:
    """The measures of a corpus and the matching of enterprise profiles against them."""

    def __init__(self, documents: list[Document], tokenizer: Tokenizer | None = None, description_limit: int = 500,
                 cache: DerivedCache | None = None):
        self.documents = documents
        self.types = load_enterprise_types()
        self.gazetteer = Gazetteer()
        self.industries = [i for d in documents for i in find_industries(d)]
        self.vocabulary = IndustryVocabulary(self.industries)
        self.tokenizer = tokenizer or Tokenizer(documents)
        # the cached measures of a document hold for the same industry words and the same segmentation
        cache = cache or DerivedCache(None)
        depends = f"{self.tokenizer.fingerprint}:{self.vocabulary.fingerprint}" if cache.folder else ""
        self.measures = [
            measure
            for document in documents
            for measure in cache.get(
                "measures", document,
                partial(extract_measures, document, self.vocabulary, self.gazetteer, self.types, self.tokenizer),
                lambda measures: [measure_record(m) for m in measures],
                lambda rows: [measure_from_record(row, self.vocabulary) for row in rows], depends)
        ]
        self.reader = ProfileReader(
            self.vocabulary, self.gazetteer, self.tokenizer, self.types, load_goals(), description_limit
        )
        self._order = {(m.doc_id, m.ref): n for n, m in enumerate(self.measures)}
        log.info("%d measures, %d industries", len(self.measures), len(self.industries))

    def profile(self, given: ProfileInput) -> Profile:
        return self.reader.read(given)

    def match(self, given: ProfileInput, limit: int = DEFAULT_LIMIT) -> Checklist:
        """The clauses for a profile: the most specific ``limit`` in ``items``, the rest in ``more``."""
        profile = self.profile(given)
        if profile.given.empty:
            return Checklist(None, [], notices=[EMPTY_PROFILE])
        notices = list(profile.notices)
        outside = bool(profile.given.industry) and not profile.industries and not self.reader.line_of_business(
            profile.groups
        )
        if outside:
            notices.append(
                f"规划讲的是制造业和为制造业服务的产业，没有找到与“{profile.given.industry}”对应的产业，"
                "因此没有专门适用于您的条款；下面“更多”里的条款只是字面相关，请咨询主管部门。"
            )
        if profile.given.location and not profile.location:
            notices.append(f"未能识别地区“{profile.given.location}”；规划只涉及湖南省的市州，请填写市州或县市区名称。")
        ranked = self._industry_items(profile) + self._measure_items(profile)
        shown = [] if outside else [item for strength, item in ranked if strength >= Strength.STRONG][:limit]
        more = [item for _, item in ranked if item not in shown]
        not_in_plan = NOT_IN_PLAN
        if profile.unanswered:
            not_in_plan = f"您问到的{'、'.join(profile.unanswered)}，" + NOT_IN_PLAN
        return Checklist(profile, shown, more, not_in_plan, notices)

    # -- the enterprise's own industry ----------------------------------------------------------------
    def _industry_items(self, profile: Profile) -> list[tuple[Strength, ChecklistItem]]:
        items = []
        for hit in profile.industries:
            industry = hit.industry
            why = f"因为您做“{hit.word}”，属于规划中的{industry.name}：这一条是规划对{industry.name}的专门安排"
            why += f"，其中点名了“{hit.focus}”" if hit.focus else ""
            highlights = (hit.focus,) if hit.focus else ()
            item = ChecklistItem(industry.doc_id, industry.ref, industry.name, industry.body, why, highlights, "产业")
            items.append((Strength.SPECIFIC, item))
        return items

    # -- every other measure --------------------------------------------------------------------------
    def _measure_items(self, profile: Profile) -> list[tuple[Strength, ChecklistItem]]:
        clauses: dict[tuple[str, str], _Clause] = {}
        for measure in self.measures:
            reasons = self._reasons(measure, profile)
            if reasons:
                clauses.setdefault((measure.doc_id, measure.ref), _Clause()).matches.append((measure, reasons))
        ranked = sorted(
            clauses.items(),
            key=lambda entry: (-entry[1].strength, -len({r.text for r in entry[1].reasons}), self._order[entry[0]]),
        )
        return [(clause.strength, self._item(clause)) for _, clause in ranked]

    def _reasons(self, measure: Measure, profile: Profile) -> list[Reason]:
        if measure.own_industry or not self._admits(measure, profile):
            return []
        reasons = self._place_reasons(measure, profile)
        reasons += self._industry_reasons(measure, profile)
        reasons += self._group_reasons(measure, profile)
        reasons += self._goal_reasons(measure, profile)
        if not reasons:
            return []
        if measure.regional and not measure.places:
            # The regional layout's cooperation with other provinces (湘琼…) names no place of the enterprise.
            return [r.weakened() for r in reasons]
        if measure.regional and not any(r.strength == Strength.SPECIFIC for r in reasons):
            # A region's role concerns the enterprise where it names the enterprise's industry or goal.
            if not any(r.strength == Strength.STRONG and not r.place for r in reasons):
                return [r.weakened() for r in reasons]
        if measure.environment and all(r.strength == Strength.WEAK for r in reasons):
            reasons.append(Reason(Strength.WEAK, "这是面向各类企业的营商环境和要素保障措施"))
        return reasons

    def _admits(self, measure: Measure, profile: Profile) -> bool:
        """Whether the measure may concern the enterprise at all: its reservations, industry and places."""
        names_industry = bool(set(measure.industry_names) & profile.industry_names)
        if measure.reserved_for and not set(measure.reserved_for) & profile.groups.keys():
            # In the regional layout a line of business (承接…产业转移) is what a region does for the industries
            # it names, not a condition on the enterprise.
            if not (measure.regional and names_industry):
                return False
        if measure.industry_clause and not set(measure.industry_clause) & profile.industry_names:
            return False
        if not measure.places or measure.places_open or profile.location is None:
            return True
        return bool(set(measure.places) & set(profile.location.names)) or (profile.wants_site and names_industry)

    def _place_reasons(self, measure: Measure, profile: Profile) -> list[Reason]:
        location = profile.location
        if location is None:
            if measure.places and not measure.places_open:
                return [Reason(Strength.WEAK, f"这一条限{'、'.join(measure.places)}，您没有填写所在地")]
            return []
        reasons = []
        hit = next((place for place in measure.places if place in location.names), None)
        where = f"{location.county}（{location.city}）" if location.county else location.city or location.region
        if hit is None and measure.places and not measure.places_open:
            reasons.append(Reason(Strength.WEAK, f"因为您在考虑选址：这一条限{'、'.join(measure.places)}", "", True))
        elif hit and measure.regional and hit != location.region:
            reasons.append(Reason(Strength.SPECIFIC, f"因为您在{where}：这一条是规划对{hit}的安排", hit, True))
        elif hit:
            reasons.append(Reason(Strength.WEAK, f"因为您在{where}：这一条点名了{hit}", hit, True))
        if measure.county_level and location.in_county:
            word = next(w for w in COUNTY_MARKERS if w in measure.text)
            clustered = any(CLUSTER in own.industry.body for own in profile.industries)
            strength = Strength.STRONG if clustered else Strength.WEAK
            reasons.append(Reason(strength, f"因为您在县域（{location.county}）：这一条讲{word}的特色产业集群", word, True))
        return reasons

    def _industry_reasons(self, measure: Measure, profile: Profile) -> list[Reason]:
        """A sentence naming the enterprise's industry. Where it names a focus area, that must be the
        enterprise's own (北斗 is not about aero-engines); where it lists many industries, only the
        enterprise's own word or focus area is specific."""
        reasons = []
        for hit in profile.industries:
            mentions = [m for m in measure.industries if m.industry.name == hit.industry.name]
            if not mentions:
                continue
            own = [m for m in mentions if m.word == hit.word or (m.focus and m.focus == hit.focus)]
            general = [m for m in mentions if not m.focus]
            mention = (own or general or mentions)[0]
            few = len(measure.industry_names) <= MAX_SPECIFIC_INDUSTRIES
            specific = bool(own) or (bool(general) and (few or measure.regional))
            where = _region_phrase(measure, profile) if measure.regional else ""
            if where:
                place = profile.location.city or profile.location.region if profile.location else ""
                text = f"因为您是{place}的{hit.word}企业：这一条把“{mention.word}”列为{where}的重点产业"
            else:
                text = f"因为您做“{hit.word}”：这一条点名了“{mention.word}”"
            reasons.append(Reason(Strength.STRONG if specific else Strength.WEAK, text, mention.word))
        return reasons

    def _group_reasons(self, measure: Measure, profile: Profile) -> list[Reason]:
        reasons = []
        for label, word in measure.groups:
            why = profile.groups.get(label)
            if why is None:
                continue
            etype = self.reader.types_by_label[label]
            # A line of business (承接…产业转移) for industries the sentence lists, none of them the enterprise's.
            others = etype.is_activity and len(measure.industry_names) >= 2 and not (
                set(measure.industry_names) & profile.industry_names
            )
            weak = etype.is_broad or is_implied(why) or others
            plain = etype.plain or f"属于{label}"
            text = f"因为您{plain}：这一条说到“{word.split('、')[0]}”"
            reasons.append(Reason(Strength.WEAK if weak else Strength.STRONG, text, word))
        return reasons

    def _goal_reasons(self, measure: Measure, profile: Profile) -> list[Reason]:
        reasons = []
        for goal in self.reader.goals:
            if goal.label not in profile.goals:
                continue
            word = next((w for w in goal.plan_words if w in measure.text), None)
            if word:
                reasons.append(Reason(Strength.STRONG, f"因为您想{goal.label}：这一条说到“{word}”", word))
        return reasons

    def _item(self, clause: _Clause) -> ChecklistItem:
        strength = clause.strength
        best = [(m, reasons) for m, reasons in clause.matches if max(r.strength for r in reasons) == strength]
        reasons = sorted((r for _, rs in best for r in rs), key=lambda r: -r.strength)
        shown = [r for r in reasons if r.strength == strength or strength == Strength.WEAK]
        why: dict[str, list[str]] = {}
        for reason in shown:
            because, _, said = reason.text.partition("：")
            saids = why.setdefault(because, [])
            if said and said not in saids:
                saids.append(said)
        highlights = list(dict.fromkeys(w for r in shown for w in r.highlight.split("、") if w))
        first = best[0][0]
        text = "……".join(excerpt(m.text, highlights) for m, _ in best)
        kind = "目标" if all(m.kind == "目标" for m, _ in best) else "措施"
        return ChecklistItem(
            first.doc_id,
            first.ref,
            first.heading,
            text,
            "；".join(f"{because}：{_joined(saids)}" if saids else because for because, saids in why.items()),
            tuple(highlights),
            kind,
        )


def _joined(saids: list[str]) -> str:
    """这一条说到“A” and 这一条说到“B” as 这一条说到“A”“B”."""
    head = saids[0].split("“")[0]
    if len(saids) > 1 and all(said.split("“")[0] == head for said in saids):
        return head + "".join(said[len(head):] for said in saids)
    return saids[0]


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

"""Matching an enterprise profile against the plan's measures.

A profile (industry, location, type tags, free-text description) is resolved to the finder's vocabulary and
each measure is matched with the reasons why, in groups: measures aimed at this kind of enterprise, the
direction of its industry, its region's role, the general business environment, and what its description
mentions.
"""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Iterable
from functools import lru_cache

from ..corpus.places import Gazetteer, Location
from ..corpus.vocab import generic_terms, load_aliases, load_stopwords
from ..index.tokenize import Tokenizer
from ..schema import Document
from .extract import COUNTY_MARKERS, extract_measures, find_industries
from .model import (
    EMPTY_PROFILE,
    NOT_IN_PLAN,
    SECTION_TITLES,
    Checklist,
    ChecklistItem,
    ChecklistSection,
    IndustryHit,
    Measure,
    Profile,
    ProfileInput,
)
from .terms import IndustryVocabulary, SearchText, fold_word, load_enterprise_types

log = logging.getLogger(__name__)

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


MAX_EXCERPT_CHARS = 120
MAX_RELATED_INDUSTRY_ITEMS = 8
MAX_ENVIRONMENT_ITEMS = 10
MAX_DESCRIPTION_ITEMS = 5


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
            topic for topic, words in _UNANSWERED_TOPICS.items() if any(w in fold_word(given.description) for w in words)
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
        description = fold_word(profile.given.description)
        terms: dict[str, str] = {}
        for word in self.tokenizer.words(description):
            if len(word) >= 2 and word not in self._generic:
                terms.setdefault(word, word)
        for alias, targets in self._aliases.items():
            if fold_word(alias) in description:
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


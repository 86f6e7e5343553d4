"""Reading an enterprise profile: its industry, place, kind and goals in the finder's vocabulary."""

from __future__ import annotations

from ..corpus.places import Gazetteer, Location
from ..index.tokenize import Tokenizer
from .model import EnterpriseType, Goal, IndustryHit, Profile, ProfileInput
from .terms import IndustryVocabulary, SearchText, fold_word

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
TAGS_SOURCE = "您的类型"
INDUSTRY_SOURCE = "产业"


class ProfileReader:
    def __init__(
        self,
        vocabulary: IndustryVocabulary,
        gazetteer: Gazetteer,
        tokenizer: Tokenizer,
        types: tuple[EnterpriseType, ...],
        goals: tuple[Goal, ...],
        description_limit: int,
    ):
        self.vocabulary = vocabulary
        self.gazetteer = gazetteer
        self.tokenizer = tokenizer
        self.types = types
        self.types_by_label = {t.label: t for t in types}
        self.goals = goals
        self.description_limit = description_limit

    def read(self, given: ProfileInput) -> Profile:
        given, notices = given.cleaned(self.description_limit)
        groups = self._groups(given)
        location, location_word = self._location(given)
        description = fold_word(given.description)
        unanswered = [topic for topic, words in _UNANSWERED_TOPICS.items() if any(w in description for w in words)]
        return Profile(
            given, self._industries(given, groups), location, location_word, groups, self._goals(given), unanswered,
            notices,
        )

    def search(self, text: str) -> SearchText:
        return SearchText(text, self.tokenizer)

    def _industries(self, given: ProfileInput, groups: dict[str, str]) -> list[IndustryHit]:
        hits = self.vocabulary.find(self.search(given.industry), single_characters=True) if given.industry else []
        if not hits and not self.line_of_business(groups):
            hits = self.vocabulary.find(self.search(given.description))
        chosen: dict[str, IndustryHit] = {}
        for hit in hits:
            current = chosen.get(hit.industry.name)
            if current is None or (hit.focus and not current.focus):
                chosen[hit.industry.name] = hit
        return list(chosen.values())

    def line_of_business(self, groups: dict[str, str]) -> list[str]:
        """Kinds of enterprise the industry field itself names (检验检测认证 → 生产性服务企业)."""
        return [label for label, why in groups.items() if why.startswith(INDUSTRY_SOURCE)]

    def _location(self, given: ProfileInput) -> tuple[Location | None, str]:
        if given.location:
            location = self.gazetteer.resolve(given.location)
            if location and not location.county:
                # 株洲醴陵: the city is named in full, the county by its short name.
                rest = given.location
                for name in location.names:
                    rest = rest.replace(name, "")
                county = self.gazetteer.resolve(rest) if rest.strip() else None
                if county and county.city == location.city:
                    location = county
            if location:
                return location, _written_place(given.location, location)
        if given.description:
            found = self.gazetteer.find_all(given.description)
            if found:
                word, location = max(found, key=lambda item: len(item[1].names))
                return location, word
        return None, ""

    def _groups(self, given: ProfileInput) -> dict[str, str]:
        groups: dict[str, str] = {}
        sources = [(TAGS_SOURCE, tag) for tag in given.tag_list()]
        sources += [(INDUSTRY_SOURCE, given.industry), ("描述", given.description)]
        searched = [(source, text, self.search(text)) for source, text in sources if text]
        for etype in self.types:
            for source, text, search in searched:
                word = next((w for w in etype.profile_words if search.has(w)), None)
                if word:
                    groups[etype.label] = f"{source}“{word}”" if source != TAGS_SOURCE else f"{TAGS_SOURCE}“{text}”"
                    break
        pending = list(groups)
        while pending:
            label = pending.pop()
            for implied in self.types_by_label[label].implies:
                if implied not in groups and implied in self.types_by_label:
                    groups[implied] = implied_from(label)
                    pending.append(implied)
        return groups

    def _goals(self, given: ProfileInput) -> dict[str, str]:
        """Goals are what the description says the enterprise wants; tags say what it is (上市公司, 高新技术企业)."""
        search = self.search(given.description)
        goals = {}
        for goal in self.goals:
            words = [w for w in goal.profile_words if search.has(w)]
            if words:
                goals[goal.label] = "、".join(f"“{w}”" for w in words)
        return goals


_IMPLIED = "由“{}”推定"


def implied_from(label: str) -> str:
    return _IMPLIED.format(label)


def is_implied(why: str) -> bool:
    return why.startswith(_IMPLIED.split("{")[0])


def _written_place(text: str, location: Location) -> str:
    for name in (location.county, location.city, location.region):
        if name and name in text:
            return name
    return text.strip()

"""Reading the plan's phrases: comma-delimited parts of a sentence, enumerations (重点发展A、B、C等…), a
sentence's topic, and whether two terms name the same kind of thing. Word boundaries come from the project's
tokenizer, which knows the corpus's own words."""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

from ..index.tokenize import Tokenizer

SEGMENT_ENDS = "，。；：！？"
_NOT_IN_ITEM = re.compile(r"[“”‘’《》\"\d]")
_QUANTIFIERS = ("一批", "一系列", "一些")
# Verbs and prepositions that open an enumeration in policy prose (重点发展A、B等, 聚焦A、B等, 在A、B等领域).
VERBS = (
    "发展", "聚焦", "围绕", "面向", "依托", "推动", "推进", "促进", "加快", "加强", "强化", "深化", "提升", "构建",
    "打造", "建设", "建强", "培育", "壮大", "做优", "做强", "做大", "做精", "做大做强", "做精做优", "做强做优", "巩固",
    "拓展", "布局", "突破", "参与", "承接", "对接", "支持", "鼓励", "引导", "实施", "通过", "采取", "发挥", "引进",
    "招引", "完善", "塑造", "把握", "涵盖", "融入", "嵌入", "落实", "推广", "开展", "组织", "统筹", "探索", "争取",
    "承担", "帮助", "赋能", "重点研发", "夯实", "在", "向", "以", "对", "集",
)
_STRONG_VERBS = tuple(v for v in VERBS if len(v) > 1)
_LAST_ITEM_MAX = 10  # an enumeration without 等 ends at punctuation with a short last item
_TOPIC_MAX = 8  # a sentence's topic (空天信息推进…) is a short name
# Category words that end names without telling them apart (新材料产业, 大湘西地区).
INDUSTRY_ENDINGS = ("产业", "制造业", "服务业")
CATEGORY_ENDINGS = (*INDUSTRY_ENDINGS, "地区", "经济区", "领域", "行业")


def segment(sentence: str, start: int, end: int) -> tuple[int, int]:
    """Bounds of the comma-delimited part of a sentence that holds sentence[start:end]."""
    left = max(sentence.rfind(ch, 0, start) for ch in SEGMENT_ENDS) + 1
    rights = [p for p in (sentence.find(ch, end) for ch in SEGMENT_ENDS) if p != -1]
    return left, min(rights, default=len(sentence))


def widen(sentence: str, left: int, right: int) -> tuple[int, int]:
    """The part of a sentence with the next part added (or the previous one, at the sentence's end)."""
    if right < len(sentence):
        return left, segment(sentence, right + 1, right + 1)[1]
    if left > 0:
        return segment(sentence, left - 1, left - 1)[0], right
    return left, right


def core(name: str) -> str:
    """A name without the category word that ends it: 新材料产业 → 新材料."""
    for ending in CATEGORY_ENDINGS:
        if name.endswith(ending) and len(name) > len(ending) + 1:
            return name[: -len(ending)]
    return name


class PhraseReader:
    """Phrase look-ups that need word boundaries, cached per tokenizer."""

    def __init__(self, tokenizer: Tokenizer):
        self.tokenizer = tokenizer
        self.bounds = lru_cache(maxsize=8192)(self._bounds)
        self.words = lru_cache(maxsize=8192)(self._words)
        self.enumeration = lru_cache(maxsize=8192)(self._enumeration)

    def _bounds(self, chunk: str) -> frozenset[int]:
        """Positions between the words of a chunk."""
        bounds, position = {0}, 0
        for word in self.tokenizer.cut(chunk):
            position += len(word)
            bounds.add(position)
        return frozenset(bounds)

    def _words(self, term: str) -> frozenset[str]:
        return frozenset(w for w in self.tokenizer.words(core(term)) if len(w) >= 2)

    def head(self, term: str) -> str:
        """The head noun of a term: its shortest final word (输变电装备 → 装备, 先进陶瓷材料 → 材料)."""
        name = core(term)
        endings = [w for w in self.words(term) if name.endswith(w)]
        return min(endings, key=len) if endings else name

    def same_kind(self, a: str, b: str) -> bool:
        """One term is broader or narrower than the other: one contains the other (新材料, 新材料产业) or they
        share a head noun (输变电装备 and 装备制造; 碳基材料 and 纳米材料), so that either could be meant."""
        stems = [core(x).removesuffix("化") for x in (a, b)]  # 绿色化 and 绿色低碳生态化: both 绿色…
        if a in b or b in a or stems[0] in b or stems[1] in a:
            return True
        return self.head(a) in self.words(b) or self.head(b) in self.words(a)

    def verb_cut(self, chunk: str, verbs: Iterable[str]) -> int | None:
        """Where the words after the last verb of a chunk begin; the cut falls between words (集群 is no 集)."""
        bounds, best = self.bounds(chunk), None
        for verb in verbs:
            start = chunk.find(verb)
            while start != -1:
                end = start + len(verb)
                if end in bounds and end < len(chunk):
                    best = max(best or 0, end)
                start = chunk.find(verb, start + 1)
        return best

    def topic(self, sentence: str) -> str:
        """The words a sentence opens with, before its first verb (空天信息 in 空天信息推进…); empty when the
        sentence opens with its verb, a time or a condition."""
        first = sentence[: segment(sentence, 0, 0)[1]]
        bounds = self.bounds(first)
        starts = [at for verb in _STRONG_VERBS for at in [first.find(verb)] if at > 0 and at in bounds]
        if not starts:
            return ""
        opening = first[: min(starts)]
        return opening if len(opening) <= _TOPIC_MAX else ""

    def etc(self, chunk: str) -> int:
        """Where 等 (etc.) stands as a word of its own: not the 等 of 高等级 or 等于."""
        bounds, start = self.bounds(chunk), chunk.find("等")
        while start != -1:
            if start in bounds and start + 1 in bounds:
                return start
            start = chunk.find("等", start + 1)
        return -1

    def _enumeration(self, part: str) -> tuple[int, tuple[str, ...], int] | None:
        """A list written as A、B、C等… in a part of a sentence: (where the first item starts, the items, where
        the last one ends)."""
        chunks = part.split("、")
        if len(chunks) < 2:
            return None
        offsets = [sum(len(c) + 1 for c in chunks[:i]) for i in range(len(chunks))]
        start, items = 0, []
        for i, chunk in enumerate(chunks):
            etc = self.etc(chunk)
            text = chunk[:etc] if etc != -1 else chunk
            cut = self.verb_cut(text, VERBS if i == 0 else _STRONG_VERBS)
            if i == 0 or cut is not None:  # a verb inside a later chunk starts a new list (采取A、B等)
                item, start = _clean_start(text[cut or 0:], offsets[i] + (cut or 0))
                items = [item]
            else:
                items.append(text)
            if etc != -1 or i == len(chunks) - 1:
                if not _plausible(items, etc != -1) or any(self.opens_with_verb(item) for item in items[1:]):
                    return None  # parallel clauses (以A为目标、以B为骨干) are no list of things
                return start, tuple(items), offsets[i] + len(text)
        return None

    def is_task(self, heading: str) -> bool:
        """A heading that names a task (深化北斗规模应用城市试点布局), not a subject (石化产业, 量子科技)."""
        return any(verb in heading for verb in _STRONG_VERBS)

    def opens_with_verb(self, text: str) -> bool:
        return any(text.startswith(verb) and len(verb) in self.bounds(text) for verb in VERBS)


def _clean_start(item: str, offset: int) -> tuple[str, int]:
    for word in _QUANTIFIERS:
        if item.startswith(word) and len(item) > len(word):
            return item[len(word):], offset + len(word)
    return item, offset


def _plausible(items: list[str], closed: bool) -> bool:
    if len(items) < 2 or len(set(items)) < len(items):
        return False
    if any(not 1 <= len(item) <= 16 or _NOT_IN_ITEM.search(item) for item in items):
        return False
    if len(items[0]) > max(len(item) for item in items[1:]) + 4:
        return False
    return closed or (len(items[-1]) <= _LAST_ITEM_MAX and len(items[-1]) <= max(len(i) for i in items[:-1]) + 2)

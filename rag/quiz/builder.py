"""Quiz builder for trainers: items with answer keys and clause citations, read from the parsed plan.

Facts come from the plan's own structure — numbers with units in its sentences, enumerations
(“重点发展A、B、C等”), quoted key terms, sub-sections and the rows of its target tables. Each item tests
one fact; its distractors are facts of the same category elsewhere in the plan (another industry's
target, another region's industries, another indicator's value, items of a sibling list), and every
item is checked against the plan before it is returned. Nothing here needs the embedding model.
"""

from __future__ import annotations

import logging
import random
import re
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path

import jieba

from ..schema import Clause, Document, Indicator
from ..corpus.places import Place, load_gazetteer
from ..text import normalize

log = logging.getLogger(__name__)

KINDS = ("blank", "choice", "multi", "truefalse")  # also the order of the parts of a printed quiz
KIND_NAMES = {"blank": "填空题", "choice": "单项选择题", "multi": "多项选择题", "truefalse": "判断题"}
_KIND_ALIASES = {
    "填空": "blank", "填空题": "blank", "single": "choice", "单选": "choice", "单选题": "choice",
    "单项选择题": "choice", "多选": "multi", "多选题": "multi", "多项选择题": "multi", "tf": "truefalse",
    "判断": "truefalse", "判断题": "truefalse",
}
DIFFICULTIES = ("easy", "medium", "hard")
DIFFICULTY_NAMES = {"easy": "易", "medium": "中", "hard": "难"}
_DIFFICULTY_ALIASES = {"易": "easy", "简单": "easy", "中": "medium", "中等": "medium", "难": "hard", "困难": "hard"}
MAX_ITEMS = 200
TRUE, FALSE = "正确", "错误"
BLANK = "＿＿＿＿"  # where a fill-in answer goes
GAP = "（　　）"  # where the chosen option goes
LETTERS = "ABCDE"
MULTI_OPTIONS = 5

_QUANTITY = re.compile(r"(?<![\d.])(\d+(?:\.\d+)?)(亿元|万元|亿|万|家|个|%|％|倍|项|座|所|条|人)")
_TIME = re.compile(r"^(?:到|至|在)?\d{4}年(?:底|末)?$")
_QUOTED = re.compile(r"“([^“”，。；：、]{2,16})”")
_SENTENCE = re.compile(r"[^。；！？\n]+")
_SEGMENT_ENDS = "，。；：！？"
_NOT_IN_ITEM = re.compile(r"[“”‘’《》\"\d]")
_QUANTIFIERS = ("一批", "一系列", "一些")
# Verbs and prepositions that open an enumeration in policy prose (重点发展A、B等, 聚焦A、B等, 在A、B等领域).
_VERBS = (
    "发展", "聚焦", "围绕", "面向", "依托", "推动", "推进", "促进", "加快", "加强", "强化", "深化", "提升", "构建",
    "打造", "建设", "建强", "培育", "壮大", "做优", "做强", "做大", "做精", "做大做强", "做精做优", "做强做优", "巩固",
    "拓展", "布局", "突破", "参与", "承接", "对接", "支持", "鼓励", "引导", "实施", "通过", "采取", "发挥", "引进",
    "招引", "完善", "塑造", "把握", "涵盖", "融入", "嵌入", "落实", "推广", "开展", "组织", "统筹", "探索", "争取",
    "承担", "帮助", "赋能", "重点研发", "在", "向", "以", "对", "集",
)
_CONTEXT_MIN = 6  # words around a quoted term, so that a blank can be answered
_LAST_ITEM_MAX = 10  # an enumeration without 等 ends at punctuation with a short last item
_INDUSTRY_ENDINGS = ("产业", "制造业", "服务业")


class QuizError(ValueError):
    """The request cannot be met; the message says why, in words a trainer understands."""


@dataclass(frozen=True)
class QuizRequest:
    count: int = 10
    section: str = ""  # a clause reference such as 二 or 二（三）; empty for the whole plan
    kinds: tuple[str, ...] = KINDS
    difficulty: str = ""  # easy | medium | hard; empty for any
    seed: int = 0

    @classmethod
    def parse(cls, count: int | None = 10, section: str = "", types: str | Iterable[str] = "",
              difficulty: str = "", seed: int | None = 0) -> QuizRequest:
        """Read a request as typed on the command line or in the app, with clear errors."""
        try:
            count, seed = int(count), int(seed or 0)
        except (TypeError, ValueError):
            raise QuizError("题量和随机种子须为整数") from None
        if not 1 <= count <= MAX_ITEMS:
            raise QuizError(f"题量须在 1 到 {MAX_ITEMS} 之间")
        names = types.replace("，", ",").split(",") if isinstance(types, str) else list(types)
        kinds: list[str] = []
        for name in (n.strip().lower() for n in names):
            if not name:
                continue
            kind = _KIND_ALIASES.get(name, name)
            if kind not in KINDS:
                raise QuizError(f"未知题型“{name}”，可选：{','.join(KINDS)}（填空、单选、多选、判断）")
            if kind not in kinds:
                kinds.append(kind)
        level = (difficulty or "").strip().lower()
        level = _DIFFICULTY_ALIASES.get(level, level)
        if level and level not in DIFFICULTIES:
            raise QuizError(f"未知难度“{difficulty}”，可选：easy、medium、hard")
        return cls(count, normalize(section or "").strip().rstrip("、"), tuple(kinds) or KINDS, level, seed)


@dataclass(frozen=True)
class QuizItem:
    kind: str  # blank | choice | multi | truefalse
    stem: str
    options: tuple[str, ...]  # choice/multi: the texts; truefalse: 正确, 错误; blank: none
    answers: tuple[str, ...]  # the correct options, or the words that fill the blank
    ref: str  # the clause that settles the answer
    title: str
    evidence: str  # the plan's words the item is built on, quoted in the explanation
    explanation: str
    focus: str  # what is asked: value | member | term | subject | section
    fact: str  # the fact tested; a quiz tests each fact at most once
    difficulty: str
    doc_id: str
    probe: str = ""  # subject items: the thing whose owner is asked for
    claim: str = ""  # true/false items: the statement's words as in, or altered from, the plan
    original: str = ""  # false statements: the plan's words that were changed
    changed: str = ""  # … and what they became

    @property
    def key(self) -> str:
        """The answer as a quiz platform records it: letters, 正确/错误, or the blank's words."""
        if self.kind in ("choice", "multi"):
            return "".join(LETTERS[self.options.index(a)] for a in self.answers)
        return "；".join(self.answers)


@dataclass(frozen=True)
class Quiz:
    title: str
    request: QuizRequest
    items: tuple[QuizItem, ...]

    @property
    def note(self) -> str:
        if len(self.items) < self.request.count:
            return f"符合条件的题目只有 {len(self.items)} 道（要求 {self.request.count} 道）"
        return ""

    def describe(self) -> str:
        request = self.request
        kinds = "、".join(KIND_NAMES[k] for k in request.kinds)
        level = DIFFICULTY_NAMES.get(request.difficulty, "不限")
        return (f"范围：{request.section or '全文'}｜题型：{kinds}｜难度：{level}｜题量：{len(self.items)}"
                f"｜随机种子：{request.seed}")


# -- facts -------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class _Fact:
    clause: Clause
    evidence: str
    key: str


@dataclass(frozen=True)
class QuantityFact(_Fact):
    claim: str  # the words around the number, as written
    at: int  # where the number starts in the claim
    number: str
    unit: str
    time: str  # a leading 到2030年 that the claim leaves out
    signature: str  # the words just before the number: 营收达到, 总数达到

    @property
    def value(self) -> str:
        return self.number + self.unit


@dataclass(frozen=True)
class TableFact(_Fact):
    indicator: Indicator
    aspect: str  # base | target | category

    @property
    def raw_value(self) -> str:
        return self.indicator.base_value if self.aspect == "base" else self.indicator.target_value

    @property
    def value(self) -> str:
        return self.raw_value + self.indicator.unit

    @property
    def label(self) -> str:
        """目标值（2030年）, with the table's notes for this cell: 目标值（2030年，累计数）."""
        ind = self.indicator
        base = self.aspect == "base"
        label, notes = (ind.base_label, ind.base_notes) if base else (ind.target_label, ind.target_notes)
        if notes and label.endswith("）"):
            return label[:-1] + "，" + "，".join(notes) + "）"
        return label + "".join(f"（{n}）" for n in notes)


@dataclass(frozen=True)
class ListFact(_Fact):
    claim: str  # the segment holding the enumeration, as written
    before: str
    items: tuple[str, ...]
    ending: str  # 等细分领域, or empty
    subject: str  # the place the sentence is about, as written; empty when it is the clause's heading
    place: Place | None
    of_places: bool  # the items are places (长沙、株洲、岳阳等): distractors must be places too

    def with_items(self, items: Iterable[str]) -> str:
        return self.before + "、".join(items) + self.ending

    @property
    def closed(self) -> bool:
        """Written A、B、C等…: an explicit enumeration, fit for choice questions."""
        return self.ending.startswith("等")

    @property
    def tail(self) -> str:
        return self.ending[1:] if self.closed else self.ending

    @property
    def askable(self) -> tuple[str, ...]:
        """Items that can stand alone as an answer: not a first item that carries the words before the list
        (制造业智能化), nor the last of an open list that carries the words after it (国际化方向)."""
        middle = max((len(item) for item in self.items[1:-1]), default=None)
        if middle is None:
            return self.items
        first, last = self.items[0], self.items[-1]
        return tuple(item for i, item in enumerate(self.items) if not (
            (i == 0 and len(first) >= middle + 2)
            or (i == len(self.items) - 1 and not self.closed and len(last) >= middle + 2)))


@dataclass(frozen=True)
class TermFact(_Fact):
    claim: str
    term: str


@dataclass(frozen=True)
class SectionFact(_Fact):
    members: tuple[str, ...]  # the headings of its sub-clauses


@lru_cache(maxsize=1)
def _segmenter() -> jieba.Tokenizer:
    tokenizer = jieba.Tokenizer()
    tokenizer.initialize()
    return tokenizer


def _numeric(value: str) -> str:
    return value.lstrip("≥≤<>约")


def _quoted(text: str) -> str:
    """Text in quotation marks, its own quotation marks made single: “国家专精特新‘小巨人’企业数量”."""
    return "“" + text.replace("“", "‘").replace("”", "’") + "”"


def _where(clause: Clause) -> str:
    if clause.kind == "preamble":
        return "规划前言"
    return f"规划{_quoted(clause.heading)}部分"


def _body(clause: Clause) -> str:
    """The clause without its own title, so that a heading is not read as a sentence."""
    title = clause.title_path[-1] if clause.title_path else ""
    if clause.kind == "clause" and title and clause.text.startswith(title):
        return clause.text[len(title):]
    return clause.text


def _segment(sentence: str, start: int, end: int) -> tuple[int, int]:
    """Bounds of the comma-delimited part of a sentence that holds sentence[start:end]."""
    left = max(sentence.rfind(ch, 0, start) for ch in _SEGMENT_ENDS) + 1
    rights = [p for p in (sentence.find(ch, end) for ch in _SEGMENT_ENDS) if p != -1]
    return left, min(rights, default=len(sentence))


def _widen(sentence: str, left: int, right: int) -> tuple[int, int]:
    """The part of a sentence with the next part added (or the previous one, at the sentence's end)."""
    if right < len(sentence):
        return left, _segment(sentence, right + 1, right + 1)[1]
    if left > 0:
        return _segment(sentence, left - 1, left - 1)[0], right
    return left, right


def _common(a: str, b: str) -> int:
    """Length of the longest common substring."""
    best = 0
    for i in range(len(a)):
        for j in range(i + best + 1, len(a) + 1):
            if a[i:j] in b:
                best = j - i
            else:
                break
    return best


def _related(a: str, b: str) -> bool:
    return a in b or b in a


def quantities(text: str) -> set[tuple[float, str]]:
    """The numbers with units a text states, as (value, unit)."""
    return {(float(m.group(1)), m.group(2).replace("％", "%")) for m in _QUANTITY.finditer(text)}


def _as_quantity(option: str) -> tuple[float, str] | None:
    match = _QUANTITY.fullmatch(_numeric(option))
    return (float(match.group(1)), match.group(2).replace("％", "%")) if match else None


@lru_cache(maxsize=4096)
def _bounds(chunk: str) -> frozenset[int]:
    """Positions between jieba words of a chunk."""
    bounds, position = {0}, 0
    for word in _segmenter().lcut(chunk):
        position += len(word)
        bounds.add(position)
    return frozenset(bounds)


def _near(option: str, answer: str) -> bool:
    """Within a factor of ten: a plausible value for the same kind of target."""
    a, b = _as_quantity(option), _as_quantity(answer)
    return bool(a and b and a[0] > 0 and b[0] > 0 and max(a[0], b[0]) / min(a[0], b[0]) <= 10)


def _verb_cut(chunk: str, verbs: Iterable[str]) -> int | None:
    """Where the words after the last verb of a chunk begin; the cut falls between jieba words (集群 is no 集)."""
    bounds, best = _bounds(chunk), None
    for verb in verbs:
        start = chunk.find(verb)
        while start != -1:
            end = start + len(verb)
            if end in bounds and end < len(chunk):
                best = max(best or 0, end)
            start = chunk.find(verb, start + 1)
    return best


def _etc(chunk: str) -> int:
    """Where 等 (etc.) stands as a word of its own: not the 等 of 高等级 or 等于."""
    bounds, start = _bounds(chunk), chunk.find("等")
    while start != -1:
        if start in bounds and start + 1 in bounds:
            return start
        start = chunk.find("等", start + 1)
    return -1


def _clean_start(item: str, offset: int) -> tuple[str, int]:
    for word in _QUANTIFIERS:
        if item.startswith(word) and len(item) > len(word):
            return item[len(word):], offset + len(word)
    return item, offset


def _enumeration(segment: str) -> tuple[int, tuple[str, ...], int] | None:
    """A list written as A、B、C等… in a segment: (where the first item starts, items, where the last ends)."""
    chunks = segment.split("、")
    if len(chunks) < 2:
        return None
    offsets = [sum(len(c) + 1 for c in chunks[:i]) for i in range(len(chunks))]
    strong_verbs = [v for v in _VERBS if len(v) > 1]
    start, items = 0, []
    for i, chunk in enumerate(chunks):
        etc = _etc(chunk)
        part = chunk[:etc] if etc != -1 else chunk
        cut = _verb_cut(part, _VERBS if i == 0 else strong_verbs)
        if i == 0 or cut is not None:  # a verb inside a later chunk starts a new list (采取A、B等)
            item, start = _clean_start(part[cut or 0:], offsets[i] + (cut or 0))
            items = [item]
        else:
            items.append(part)
        if etc != -1 or i == len(chunks) - 1:
            return (start, tuple(items), offsets[i] + len(part)) if _plausible(items, closed=etc != -1) else None
    return None


def _plausible(items: list[str], closed: bool) -> bool:
    if len(items) < 2 or len(set(items)) < len(items):
        return False
    if any(not 1 <= len(item) <= 16 or _NOT_IN_ITEM.search(item) for item in items):
        return False
    if len(items[0]) > max(len(item) for item in items[1:]) + 4:
        return False
    return closed or (len(items[-1]) <= _LAST_ITEM_MAX and len(items[-1]) <= max(len(i) for i in items[:-1]) + 2)


class Plan:
    """One document's facts, with the look-ups that distractors and checks need."""

    def __init__(self, document: Document, places: list[Place]):
        self.document = document
        self.places = places
        self._children: dict[str | None, list[Clause]] = {}
        for clause in document.clauses:
            self._children.setdefault(clause.parent, []).append(clause)
        self._scopes: dict[str, str] = {}
        self.sentences = [(c, s.strip()) for c in document.clauses if c.kind in ("clause", "preamble")
                          for s in _SENTENCE.findall(_body(c)) if s.strip()]
        self.quantities = self._quantities()
        self.table = self._table()
        self.lists = self._lists()
        self.terms = self._terms()
        self.sections = self._sections()

    @property
    def facts(self) -> list[_Fact]:
        return [*self.quantities, *self.table, *self.lists, *self.terms, *self.sections]

    # -- structure ---------------------------------------------------------------------------------
    def scope(self, ref: str) -> str:
        """The text of a clause and of everything under it."""
        if ref not in self._scopes:
            clause = self.document.clause(ref)
            parts = [clause.text] if clause else []
            parts += [self.scope(child.ref) for child in self._children.get(ref, [])]
            self._scopes[ref] = "\n".join(parts)
        return self._scopes[ref]

    def within(self, ref: str, section: str) -> bool:
        clause = self.document.clause(ref)
        while clause is not None:
            if clause.ref == section:
                return True
            clause = self.document.clause(clause.parent) if clause.parent else None
        return False

    def siblings(self, clause: Clause) -> list[Clause]:
        return [c for c in self._children.get(clause.parent, []) if c.ref != clause.ref and c.kind == clause.kind]

    def place_in(self, text: str) -> tuple[int, str, Place] | None:
        """The first place a text names (longest form at the earliest position): (where, as written, place)."""
        best: tuple[int, str, Place] | None = None
        for place in self.places:
            for form in (place.name, *place.aliases):
                at = text.find(form)
                if at != -1 and (best is None or (at, -len(form)) < (best[0], -len(best[1]))):
                    best = (at, form, place)
        return best

    def subject_of(self, opening: str) -> tuple[str, Place] | None:
        """The place a sentence is about: named first, or right after an opening verb (打造岳阳…)."""
        found = self.place_in(opening)
        if found and (found[0] == 0 or opening[:found[0]] in _VERBS):
            return found[1], found[2]
        return None

    def said_of(self, subject: str) -> str:
        """Everything the plan says of a subject: its clause when it is a heading, else the sentences naming it."""
        headed = [c for c in self.document.clauses if c.heading == subject]
        if headed:
            return "\n".join(self.scope(c.ref) for c in headed)
        found = self.place_in(subject)
        forms = (found[2].name, *found[2].aliases) if found else (subject,)
        return "\n".join(s for _, s in self.sentences if any(form in s for form in forms))

    # -- extraction --------------------------------------------------------------------------------
    def _quantities(self) -> list[QuantityFact]:
        facts = []
        for clause, sentence in self.sentences:
            first_end = _segment(sentence, 0, 0)[1]
            for match in _QUANTITY.finditer(sentence):
                left, right = _segment(sentence, match.start(), match.end())
                claim, at = sentence[left:right], match.start() - left
                if claim.count(match.group(0)) != 1:
                    continue
                time = sentence[:first_end] if left > 0 and _TIME.match(sentence[:first_end]) else ""
                number, unit = match.group(1), match.group(2).replace("％", "%")
                facts.append(QuantityFact(clause, sentence, self._quantity_key(clause, claim, number, unit),
                                          claim, at, number, unit, time, claim[max(0, at - 4):at]))
        return facts

    def _quantity_key(self, clause: Clause, claim: str, number: str, unit: str) -> str:
        """The same target stated in a clause and in the table is one fact."""
        for ind in self.document.indicators:
            values = [v for v in (ind.base_value, ind.target_value) if v]
            if ind.unit == unit and any(_numeric(v) == number for v in values) and _common(claim, ind.name) >= 4:
                return f"quantity|{ind.name}|{number}{unit}"
        return f"quantity|{clause.ref}|{claim}|{number}{unit}"

    def _table(self) -> list[TableFact]:
        facts = []
        for ind in self.document.indicators:
            clause = self.document.clause(ind.ref)
            if clause is None:
                continue
            for aspect, value in (("base", ind.base_value), ("target", ind.target_value)):
                if value and any(ch.isdigit() for ch in value):
                    facts.append(TableFact(clause, clause.text, f"quantity|{ind.name}|{_numeric(value)}{ind.unit}",
                                           ind, aspect))
            facts.append(TableFact(clause, clause.text, f"category|{ind.name}", ind, "category"))
        return facts

    def _lists(self) -> list[ListFact]:
        facts = []
        for index, (clause, sentence) in enumerate(self.sentences):
            left = 0
            while left < len(sentence):
                _, right = _segment(sentence, left, left)
                segment = sentence[left:right]
                found = _enumeration(segment)
                if found:
                    start, items, end = found
                    subject = self.subject_of(sentence[:left])
                    facts.append(ListFact(
                        clause, sentence, f"list|{clause.ref}|{index}|{left + start}", segment, segment[:start],
                        items, segment[end:], subject[0] if subject else "", subject[1] if subject else None,
                        any(self.place_in(item) for item in items),
                    ))
                left = right + 1
        return facts

    def _terms(self) -> list[TermFact]:
        facts = []
        for clause, sentence in self.sentences:
            for match in _QUOTED.finditer(sentence):
                left, right = _segment(sentence, match.start(), match.end())
                if right - left - len(match.group(0)) < _CONTEXT_MIN:  # 推动“绿电入湘”: too little to go on
                    left, right = _widen(sentence, left, right)
                claim = sentence[left:right]
                if claim.count(match.group(0)) == 1:
                    facts.append(TermFact(clause, sentence, f"term|{match.group(1)}", claim, match.group(1)))
        return facts

    def _sections(self) -> list[SectionFact]:
        facts = []
        for clause in self.document.clauses:
            members = [c for c in self._children.get(clause.ref, []) if c.kind == "clause" and c.heading]
            if clause.kind == "clause" and len(members) >= 3:
                facts.append(SectionFact(clause, "\n".join(c.title_path[-1] for c in members),
                                         f"section|{clause.ref}", tuple(c.heading for c in members)))
        return facts

    # -- distractors -------------------------------------------------------------------------------
    @staticmethod
    def draw(tiers: Iterable[Iterable[str]], rng: random.Random, count: int,
             accept: Callable[[str], bool]) -> list[str]:
        """Up to `count` distinct options, taken at random from the first tier, then the next."""
        chosen: list[str] = []
        for tier in tiers:
            candidates = list(dict.fromkeys(tier))
            rng.shuffle(candidates)
            for option in candidates:
                if len(chosen) == count:
                    return chosen
                if option not in chosen and accept(option):
                    chosen.append(option)
        return chosen

    def value_accepts(self, answer: str, ref: str) -> Callable[[str], bool]:
        """A value is a fair distractor when it differs from the answer and the clause does not state it."""
        stated = quantities(self.scope(ref))
        answer_quantity = _as_quantity(answer)

        def accept(option: str) -> bool:
            quantity = _as_quantity(option)
            return quantity is not None and quantity != answer_quantity and quantity not in stated
        return accept

    def quantity_distractors(self, fact: QuantityFact, rng: random.Random, count: int) -> list[str]:
        """Another industry's target first (same words before the number), then values of the same size."""
        stated = [q.value for q in self.quantities if q.unit == fact.unit]
        stated += [_numeric(t.value) for t in self.table if t.aspect != "category" and t.indicator.unit == fact.unit]
        tiers = [
            [q.value for q in self.quantities if q.unit == fact.unit and q.signature == fact.signature],
            [v for v in stated if _near(v, fact.value)],
            stated,
        ]
        return self.draw(tiers, rng, count, self.value_accepts(fact.value, fact.clause.ref))

    def table_distractors(self, fact: TableFact, rng: random.Random, count: int) -> list[str]:
        """Another indicator's value in the same unit: the same column first, values of the same size first."""
        numeric = [t.value for t in self.table if t.aspect == fact.aspect and t.indicator.unit == fact.indicator.unit
                   and t.indicator.number != fact.indicator.number]
        others = [t.value for t in self.table if t.aspect != "category" and t.indicator.unit == fact.indicator.unit]
        tiers = [[v for v in numeric if _near(v, fact.value)], numeric, others]
        return self.draw(tiers, rng, count, self.value_accepts(fact.value, fact.clause.ref))

    def category_distractors(self, fact: TableFact, rng: random.Random, count: int) -> list[str]:
        categories = [ind.category for ind in self.document.indicators]
        return self.draw([categories], rng, count, lambda c: c != fact.indicator.category and c not in fact.evidence)

    def list_forbidden(self, fact: ListFact) -> str:
        """What a distractor for this list must not appear in."""
        return self.said_of(fact.subject) + "\n" + fact.evidence if fact.place else self.scope(fact.clause.ref)

    def list_distractors(self, fact: ListFact, rng: random.Random, count: int) -> list[str]:
        """Items of a list about another place first (another region's industries), then of sibling lists
        that end alike (…细分领域), then items shaped like this list's (…化, …材料), then any sibling list's."""
        others = [f for f in self.lists if f.key != fact.key and f.of_places == fact.of_places]
        nearby = [f for f in others if f.clause.ref == fact.clause.ref or f.clause.parent == fact.clause.parent]
        other_places = [f for f in nearby if f.place and fact.place and f.place.kind == fact.place.kind
                        and f.place.name != fact.place.name]
        same_frame = [f for f in nearby if f.clause.ref != fact.clause.ref and fact.tail and f.tail == fact.tail]
        last = [item[-1] for item in fact.items]
        endings = {ch for ch in last if last.count(ch) >= 2}  # the list's own pattern: 多元化、高端化
        tiers = [[i for f in group for i in f.askable] for group in (other_places, same_frame)]
        tiers += [[i for f in group for i in f.askable if i[-1] in endings] for group in (nearby, others)]
        tiers.append([i for f in nearby for i in f.askable])
        forbidden = self.list_forbidden(fact)
        return self.draw(tiers, rng, count, lambda d: d not in forbidden
                         and not any(_related(d, item) for item in fact.items))

    def subject_distractors(self, fact: ListFact, probe: str, rng: random.Random, count: int) -> list[str]:
        if fact.place:
            pool = [f.subject for f in self.lists if f.place and f.place.kind == fact.place.kind
                    and f.place.name != fact.place.name
                    and (f.clause.ref == fact.clause.ref or f.clause.parent == fact.clause.parent)]
        else:
            pool = [c.heading for c in self.siblings(fact.clause) if c.heading]
        subject = fact.subject or fact.clause.heading
        return self.draw([pool], rng, count, lambda s: probe not in self.said_of(s) and not _related(s, subject))

    def term_distractors(self, fact: TermFact, rng: random.Random, count: int) -> list[str]:
        terms = list(dict.fromkeys(t.term for t in self.terms if t.term != fact.term))
        tiers = [[t for t in terms if abs(len(t) - len(fact.term)) == gap] for gap in (0, 1, 2)]
        scope = self.scope(fact.clause.ref)
        return self.draw(tiers, rng, count, lambda t: t not in scope and not _related(t, fact.term))

    def section_distractors(self, fact: SectionFact, rng: random.Random, count: int) -> list[str]:
        cousins = [c.heading for s in self.siblings(fact.clause) for c in self._children.get(s.ref, [])
                   if c.kind == "clause" and c.heading]
        scope = self.scope(fact.clause.ref)
        return self.draw([cousins], rng, count, lambda h: h not in fact.members and h not in scope)


# -- items -------------------------------------------------------------------------------------------

_DIFFICULTY = {
    ("blank", "value"): "medium", ("blank", "member"): "hard", ("blank", "term"): "hard",
    ("choice", "section"): "easy", ("choice", "value"): "medium", ("choice", "member"): "medium",
    ("choice", "subject"): "medium", ("choice", "term"): "hard",
    ("multi", "section"): "medium", ("multi", "member"): "hard",
}


_QUOTE_MAX = 90


def _quote(fact: _Fact) -> str:
    """The plan's words for the explanation: the sentence, or the part of a long one that holds the fact."""
    sentence = fact.evidence
    claim = getattr(fact, "claim", "")
    if len(sentence) <= _QUOTE_MAX or not claim:
        return sentence
    begin = sentence.find(claim)
    end = begin + len(claim)
    if isinstance(fact, ListFact) and fact.place:
        begin = min(begin, _segment(sentence, sentence.find(fact.subject), 0)[0])
    if isinstance(fact, QuantityFact) and fact.time:
        begin = 0
    return ("……" if begin > 0 else "") + sentence[begin:end] + ("……" if end < len(sentence) else "")


def _explain(fact: _Fact, original: str = "", changed: str = "") -> str:
    clause = fact.clause
    source = f"依据{clause.ref}" + (f"（{clause.heading}）" if clause.heading != clause.ref else "")
    if isinstance(fact, SectionFact):
        text = f"{source}，其下设：{'；'.join(fact.evidence.splitlines())}"
    else:
        text = f"{source}：“{_quote(fact)}”"
    return f"原文为“{original}”，题中改为“{changed}”。{text}" if changed else text


def _item(kind: str, fact: _Fact, stem: str, options: Iterable[str], answers: Iterable[str], focus: str,
          rng: random.Random, **extra: str) -> QuizItem:
    options, answers = list(options), list(answers)
    if kind in ("choice", "multi"):
        rng.shuffle(options)
        answers.sort(key=options.index)
    clause = fact.clause
    explanation = _explain(fact, extra.get("original", ""), extra.get("changed", ""))
    return QuizItem(
        kind=kind, stem=stem, options=tuple(options), answers=tuple(answers), ref=clause.ref, title=clause.title,
        evidence=fact.evidence, explanation=explanation, focus=focus, fact=fact.key,
        difficulty="easy" if kind == "truefalse" else _DIFFICULTY[(kind, focus)], doc_id=clause.doc_id, **extra,
    )


def _statement(true: bool, fact: _Fact, stem: str, claim: str, rng: random.Random, focus: str,
               **change: str) -> QuizItem:
    return _item("truefalse", fact, stem, (TRUE, FALSE), (TRUE if true else FALSE,), focus, rng,
                 claim=claim, **change)


def _timed(time: str, claim: str) -> str:
    return f"{time}，{claim}" if time else claim


def _quantity_items(fact: QuantityFact, plan: Plan, kind: str, rng: random.Random) -> list[QuizItem]:
    where = _where(fact.clause)
    head, rest = fact.claim[:fact.at], fact.claim[fact.at + len(fact.number):]
    if kind == "blank":
        stem = f"根据{where}：{_timed(fact.time, head + BLANK + rest)}。"
        return [_item("blank", fact, stem, (), (fact.number,), "value", rng)]
    if kind == "choice":
        distractors = plan.quantity_distractors(fact, rng, 3)
        if len(distractors) < 3:
            return []
        stem = f"根据{where}：{_timed(fact.time, head + GAP + rest[len(fact.unit):])}。"
        return [_item("choice", fact, stem, [fact.value, *distractors], (fact.value,), "value", rng)]
    if kind == "truefalse":
        if rng.random() < 0.5:
            return [_statement(True, fact, f"根据{where}，{_timed(fact.time, fact.claim)}。", fact.claim, rng, "value")]
        distractors = plan.quantity_distractors(fact, rng, 1)
        if not distractors:
            return []
        claim = head + distractors[0] + rest[len(fact.unit):]
        return [_statement(False, fact, f"根据{where}，{_timed(fact.time, claim)}。", claim, rng, "value",
                           original=fact.value, changed=distractors[0])]
    return []


def _table_items(fact: TableFact, plan: Plan, kind: str, rng: random.Random) -> list[QuizItem]:
    ind = fact.indicator
    if fact.aspect == "category":
        if kind == "choice":
            distractors = plan.category_distractors(fact, rng, 3)
            if len(distractors) < 3:
                return []
            stem = f"规划专栏中，{_quoted(ind.name)}属于哪一类指标？"
            return [_item("choice", fact, stem, [ind.category, *distractors], (ind.category,), "value", rng)]
        if kind == "truefalse":
            claim = f"{ind.category}类指标{ind.number}"
            if rng.random() < 0.5:
                return [_statement(True, fact, f"规划专栏中，{_quoted(ind.name)}属于{ind.category}类指标。", claim, rng,
                                   "value")]
            distractors = plan.category_distractors(fact, rng, 1)
            if not distractors:
                return []
            return [_statement(False, fact, f"规划专栏中，{_quoted(ind.name)}属于{distractors[0]}类指标。",
                               f"{distractors[0]}类指标{ind.number}", rng, "value",
                               original=ind.category, changed=distractors[0])]
        return []
    lead = f"根据规划专栏，{_quoted(ind.name)}的{fact.label}"
    if kind == "blank":
        bound = {"≥": "不低于", "≤": "不高于"}.get(fact.raw_value[:1], "")
        stem = f"{lead}为{bound}{BLANK}{ind.unit}。"
        return [_item("blank", fact, stem, (), (fact.raw_value.lstrip("≥≤"),), "value", rng)]
    if kind == "choice":
        distractors = plan.table_distractors(fact, rng, 3)
        if len(distractors) < 3:
            return []
        return [_item("choice", fact, f"{lead}是{GAP}。", [fact.value, *distractors], (fact.value,), "value", rng)]
    if kind == "truefalse":
        raw_label = ind.base_label if fact.aspect == "base" else ind.target_label
        if rng.random() < 0.5:
            return [_statement(True, fact, f"{lead}为{fact.value}。", raw_label + fact.value, rng, "value")]
        distractors = plan.table_distractors(fact, rng, 1)
        if not distractors:
            return []
        return [_statement(False, fact, f"{lead}为{distractors[0]}。", raw_label + distractors[0], rng, "value",
                           original=fact.value, changed=distractors[0])]
    return []


def _list_lead(fact: ListFact) -> str:
    return f"根据规划，{fact.subject}" if fact.place else f"根据{_where(fact.clause)}："


def _subject_noun(fact: ListFact, options: list[str]) -> str:
    if fact.place:
        return "哪个地区" if fact.place.kind == "region" else "哪个城市"
    if fact.clause.level >= 3 and all(o.endswith(_INDUSTRY_ENDINGS) for o in options):
        return "哪个产业"
    return ""


def _list_items(fact: ListFact, plan: Plan, kind: str, rng: random.Random) -> list[QuizItem]:
    lead, askable = _list_lead(fact), fact.askable
    if not askable or kind in ("multi", "choice") and not fact.closed:
        return []
    if kind == "multi":
        correct = rng.sample(askable, min(len(askable), rng.choice((2, 3))))
        distractors = plan.list_distractors(fact, rng, MULTI_OPTIONS - len(correct))
        if len(correct) < 2 or len(distractors) < 2:
            return []
        stem = f"{lead}{fact.before}{GAP}{fact.ending}。"
        return [_item("multi", fact, stem, [*correct, *distractors], correct, "member", rng)]
    if kind == "blank":
        position = fact.items.index(rng.choice(askable))
        shown = [BLANK if i == position else item for i, item in enumerate(fact.items)]
        return [_item("blank", fact, f"{lead}{fact.with_items(shown)}。", (), (fact.items[position],), "member", rng)]
    if kind == "choice":
        items = []
        answer = rng.choice(askable)
        distractors = plan.list_distractors(fact, rng, 3)
        if len(distractors) == 3:
            stem = f"{lead}{fact.before}{GAP}{fact.ending}。"
            items.append(_item("choice", fact, stem, [answer, *distractors], (answer,), "member", rng))
        subject = fact.subject or fact.clause.heading
        core = subject.removesuffix("地区")
        for ending in _INDUSTRY_ENDINGS:
            core = core.removesuffix(ending)
        # the stem must not give its answer away: 聚焦新兴软件 → 软件和信息技术服务业
        probes = [item for item in askable if _common(item, core) < 2]
        if not probes or core in fact.before + fact.ending:
            return items
        probe = rng.choice(probes)
        others = plan.subject_distractors(fact, probe, rng, 3)
        noun = _subject_noun(fact, [subject, *others])
        if len(others) == 3 and noun:
            stem = f"根据规划，下列{noun}{fact.before}{probe}{fact.ending}？"
            items.append(_item("choice", fact, stem, [subject, *others], (subject,), "subject", rng, probe=probe))
        return items
    if kind == "truefalse":
        if rng.random() < 0.5:
            return [_statement(True, fact, f"{lead}{fact.claim}。", fact.claim, rng, "member")]
        position = fact.items.index(rng.choice(askable))
        distractors = plan.list_distractors(fact, rng, 1)
        if not distractors:
            return []
        claim = fact.with_items(distractors[0] if i == position else item for i, item in enumerate(fact.items))
        return [_statement(False, fact, f"{lead}{claim}。", claim, rng, "member",
                           original=fact.items[position], changed=distractors[0])]
    return []


def _term_items(fact: TermFact, plan: Plan, kind: str, rng: random.Random) -> list[QuizItem]:
    lead, quoted = f"根据{_where(fact.clause)}：", f"“{fact.term}”"
    if kind == "blank":
        stem = f"{lead}{fact.claim.replace(quoted, f'“{BLANK}”')}。"
        return [_item("blank", fact, stem, (), (fact.term,), "term", rng)]
    if kind == "choice":
        distractors = plan.term_distractors(fact, rng, 3)
        if len(distractors) < 3:
            return []
        stem = f"{lead}{fact.claim.replace(quoted, GAP)}。"
        return [_item("choice", fact, stem, [fact.term, *distractors], (fact.term,), "term", rng)]
    if kind == "truefalse":
        if rng.random() < 0.5:
            return [_statement(True, fact, f"{lead}{fact.claim}。", fact.claim, rng, "term")]
        distractors = plan.term_distractors(fact, rng, 1)
        if not distractors:
            return []
        claim = fact.claim.replace(quoted, f"“{distractors[0]}”")
        return [_statement(False, fact, f"{lead}{claim}。", claim, rng, "term",
                           original=fact.term, changed=distractors[0])]
    return []


def _section_items(fact: SectionFact, plan: Plan, kind: str, rng: random.Random) -> list[QuizItem]:
    part = _where(fact.clause)
    if kind == "multi":
        correct = rng.sample(fact.members, min(len(fact.members), rng.choice((2, 3))))
        distractors = plan.section_distractors(fact, rng, MULTI_OPTIONS - len(correct))
        if len(distractors) < 2:
            return []
        return [_item("multi", fact, f"下列哪些属于{part}的内容？", [*correct, *distractors], correct, "section", rng)]
    if kind == "choice":
        answer = rng.choice(fact.members)
        distractors = plan.section_distractors(fact, rng, 3)
        if len(distractors) < 3:
            return []
        stem = f"下列哪一项属于{part}的内容？"
        return [_item("choice", fact, stem, [answer, *distractors], (answer,), "section", rng)]
    if kind == "truefalse":
        if rng.random() < 0.5:
            member = rng.choice(fact.members)
            return [_statement(True, fact, f"{_quoted(member)}属于{part}的内容。", member, rng, "section")]
        distractors = plan.section_distractors(fact, rng, 1)
        if not distractors:
            return []
        item = _statement(False, fact, f"{_quoted(distractors[0])}属于{part}的内容。", distractors[0], rng, "section")
        return [replace(item, explanation=f"{_quoted(distractors[0])}不在其中。{item.explanation}")]
    return []


_BUILDERS: dict[type, Callable[[_Fact, Plan, str, random.Random], list[QuizItem]]] = {
    QuantityFact: _quantity_items, TableFact: _table_items, ListFact: _list_items, TermFact: _term_items,
    SectionFact: _section_items,
}


# -- validation --------------------------------------------------------------------------------------

def problems(item: QuizItem, plan: Plan) -> list[str]:
    """Why an item cannot be shown: checked against the plan's text, not against how it was built."""
    found: list[str] = []
    clause = plan.document.clause(item.ref)
    if clause is None:
        return [f"no clause {item.ref}"]
    scope = plan.scope(item.ref)
    if any(line not in scope for line in item.evidence.splitlines()):
        found.append("evidence is not in the cited clause")
    if len(set(item.options)) != len(item.options) or any(not o.strip() for o in item.options):
        found.append("options repeat or are empty")
    if not item.answers or any(not a.strip() for a in item.answers):
        found.append("no answer")
    expected = {"choice": (4, 4), "multi": (4, MULTI_OPTIONS), "truefalse": (2, 2), "blank": (0, 0)}[item.kind]
    if not expected[0] <= len(item.options) <= expected[1]:
        found.append(f"{len(item.options)} options")
    if item.kind == "blank":
        if item.stem.count(BLANK) != 1:
            found.append("the stem needs exactly one blank")
    elif any(a not in item.options for a in item.answers):
        found.append("an answer is not among the options")
    distractors = [o for o in item.options if o not in item.answers]
    if item.kind == "choice" and len(item.answers) != 1:
        found.append("a single choice needs one answer")
    if item.kind == "multi" and (len(item.answers) < 2 or not distractors):
        found.append("a multiple choice needs two answers or more and a wrong option")
    if item.kind == "truefalse":
        found += _statement_problems(item, plan, scope)
        return found
    if item.focus == "section":
        members = {c.heading for c in plan.document.children(item.ref)}
        if any(a not in members for a in item.answers) or any(d in members or d in scope for d in distractors):
            found.append("membership does not match the sub-clauses")
        return found
    if item.focus == "subject":
        if any(a not in item.evidence and a != clause.heading for a in item.answers):
            found.append("the answer is neither in the cited words nor the clause's heading")
        if item.probe not in item.evidence or any(item.probe in plan.said_of(d) for d in distractors):
            found.append("another option also fits")
        return found
    if any(a not in item.evidence for a in item.answers):
        found.append("the answer is not in the cited words")
    stated = quantities(scope)
    for option in distractors:
        quantity = _as_quantity(option) if item.focus == "value" else None
        if quantity is not None:
            if quantity in stated or quantity in {_as_quantity(a) for a in item.answers}:
                found.append(f"distractor {option} is also stated in the clause")
        elif option in item.evidence or any(_related(option, a) for a in item.answers):
            found.append(f"distractor {option} is also in the cited words")
    return found


def _statement_problems(item: QuizItem, plan: Plan, scope: str) -> list[str]:
    true = item.answers == (TRUE,)
    if item.focus == "section":
        members = {c.heading for c in plan.document.children(item.ref)}
        judged = (item.claim in members) == true and _quoted(item.claim) in item.stem
        return [] if judged else ["a statement on membership is misjudged"]
    if true:
        return [] if item.claim in item.evidence else ["a true statement must be the plan's words"]
    altered = item.claim.replace(item.changed, item.original, 1)
    quantity = _as_quantity(item.changed)
    if (item.claim in scope or item.changed in item.evidence or altered not in item.evidence
            or item.changed not in item.stem or (quantity is not None and quantity in quantities(scope))):
        return ["a false statement must differ from the plan in one place"]
    return []


# -- selection ---------------------------------------------------------------------------------------

def build_quiz(documents: list[Document], request: QuizRequest) -> Quiz:
    """Same documents and request, same quiz: every random choice comes from the request's seed."""
    rng = random.Random(request.seed)
    places = load_gazetteer()
    candidates: dict[str, list[tuple[tuple[int, int], QuizItem]]] = {kind: [] for kind in request.kinds}
    titles: list[str] = []
    for number, document in enumerate(documents):
        if request.section and document.clause(request.section) is None:
            continue
        titles.append(document.meta.title)
        plan = Plan(document, places)
        for fact in plan.facts:
            if request.section and not plan.within(fact.clause.ref, request.section):
                continue
            for kind in request.kinds:
                for item in _BUILDERS[type(fact)](fact, plan, kind, rng):
                    issues = problems(item, plan)
                    if issues:
                        log.debug("dropped %s item on %s: %s", kind, item.ref, "; ".join(issues))
                    elif not request.difficulty or item.difficulty == request.difficulty:
                        candidates[kind].append(((number, fact.clause.order), item))
    if request.section and not titles:
        raise QuizError(f"没有条款“{request.section}”。范围写作条款编号，如 二、二（三）、二（三）5、专栏")
    picked = _pick(candidates, request, rng)
    picked.sort(key=lambda pair: (KINDS.index(pair[1].kind), pair[0]))
    title = "、".join(f"《{t}》" for t in dict.fromkeys(titles)) or "规划"
    return Quiz(title, request, tuple(item for _, item in picked))


def _pick(candidates: dict[str, list[tuple[tuple[int, int], QuizItem]]], request: QuizRequest,
          rng: random.Random) -> list[tuple[tuple[int, int], QuizItem]]:
    """Round-robin over the requested kinds, one item per fact, preferring clauses not yet asked about
    and the kind of fact (number, list, term, …) asked least so far. The same answer drawn from the same
    sentence counts as the same fact too (two lists of one sentence both answered by 轻工产业)."""
    for pool in candidates.values():
        rng.shuffle(pool)
    picked: list[tuple[tuple[int, int], QuizItem]] = []
    facts: set[str | tuple[str, tuple[str, ...]]] = set()
    refs: set[str] = set()
    focus_counts: dict[tuple[str, str], int] = {}
    while len(picked) < request.count:
        progress = False
        for kind in request.kinds:
            if len(picked) == request.count:
                break
            pool = [pair for pair in candidates[kind]
                    if pair[1].fact not in facts and (pair[1].evidence, pair[1].answers) not in facts]
            candidates[kind] = pool
            if not pool:
                continue
            choice = min(pool, key=lambda pair: (focus_counts.get((kind, pair[1].focus), 0), pair[1].ref in refs))
            pool.remove(choice)
            picked.append(choice)
            facts.update((choice[1].fact, (choice[1].evidence, choice[1].answers)))
            refs.add(choice[1].ref)
            focus_counts[kind, choice[1].focus] = focus_counts.get((kind, choice[1].focus), 0) + 1
            progress = True
        if not progress:
            break
    return picked


# -- command line ------------------------------------------------------------------------------------

def command(args, settings) -> int:
    """python -m rag quiz: reads the corpus directly (no embedding model) and writes the quiz."""
    from ..corpus.load import load_corpus
    from .export import FORMATS, render, save

    fmt = (args.format or "md").lower()
    try:
        if fmt not in FORMATS:
            raise QuizError(f"未知格式“{args.format}”，可选：{'、'.join(FORMATS)}")
        if fmt == "docx" and not args.output:
            raise QuizError("DOCX 格式需要用 -o 指定输出文件，例如 -o quiz.docx")
        request = QuizRequest.parse(args.n, args.section, args.types, args.difficulty, args.seed)
        quiz = build_quiz(load_corpus(settings.corpus_dir), request)
    except QuizError as error:
        print(f"错误：{error}", file=sys.stderr)
        return 2
    if not quiz.items:
        print("错误：没有符合条件的题目，请放宽范围、题型或难度", file=sys.stderr)
        return 1
    if quiz.note:
        print(f"注意：{quiz.note}", file=sys.stderr)
    if not args.output:
        sys.stdout.write(render(quiz, fmt, answers=not args.no_answers))
        return 0
    try:
        path = save(quiz, fmt, Path(args.output), answers=not args.no_answers)
    except OSError as error:
        print(f"错误：无法写入 {args.output}：{error.strerror or error}", file=sys.stderr)
        return 1
    print(f"已写入 {path}：{len(quiz.items)} 题", file=sys.stderr)
    return 0

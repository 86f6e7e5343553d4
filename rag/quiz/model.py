"""What a quiz is: its kinds of item, difficulties, the request a trainer makes, the items and the quiz."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from ..text import normalize

MAX_ITEMS = 200
TRUE, FALSE = "正确", "错误"
BLANK = "＿＿＿＿"  # where a fill-in answer goes
GAP = "（　　）"  # where the chosen option goes
LETTERS = "ABCDE"
MULTI_OPTIONS = 5


class QuizError(ValueError):
    """The request cannot be met; the message says why, in words a trainer understands."""


class Kind(StrEnum):
    """Kinds of item, in the order of the parts of a printed quiz."""

    BLANK = "blank"
    CHOICE = "choice"
    MULTI = "multi"
    TRUEFALSE = "truefalse"

    label = property(lambda self: _LABELS[self])

    @property
    def has_options(self) -> bool:
        return self in (Kind.CHOICE, Kind.MULTI)


class Difficulty(StrEnum):
    EASY = "easy"
    MEDIUM = "medium"
    HARD = "hard"

    label = property(lambda self: _LABELS[self])


class Focus(StrEnum):
    """What an item asks for."""

    VALUE = "value"  # a number, or an indicator's category
    MEMBER = "member"  # an item of an enumeration
    TERM = "term"  # a quoted key term
    SUBJECT = "subject"  # whose enumeration it is (which industry, which city)
    SECTION = "section"  # a sub-clause of a part of the plan


KINDS = tuple(Kind)
DIFFICULTIES = tuple(Difficulty)
_LABELS = {
    Kind.BLANK: "填空题", Kind.CHOICE: "单项选择题", Kind.MULTI: "多项选择题", Kind.TRUEFALSE: "判断题",
    Difficulty.EASY: "易", Difficulty.MEDIUM: "中", Difficulty.HARD: "难",
}
_KIND_NAMES = {kind.value: kind for kind in Kind} | {
    "填空": Kind.BLANK, "填空题": Kind.BLANK, "single": Kind.CHOICE, "单选": Kind.CHOICE, "单选题": Kind.CHOICE,
    "单项选择题": Kind.CHOICE, "多选": Kind.MULTI, "多选题": Kind.MULTI, "多项选择题": Kind.MULTI, "tf": Kind.TRUEFALSE,
    "判断": Kind.TRUEFALSE, "判断题": Kind.TRUEFALSE,
}
_DIFFICULTY_NAMES = {level.value: level for level in Difficulty} | {
    "易": Difficulty.EASY, "简单": Difficulty.EASY, "中": Difficulty.MEDIUM, "中等": Difficulty.MEDIUM,
    "难": Difficulty.HARD, "困难": Difficulty.HARD,
}


@dataclass(frozen=True)
class QuizRequest:
    count: int = 10
    section: str = ""  # a clause reference such as 二 or 二（三）; empty for the whole plan
    kinds: tuple[Kind, ...] = KINDS
    difficulty: Difficulty | None = None  # None for any
    seed: int = 0

    def __post_init__(self) -> None:  # kinds and difficulty may be given by their values ("blank", "hard")
        object.__setattr__(self, "kinds", tuple(Kind(k) for k in self.kinds))
        object.__setattr__(self, "difficulty", Difficulty(self.difficulty) if self.difficulty else None)

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
        kinds: list[Kind] = []
        for name in (n.strip().lower() for n in names):
            if not name:
                continue
            kind = _KIND_NAMES.get(name)
            if kind is None:
                raise QuizError(f"未知题型“{name}”，可选：{','.join(KINDS)}（填空、单选、多选、判断）")
            if kind not in kinds:
                kinds.append(kind)
        level = (difficulty or "").strip().lower()
        if level and level not in _DIFFICULTY_NAMES:
            raise QuizError(f"未知难度“{difficulty}”，可选：easy、medium、hard")
        return cls(count, normalize(section or "").strip().rstrip("、"), tuple(kinds) or KINDS,
                   _DIFFICULTY_NAMES.get(level), seed)


@dataclass(frozen=True)
class QuizItem:
    kind: Kind
    stem: str
    options: tuple[str, ...]  # choice/multi: the texts; truefalse: 正确, 错误; blank: none
    answers: tuple[str, ...]  # the correct options, or the words that fill the blank
    ref: str  # the clause that settles the answer
    title: str
    evidence: str  # the plan's words the item is built on, quoted in the explanation
    explanation: str
    focus: Focus
    fact: str  # the fact tested; a quiz tests each fact at most once
    difficulty: Difficulty
    doc_id: str
    probe: str = ""  # subject items: the thing whose owner is asked for
    claim: str = ""  # true/false items: the statement's words as in, or altered from, the plan
    original: str = ""  # false statements: the plan's words that were changed
    changed: str = ""  # … and what they became

    @property
    def key(self) -> str:
        """The answer as a quiz platform records it: letters, 正确/错误, or the blank's words."""
        if self.kind.has_options:
            return "".join(LETTERS[self.options.index(a)] for a in self.answers)
        return "；".join(self.answers)

    @property
    def distractors(self) -> list[str]:
        return [o for o in self.options if o not in self.answers]


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
        kinds = "、".join(k.label for k in request.kinds)
        level = request.difficulty.label if request.difficulty else "不限"
        return (f"范围：{request.section or '全文'}｜题型：{kinds}｜难度：{level}｜题量：{len(self.items)}"
                f"｜随机种子：{request.seed}")

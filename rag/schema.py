"""Domain objects passed between the steps of the pipeline. Defined once, imported everywhere."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import StrEnum


class ClauseKind(StrEnum):
    NOTICE = "notice"  # the notice that issues the document (header, recipients, signature)
    PREAMBLE = "preamble"  # text before the first numbered part
    CLAUSE = "clause"  # a numbered clause of the outline
    TABLE = "table"  # a 专栏 table: its title and notes
    INDICATOR = "indicator"  # one row of a target table


class Route(StrEnum):
    """How a clause was found for a question."""

    REFERENCE = "reference"  # the question names it (二（三）5, 指标11)
    INDICATOR = "indicator"  # a table row whose name the question covers
    HYBRID = "hybrid"  # dense + BM25 search


class AnswerSource(StrEnum):
    EXTRACTIVE = "extractive"  # sentences quoted from the plan
    LLM = "llm"  # a model's answer that passed verification


class DocumentKind(StrEnum):
    PLAN = "plan"  # 一、/（一）/1. outline, 专栏 tables
    REGULATION = "regulation"  # 第X章/第X节/第X条 with 款 and 项
    NOTICE = "notice"  # a notice of its own: 正文, then 附件1/附件2 each with its own references
    UNSTRUCTURED = "unstructured"  # no numbering at all: paragraphs; left out of the library unless asked for


CURRENT = "现行有效"
REPEALED = "已废止"


@dataclass(frozen=True)
class DocumentMeta:
    doc_id: str
    title: str
    issuer: str  # the issuing bodies, joined by 、
    doc_number: str  # 文号, e.g. 湘政发〔2026〕6号
    date: str  # date of issue (成文日期) as written, e.g. 2026年6月2日
    source: str  # file name inside the corpus folder
    recipients: str = ""  # 主送机关 (印发对象), e.g. 各市州、县市区人民政府……
    issuers: tuple[str, ...] = ()
    effective: str = ""  # date of effect (施行日期) as written, when the text gives one
    published: str = ""  # date the web page was published (发布日期), when the file says so
    status: str = CURRENT  # 现行有效 / 已废止 (settable in the library)
    kind: DocumentKind = DocumentKind.PLAN
    publicity: str = ""  # 公开方式 as the signature says it (（此件主动公开）→ 主动公开), when it does

    @property
    def label(self) -> str:
        """How an answer names the document: its 文号, else its title."""
        return self.doc_number or self.title

    @property
    def sort_date(self) -> str:
        """The date of issue as YYYY-MM-DD (for newest-first ordering); empty when unknown."""
        match = re.search(r"(\d{4})\D(\d{1,2})\D(\d{1,2})", self.date or self.published)
        return f"{match.group(1)}-{int(match.group(2)):02d}-{int(match.group(3)):02d}" if match else ""

    @property
    def year(self) -> int:
        """Year of issue from the date as written (0 when it names none)."""
        found = re.search(r"(\d{4})\s*年", self.date)
        return int(found.group(1)) if found else 0


@dataclass(frozen=True)
class Clause:
    """One citable unit of a document: a numbered clause, the preamble, the notice, a table row."""

    doc_id: str
    ref: str  # stable reference: 二（三）5, 前言, 通知, 专栏·指标11
    kind: ClauseKind
    level: int  # depth in the outline: 1 for 一、, 2 for （一）, 3 for 1., 4 for （1）; 0 outside it
    heading: str  # the clause's own title, e.g. 新材料产业 (may be empty)
    title_path: tuple[str, ...]  # outline titles from the top down to this clause
    text: str  # the whole clause as written (heading included)
    parent: str | None = None  # ref of the enclosing clause
    order: int = 0  # position in the document

    @property
    def title(self) -> str:
        return " › ".join(self.title_path)


@dataclass(frozen=True)
class Indicator:
    """A row of a target table (专栏), with the table's notes applied."""

    doc_id: str
    ref: str  # 专栏·指标11
    number: int
    category: str
    name: str
    unit: str
    base_raw: str  # cell as printed, e.g. 29.2*
    target_raw: str  # cell as printed, e.g. ≥[3000]
    base_value: str | None  # cleaned value, None where the table prints "/"
    target_value: str
    base_label: str  # column header, e.g. 基期值（2025年）
    target_label: str
    base_notes: tuple[str, ...] = ()
    target_notes: tuple[str, ...] = ()
    row_notes: tuple[str, ...] = ()  # note sentences that name this indicator

    def describe(self) -> str:
        """The row as one exact statement, the table's notes applied."""
        base = "无基期值" if self.base_value is None else self.base_label + self._quantity(self.base_value, self.base_notes)
        target = self.target_label + self._quantity(self.target_value, self.target_notes)
        notes = "".join(f"（注：{note}）" for note in self.row_notes)
        return f"{self.name}：{base}，{target}（单位：{self.unit}）{notes}"

    def _quantity(self, value: str, notes: tuple[str, ...]) -> str:
        unit = self.unit if any(ch.isdigit() for ch in value) else ""
        return value + unit + "".join(f"（{note}）" for note in notes)


@dataclass
class Document:
    meta: DocumentMeta
    clauses: list[Clause]
    indicators: list[Indicator] = field(default_factory=list)

    @property
    def doc_id(self) -> str:
        return self.meta.doc_id

    def __post_init__(self) -> None:
        self._by_ref = {c.ref: c for c in self.clauses}

    def clause(self, ref: str) -> Clause | None:
        return self._by_ref.get(ref)

    def children(self, ref: str | None) -> list[Clause]:
        return [c for c in self.clauses if c.parent == ref]

    def indicator(self, number: int) -> Indicator | None:
        return next((row for row in self.indicators if row.number == number), None)

    def row(self, ref: str) -> Indicator | None:
        """The target-table row a clause reference names (专栏·指标11), if it is one."""
        return next((row for row in self.indicators if row.ref == ref), None)


@dataclass(frozen=True)
class Citation:
    doc_id: str
    ref: str
    title: str
    text: str  # the whole clause
    score: float
    doc_title: str = ""
    doc_number: str = ""  # 文号

    def to_dict(self) -> dict:
        return {"doc_id": self.doc_id, "doc_title": self.doc_title, "doc_number": self.doc_number, "ref": self.ref,
                "title": self.title, "text": self.text, "score": round(self.score, 4)}


@dataclass(frozen=True)
class Statement:
    """One sentence of an answer and the clause it comes from."""

    text: str
    ref: str
    doc: str = ""  # the document's label when the library holds several (湘政发〔2026〕6号); empty for one

    @property
    def label(self) -> str:
        return f"{self.doc} {self.ref}" if self.doc else self.ref


@dataclass(frozen=True)
class Answer:
    """What the assistant says: the text (statements with their 【ref】), whether it is a refusal, and the
    clauses it cites. Frozen: a stage that adds to it makes a new one (dataclasses.replace)."""

    question: str
    text: str
    refused: bool
    citations: tuple[Citation, ...]
    statements: tuple[Statement, ...] = ()
    notice: str = ""  # e.g. "问题过长，已截取前500字"

    def to_dict(self) -> dict:
        data = {
            "answer": self.text,
            "refused": self.refused,
            "citations": [c.to_dict() for c in self.citations],
        }
        if self.notice:
            data["notice"] = self.notice
        return data


@dataclass(frozen=True)
class Generation:
    """An answer and who wrote it. `reason` says why a generated answer fell back to the extractive one."""

    answer: Answer
    source: AnswerSource
    reason: str = ""


@dataclass(frozen=True)
class Concept:
    """One thing a question asks about: the word as typed and the forms the plan may use for it."""

    word: str
    forms: tuple[str, ...]  # the word and its synonyms
    generic: bool  # e.g. 2030年, 目标, 全省: says little about which clause is meant
    known: bool = True  # some form of it occurs in the corpus
    salient: bool = False  # a real noun (not a fragment): an answer that misses it misses part of the question
    proper: bool = False  # a name (place, organisation): if the corpus never uses it, the plan does not cover it
    qualifier: bool = False  # narrows the scope (全国, 湖北, 十四五, a city): a number must name it too
    broader: tuple[str, ...] = ()  # what contains it (a city's region), a word near in meaning: covers it less
    dictionary: bool = True  # a word of jieba's dictionary, not a fragment of how the question was cut (期是)


@dataclass(frozen=True)
class Query:
    """A question analysed: cleaned text, search terms, concepts, explicit references and intent."""

    text: str
    terms: tuple[str, ...]
    concepts: tuple[Concept, ...]
    clause_refs: tuple[str, ...] = ()  # reference patterns written in the question, e.g. （三）5
    indicator_numbers: tuple[int, ...] = ()
    wants_number: bool = False
    wants_list: bool = False
    mentions_target: bool = False  # speaks of a target or size (营收, 目标, 规模): its number belongs in the answer
    quantities: tuple[str, ...] = ()  # numbers with units and years the question states (to check premises)
    unanswerable: tuple[tuple[str, str], ...] = ()  # (what plans do not give, pattern an answer must match)
    notice: str = ""

    @property
    def key_concepts(self) -> tuple[Concept, ...]:
        return tuple(c for c in self.concepts if not c.generic)


@dataclass(frozen=True)
class Hit:
    """A clause found for a query, with the evidence of why."""

    clause: Clause
    score: float  # fused rank score (higher is better)
    route: Route

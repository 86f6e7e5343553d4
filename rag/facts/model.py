"""Plan facts: quantitative statements and the catalogue of numbered items, as typed records."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Bound(StrEnum):
    EXACT = "exact"
    AT_LEAST = "at_least"  # ≥, 以上, 不少于, 超过
    AT_MOST = "at_most"  # ≤, 以下, 不超过, 以内


class Role(StrEnum):
    BASE = "base"  # the value of the base year (基期值)
    TARGET = "target"  # what is to be reached by the target year


@dataclass(frozen=True)
class Fact:
    """One quantitative statement of a document: 新材料产业 营收 2030年 ≥/力争 7700亿元 【二（三）5】."""

    doc_id: str
    ref: str  # the clause that states it
    subject: str  # what the number is about: 新材料产业, 基础级智能工厂, an indicator's name
    measure: str  # what is measured: 营收, 数量, or the indicator's name
    year: str  # 2030, 2025 (empty when the text gives none)
    value: float
    value_text: str  # the number as written: 7700, 51.7
    unit: str  # 亿元, 家, %
    bound: Bound
    role: Role
    span: str  # the verbatim words that state it
    aspiration: bool = False  # 力争: a target the plan strives for
    category: str = ""  # the part of the outline the subject belongs to: 新兴产业, 质量效益
    table: bool = False  # a row of a target table (专栏), not a sentence

    @classmethod
    def from_record(cls, row: dict) -> "Fact":
        """From ``dataclasses.asdict`` of a fact, read back from JSON."""
        return cls(**{**row, "bound": Bound(row["bound"]), "role": Role(row["role"])})

    @property
    def quantity(self) -> str:
        """The value with its unit and bound as the plan writes it: 7700亿元, ≥54%, 700家以上."""
        if self.bound == Bound.AT_LEAST:
            return f"≥{self.value_text}{self.unit}" if self.unit in ("%", "‰") else f"{self.value_text}{self.unit}以上"
        if self.bound == Bound.AT_MOST:
            return f"≤{self.value_text}{self.unit}" if self.unit in ("%", "‰") else f"{self.value_text}{self.unit}以下"
        return f"{self.value_text}{self.unit}"

    def to_dict(self) -> dict:
        return {"doc_id": self.doc_id, "ref": self.ref, "subject": self.subject, "measure": self.measure,
                "year": self.year, "value": self.value, "unit": self.unit, "bound": str(self.bound),
                "role": str(self.role), "aspiration": self.aspiration, "category": self.category, "table": self.table, "span": self.span}


@dataclass(frozen=True)
class Item:
    """A numbered item of the outline with a subject of its own (5.新材料产业), where it belongs and the places
    it names."""

    doc_id: str
    ref: str
    name: str  # 新材料产业
    category: str  # from its parent heading: 培育壮大新兴产业 → 新兴产业
    parent: str  # the parent's ref: 二（三）
    places: tuple[str, ...] = ()

    @classmethod
    def from_record(cls, row: dict) -> "Item":
        return cls(**{**row, "places": tuple(row["places"])})

    def to_dict(self) -> dict:
        return {"doc_id": self.doc_id, "ref": self.ref, "name": self.name, "category": self.category,
                "parent": self.parent, "places": list(self.places)}


@dataclass(frozen=True)
class PlanFacts:
    """Every fact and item of a set of documents."""

    facts: tuple[Fact, ...]
    items: tuple[Item, ...]

    def facts_of(self, ref: str) -> tuple[Fact, ...]:
        return tuple(f for f in self.facts if f.ref == ref)

"""What an eval run measures: one question's outcome, and the summary of a set of outcomes."""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field


@dataclass
class Outcome:
    id: str
    type: str
    should_refuse: bool
    refused: bool
    recall_at_1: float | None
    recall_at_5: float | None
    citation_precision: float | None
    facts_found: int
    facts_total: int
    fully_correct: bool
    latency_ms: float
    missing: list[str] = field(default_factory=list)


def _mean(values: list[float | None]) -> float | None:
    present = [v for v in values if v is not None]
    return round(statistics.fmean(present), 4) if present else None


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(share * len(ordered)))], 1) if ordered else 0.0


def summarize(outcomes: list[Outcome]) -> dict:
    answerable = [o for o in outcomes if not o.should_refuse]
    refusable = [o for o in outcomes if o.should_refuse]
    latencies = [o.latency_ms for o in outcomes]
    return {
        "questions": len(outcomes),
        "recall_at_1": _mean([o.recall_at_1 for o in answerable]),
        "recall_at_5": _mean([o.recall_at_5 for o in answerable]),
        "citation_precision": _mean([o.citation_precision for o in answerable]),
        "fact_accuracy": _mean([o.facts_found / o.facts_total for o in answerable if o.facts_total]),
        "fully_correct": _mean([float(o.fully_correct) for o in outcomes]),
        "refusal_recall": _mean([float(o.refused) for o in refusable]),
        "false_refusals": sum(o.refused for o in answerable),
        "false_refusal_rate": round(sum(o.refused for o in answerable) / len(answerable), 4) if answerable else 0.0,
        "latency_p50_ms": _percentile(latencies, 0.5),
        "latency_p95_ms": _percentile(latencies, 0.95),
    }


def summarize_by_type(outcomes: list[Outcome]) -> dict[str, dict]:
    types = sorted({o.type for o in outcomes})
    return {t: summarize([o for o in outcomes if o.type == t]) for t in types}

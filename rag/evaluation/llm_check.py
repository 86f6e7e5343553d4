"""What `rag eval --llm` adds to the report: how many answers were the model's own verified answers, why the
others fell back, how many model refusals were overridden, and the same questions through the extractive
pipeline alone, so the two can be compared question for question."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

from ..schema import Answer, AnswerSource
from .metrics import summarize


def recorder(answerer) -> tuple[Callable[[str], Answer], list]:
    """An answer function for the harness that keeps every Attempt it made (in order)."""
    attempts: list = []

    def answer(question: str) -> Answer:
        attempt = answerer.generate(question)
        attempts.append(attempt)
        return attempt.answer

    return answer, attempts


def _reason(attempt) -> str:
    return f"{attempt.outcome}:{attempt.check}" if attempt.check else str(attempt.outcome)


def summarize_attempts(attempts: list, llm: list, extractive: list) -> dict:
    """`attempts` and the judged outcomes `llm` are for the same questions, in order; `extractive` is
    the extractive pipeline's outcomes on them."""
    ours, theirs = summarize(llm), summarize(extractive)
    model = [a for a in attempts if a.source == AnswerSource.LLM]
    fallbacks = Counter(_reason(a) for a in attempts if a.source != AnswerSource.LLM)
    return {
        "questions": len(attempts),
        "verified_model_answers": len(model),
        "verified_share": round(len(model) / len(attempts), 4) if attempts else 0.0,
        "model_refusals_overridden": fallbacks.get("refusal_overridden", 0),
        "fallbacks": dict(fallbacks.most_common()),
        "answered_turned_into_refusals": sum(o.refused and not e.refused for o, e in zip(llm, extractive)),
        "fully_correct": {"llm": ours["fully_correct"], "extractive": theirs["fully_correct"]},
        "false_refusals": {"llm": ours["false_refusals"], "extractive": theirs["false_refusals"]},
        "latency_p50_ms": {"llm": ours["latency_p50_ms"], "extractive": theirs["latency_p50_ms"]},
        "latency_p95_ms": {"llm": ours["latency_p95_ms"], "extractive": theirs["latency_p95_ms"]},
    }


def table(summary: dict) -> list[str]:
    """The summary as a Markdown table (also what `make llm-check` prints)."""
    n = summary["questions"]
    fallbacks = ", ".join(f"{reason} {count}" for reason, count in summary["fallbacks"].items()) or "none"
    both = [(label, summary[key]) for key, label in (("fully_correct", "fully correct"),
                                                     ("false_refusals", "false refusals"),
                                                     ("latency_p50_ms", "latency p50 (ms)"),
                                                     ("latency_p95_ms", "latency p95 (ms)"))]
    return [
        f"| {n} questions | with LLM | extractive only |",
        "|---|---|---|",
        *(f"| {label} | {values['llm']} | {values['extractive']} |" for label, values in both),
        f"| verified model answers | {summary['verified_model_answers']}/{n} ({summary['verified_share']:.2f}) | – |",
        f"| model refusals overridden | {summary['model_refusals_overridden']} | – |",
        f"| answered extractively, refused with LLM | {summary['answered_turned_into_refusals']} | – |",
        f"| fallbacks by reason | {fallbacks} | – |",
    ]

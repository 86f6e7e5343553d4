"""The eval harness: runs the curated question set through the pipeline and the plain-LlamaIndex
baseline on the same machine, and writes evals/report.md (for people) and report.json (for the gate)."""

from __future__ import annotations

import json
import logging
import re
import statistics
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

from ..config import PROJECT_ROOT, Settings
from ..schema import Answer

log = logging.getLogger(__name__)

DEFAULT_QUESTIONS = PROJECT_ROOT / "evals" / "questions.jsonl"
DEFAULT_OUT = PROJECT_ROOT / "evals"
TARGETS = {"recall_at_5": 0.95, "fully_correct": 0.85, "refusal_recall": 0.90, "false_refusal_rate": 0.03,
           "latency_p95_ms": 150.0}


@dataclass(frozen=True)
class EvalQuestion:
    id: str
    question: str
    type: str
    evidence: list[str]
    answer_facts: list[str]
    should_refuse: bool
    note: str = ""


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


def load_questions(path: Path) -> list[EvalQuestion]:
    questions = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if line.strip():
            try:
                questions.append(EvalQuestion(**json.loads(line)))
            except (json.JSONDecodeError, TypeError) as error:
                raise ValueError(f"{path}:{number}: not an eval question ({error})") from error
    return questions


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def holds(text: str, evidence: str) -> bool:
    return _squash(evidence) in _squash(text)


def fact_found(answer: str, fact: str) -> bool:
    """A bare number must stand alone (5 is not found in 1500); anything else is a substring."""
    if re.fullmatch(r"\d+(?:\.\d+)?", fact):
        return re.search(rf"(?<![\d.]){re.escape(fact)}(?![\d.]|\.\d)", answer) is not None
    return _squash(fact) in _squash(answer)


def _recall(evidence: list[str], texts: list[str]) -> float | None:
    if not evidence:
        return None
    return sum(any(holds(t, e) for t in texts) for e in evidence) / len(evidence)


def judge(q: EvalQuestion, answer_text: str, refused: bool, cited: list[str], retrieved: list[str],
          latency_ms: float) -> Outcome:
    missing = []
    facts = [f for f in q.answer_facts if fact_found(answer_text, f)]
    if not refused:
        missing += [f"fact:{f}" for f in q.answer_facts if f not in facts]
        missing += [f"cite:{e}" for e in q.evidence if not any(holds(t, e) for t in cited)]
    precision = None
    if cited and not refused and q.evidence:
        precision = sum(any(holds(t, e) for e in q.evidence) for t in cited) / len(cited)
    if q.should_refuse:
        correct = refused
        if not refused:
            missing.append("should have refused")
    else:
        correct = not refused and not missing
        if refused:
            missing.append("refused wrongly")
    return Outcome(q.id, q.type, q.should_refuse, refused, _recall(q.evidence, retrieved[:1]),
                   _recall(q.evidence, retrieved[:5]), precision, len(facts), len(q.answer_facts), correct,
                   latency_ms, missing)


def evaluate_pipeline(assistant, questions: list[EvalQuestion], answer: Callable[[str], Answer]) -> list[Outcome]:
    from ..qa.query import clean_question

    answer("预热：新材料产业营收目标")  # the first call pays one-off costs; latency is measured warm
    outcomes = []
    for q in questions:
        text, _ = clean_question(q.question, assistant.settings.max_question_chars)
        retrieved = [h.clause.text for h in assistant.retrieve(text)[1][:5]]
        started = time.perf_counter()
        result = answer(q.question)
        latency = (time.perf_counter() - started) * 1000
        cited = [c.text for c in result.citations] if not result.refused else []
        outcomes.append(judge(q, result.text, result.refused, cited, retrieved, latency))
    return outcomes


def evaluate_baseline(baseline, questions: list[EvalQuestion]) -> list[Outcome]:
    outcomes = []
    for q in questions:
        started = time.perf_counter()
        chunks = baseline.retrieve(q.question)
        text = baseline.answer(q.question, chunks)
        latency = (time.perf_counter() - started) * 1000
        outcomes.append(judge(q, text, False, chunks[:1], chunks, latency))
    return outcomes


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


def run(settings: Settings, questions_path: Path = DEFAULT_QUESTIONS, out_dir: Path = DEFAULT_OUT,
        assistant=None, llm: bool = False, with_baseline: bool = True) -> dict:
    from .baseline import BaselinePipeline
    from ..index.store import build_index
    from ..qa.engine import Assistant

    questions = load_questions(questions_path)
    assistant = assistant or Assistant(settings)
    with tempfile.TemporaryDirectory() as scratch:  # a full build, timed, without touching the live index
        started = time.perf_counter()
        build_index(replace(settings, data_dir=Path(scratch)), assistant.embedder, assistant.tokenizer,
                    assistant.documents)
        build_seconds = round(time.perf_counter() - started, 2)
    answer, attempts = assistant.ask, []
    if llm:
        from ..qa.answerers.generative import GenerativeAnswerer
        from .llm_check import recorder

        answer, attempts = recorder(GenerativeAnswerer(settings, assistant))
    ours = evaluate_pipeline(assistant, questions, answer)
    report = {
        "pipeline": "llm" if llm else "extractive",
        "model": assistant.embedder.model_id,
        "index_build_seconds": build_seconds,
        "ours": summarize(ours),
        "ours_by_type": summarize_by_type(ours),
        "failures": [asdict(o) for o in ours if not o.fully_correct],
    }
    if llm:  # the model's share of the answers, beside the extractive pipeline on the same questions
        from .llm_check import summarize_attempts

        extractive = evaluate_pipeline(assistant, questions, assistant.ask)
        report["llm"] = summarize_attempts(attempts[-len(questions):], ours, extractive)
    if with_baseline:
        baseline = evaluate_baseline(BaselinePipeline(settings.corpus_dir, assistant.embedder), questions)
        report["baseline"] = summarize(baseline)
        report["baseline_by_type"] = summarize_by_type(baseline)
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "report.json").write_text(json.dumps(report, ensure_ascii=False, indent=1), encoding="utf-8")
    (out_dir / "report.md").write_text(render_markdown(report, questions), encoding="utf-8")
    return report


_LABELS = {
    "recall_at_1": "evidence recall@1",
    "recall_at_5": "evidence recall@5",
    "citation_precision": "citation precision",
    "fact_accuracy": "answer-fact accuracy",
    "fully_correct": "fully correct",
    "refusal_recall": "refusal recall",
    "false_refusals": "false refusals (count)",
    "false_refusal_rate": "false-refusal rate",
    "latency_p50_ms": "warm latency p50 (ms)",
    "latency_p95_ms": "warm latency p95 (ms)",
}


def _cell(value) -> str:
    return "–" if value is None else (f"{value:.3f}" if isinstance(value, float) and value <= 1 else str(value))


def render_markdown(report: dict, questions: list[EvalQuestion]) -> str:
    ours, base = report["ours"], report.get("baseline", {})
    lines = [
        "# Evaluation report",
        "",
        f"{ours['questions']} questions · pipeline: {report['pipeline']} · embedding model: {report['model']} · "
        f"index build: {report['index_build_seconds']} s",
        "",
        "| metric | ours | baseline (plain LlamaIndex) | target |",
        "|---|---|---|---|",
    ]
    for key, label in _LABELS.items():
        target = TARGETS.get(key)
        bound = "" if target is None else ("≤ " if "latency" in key or "false" in key else "≥ ") + str(target)
        lines.append(f"| {label} | {_cell(ours.get(key))} | {_cell(base.get(key))} | {bound} |")
    lines += ["", "## By question type", "",
              "| type | n | recall@5 | citation precision | facts | fully correct | refusal recall | "
              "baseline fully correct |", "|---|---|---|---|---|---|---|---|"]
    for kind, row in report["ours_by_type"].items():
        base_row = report.get("baseline_by_type", {}).get(kind, {})
        lines.append(f"| {kind} | {row['questions']} | {_cell(row['recall_at_5'])} | "
                     f"{_cell(row['citation_precision'])} | {_cell(row['fact_accuracy'])} | "
                     f"{_cell(row['fully_correct'])} | {_cell(row['refusal_recall'])} | "
                     f"{_cell(base_row.get('fully_correct'))} |")
    if "llm" in report:
        from .llm_check import table

        lines += ["", "## LLM answers", "", *table(report["llm"])]
    by_id = {q.id: q for q in questions}
    lines += ["", f"## Failing questions ({len(report['failures'])})", ""]
    for failure in report["failures"]:
        q = by_id[failure["id"]]
        lines.append(f"- **{q.id}** ({q.type}) {q.question} — missing: {'; '.join(failure['missing'])}")
    lines += ["", "Baseline: SentenceSplitter default chunks (1024 tokens, overlap 200) of the raw file, dense-only "
              "top-5 with the same embedding model, answer = the 3 sentences of the top chunk sharing the most "
              "character bigrams with the question; its citation is the top chunk. Produced by `make eval`.", ""]
    return "\n".join(lines)


def command(args, settings: Settings) -> int:
    if args.llm and not settings.llm_enabled:
        print("错误：--llm 需要先设置 RAG_LLM_BASE_URL 和 RAG_LLM_MODEL（见 README）")
        return 2
    questions = Path(args.questions) if args.questions else DEFAULT_QUESTIONS
    out_dir = Path(args.out) if args.out else DEFAULT_OUT
    report = run(settings, questions, out_dir, llm=args.llm, with_baseline=not args.llm)
    ours = report["ours"]
    print(f"fully correct {ours['fully_correct']}, recall@5 {ours['recall_at_5']}, refusal recall "
          f"{ours['refusal_recall']}, false refusals {ours['false_refusals']}, p95 {ours['latency_p95_ms']} ms "
          f"→ {out_dir / 'report.md'}")
    if args.llm:
        from .llm_check import table

        print("\n".join(table(report["llm"])))
    return 0

"""The eval harness: runs the curated question set through the pipeline and the plain-LlamaIndex
baseline on the same machine, and writes evals/report.md (for people) and report.json (for the gate)."""

from __future__ import annotations

import json
import logging
import re
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from pathlib import Path

from ..config import PROJECT_ROOT, Settings
from ..schema import Answer
from .metrics import Outcome, summarize, summarize_by_type

log = logging.getLogger(__name__)

EVALS = PROJECT_ROOT / "evals"
EVAL_SETS = {"dev": EVALS / "dev.jsonl", "test": EVALS / "test.jsonl"}
FROZEN_SETS = {"test"}  # written blind; never tuned on: the report gives its failures as counts only
GATED_SET = "test"
DEFAULT_OUT = EVALS
THRESHOLDS_FILE = EVALS / "thresholds.json"


def thresholds() -> dict:
    """The quality gate's targets (the one place they are written)."""
    return json.loads(THRESHOLDS_FILE.read_text(encoding="utf-8"))


@dataclass(frozen=True)
class EvalQuestion:
    id: str
    question: str
    type: str
    evidence: list[str]
    answer_facts: list[str]
    should_refuse: bool
    note: str = ""


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


def evaluate_set(assistant, questions: list[EvalQuestion], answer: Callable[[str], Answer],
                 baseline=None, attempts: list | None = None) -> dict:
    """One set through the pipeline; with the baseline too, and with the LLM's attempts recorded (`attempts`)
    the model's share of the answers beside the extractive pipeline on the same questions."""
    ours = evaluate_pipeline(assistant, questions, answer)
    result = {"ours": summarize(ours), "ours_by_type": summarize_by_type(ours),
              "failures": [asdict(o) for o in ours if not o.fully_correct]}
    if attempts is not None:
        from .llm_check import summarize_attempts

        extractive = evaluate_pipeline(assistant, questions, assistant.ask)
        result["llm"] = summarize_attempts(attempts[-len(questions):], ours, extractive)
    if baseline is not None:
        theirs = evaluate_baseline(baseline, questions)
        result["baseline"] = summarize(theirs)
        result["baseline_by_type"] = summarize_by_type(theirs)
    return result


def failure_counts(failures: list[dict]) -> dict[str, dict[str, int]]:
    """How a set's failures fail, by question type and kind of miss (what the frozen test set reports)."""
    counts: dict[str, dict[str, int]] = {}
    for failure in failures:
        kinds = {m.split(":", 1)[0] if ":" in m else m for m in failure["missing"]}
        row = counts.setdefault(failure["type"], {})
        for kind in kinds:
            row[kind] = row.get(kind, 0) + 1
    return counts


def run(settings: Settings, sets: dict[str, Path] | None = None, out_dir: Path = DEFAULT_OUT,
        assistant=None, llm: bool = False, with_baseline: bool = True) -> dict:
    """Every set through the pipeline (and the baseline); report.json and report.md in out_dir. The frozen
    test set's failures are reported only as counts by type, so that nothing is tuned to its questions."""
    from ..index.store import build_index
    from ..qa.engine import Assistant
    from .baseline import BaselinePipeline
    from .report import render_markdown

    sets = sets or EVAL_SETS
    assistant = assistant or Assistant(settings)
    with tempfile.TemporaryDirectory() as scratch:  # a full build, timed, without touching the live index
        started = time.perf_counter()
        build_index(replace(settings, data_dir=Path(scratch), milvus_uri=""), assistant.embedder, assistant.tokenizer,
                    assistant.documents)
        build_seconds = round(time.perf_counter() - started, 2)
    answer, attempts = assistant.ask, []
    if llm:
        from ..qa.answerers.generative import GenerativeAnswerer
        from .llm_check import recorder

        answer, attempts = recorder(GenerativeAnswerer(settings, assistant))
    baseline = BaselinePipeline(settings.corpus_dir, assistant.embedder) if with_baseline else None
    report = {"pipeline": "llm" if llm else "extractive", "model": assistant.embedder.model_id,
              "index_build_seconds": build_seconds, "sets": {}}
    questions_of = {}
    for name, path in sets.items():
        questions_of[name] = load_questions(path)
        result = evaluate_set(assistant, questions_of[name], answer, baseline, attempts if llm else None)
        if name in FROZEN_SETS:
            result["failure_counts"] = failure_counts(result.pop("failures"))
        report["sets"][name] = result
    if "dev" in report["sets"] and "test" in report["sets"]:
        report["dev_test_gap"] = round(report["sets"]["dev"]["ours"]["fully_correct"]
                                       - report["sets"]["test"]["ours"]["fully_correct"], 4)
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "report.json").write_text(json.dumps(report, ensure_ascii=False, indent=1), encoding="utf-8")
    (out_dir / "report.md").write_text(render_markdown(report, questions_of, thresholds(), GATED_SET), encoding="utf-8")
    return report

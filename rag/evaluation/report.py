"""The evaluation report for people (evals/report.md): every set side by side with the baseline and the
gate's targets; by question type; the dev set's failing questions; the frozen test set's failures as counts."""

from __future__ import annotations

LABELS = {
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
_UPPER_BOUNDS = {"max_false_refusal_rate": "false_refusal_rate", "max_latency_p95_ms": "latency_p95_ms"}


def cell(value) -> str:
    return "–" if value is None else (f"{value:.3f}" if isinstance(value, float) and value <= 1 else str(value))


def _target(key: str, targets: dict) -> str:
    if key in targets:
        return f"≥ {targets[key]}"
    upper = next((name for name, metric in _UPPER_BOUNDS.items() if metric == key), None)
    return f"≤ {targets[upper]}" if upper and upper in targets else ""


def render_markdown(report: dict, questions_of: dict, targets: dict, gated: str) -> str:
    sets = report["sets"]
    names = list(sets)
    lines = ["# Evaluation report", "",
             f"pipeline: {report['pipeline']} · embedding model: {report['model']} · index build: "
             f"{report['index_build_seconds']} s · sets: " + ", ".join(f"{n} ({sets[n]['ours']['questions']})"
                                                                        for n in names), ""]
    if "dev_test_gap" in report:
        lines += [f"dev − test gap in fully correct: {report['dev_test_gap']:.3f}", ""]
    header = "| metric | " + " | ".join(f"{n} ours | {n} baseline" for n in names) + f" | target ({gated}) |"
    lines += [header, "|---|" + "---|---|" * len(names) + "---|"]
    for key, label in LABELS.items():
        row = " | ".join(f"{cell(sets[n]['ours'].get(key))} | {cell(sets[n].get('baseline', {}).get(key))}"
                         for n in names)
        lines.append(f"| {label} | {row} | {_target(key, targets)} |")
    for name in names:
        result = sets[name]
        lines += ["", f"## {name}: by question type", "",
                  "| type | n | recall@5 | citation precision | facts | fully correct | refusal recall | "
                  "baseline fully correct |", "|---|---|---|---|---|---|---|---|"]
        for kind, row in result["ours_by_type"].items():
            base_row = result.get("baseline_by_type", {}).get(kind, {})
            lines.append(f"| {kind} | {row['questions']} | {cell(row['recall_at_5'])} | "
                         f"{cell(row['citation_precision'])} | {cell(row['fact_accuracy'])} | "
                         f"{cell(row['fully_correct'])} | {cell(row['refusal_recall'])} | "
                         f"{cell(base_row.get('fully_correct'))} |")
        if "llm" in result:
            from .llm_check import table

            lines += ["", f"## {name}: LLM answers", "", *table(result["llm"])]
        if "failure_counts" in result:
            lines += ["", f"## {name}: failures by type and kind (frozen set: questions not shown)", "",
                      "| type | kind of miss | count |", "|---|---|---|"]
            for kind, misses in sorted(result["failure_counts"].items()):
                lines += [f"| {kind} | {miss} | {count} |" for miss, count in sorted(misses.items())]
        else:
            by_id = {q.id: q for q in questions_of[name]}
            lines += ["", f"## {name}: failing questions ({len(result['failures'])})", ""]
            for failure in result["failures"]:
                q = by_id[failure["id"]]
                lines.append(f"- **{q.id}** ({q.type}) {q.question} — missing: {'; '.join(failure['missing'])}")
    lines += ["", "Baseline: SentenceSplitter default chunks (1024 tokens, overlap 200) of the raw file, dense-only "
              "top-5 with the same embedding model, answer = the 3 sentences of the top chunk sharing the most "
              "character bigrams with the question; its citation is the top chunk. Produced by `make eval`.", ""]
    return "\n".join(lines)

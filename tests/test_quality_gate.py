"""The quality gate: the eval set through the real pipeline and the baseline; the suite fails when the
main metrics fall below evals/thresholds.json or below the plain-LlamaIndex baseline."""

from __future__ import annotations

import json

import pytest

from rag.config import PROJECT_ROOT
from rag.evaluation.harness import DEFAULT_QUESTIONS, run

THRESHOLDS = json.loads((PROJECT_ROOT / "evals" / "thresholds.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def out_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("eval")


@pytest.fixture(scope="module")
def report(assistant, settings, out_dir):
    return run(settings, DEFAULT_QUESTIONS, out_dir, assistant=assistant)


@pytest.mark.parametrize("metric", ["recall_at_5", "recall_at_1", "citation_precision", "fact_accuracy",
                                    "fully_correct", "refusal_recall"])
def test_metric_meets_its_threshold(report, metric):
    assert report["ours"][metric] >= THRESHOLDS[metric], report["failures"]


def test_false_refusals_stay_few(report):
    assert report["ours"]["false_refusals"] <= THRESHOLDS["max_false_refusals"]


@pytest.mark.parametrize("metric", ["recall_at_5", "recall_at_1", "citation_precision", "fact_accuracy",
                                    "fully_correct", "refusal_recall"])
def test_ahead_of_the_baseline(report, metric):
    assert report["ours"][metric] > report["baseline"][metric]


def test_report_is_written_for_people(report, out_dir):
    markdown = (out_dir / "report.md").read_text(encoding="utf-8")
    assert "| fully correct |" in markdown and "baseline" in markdown
    assert markdown.count("\n- **") == len(report["failures"])

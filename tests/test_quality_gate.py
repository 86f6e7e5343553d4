"""The quality gate: the frozen blind test set (and the dev set) through the real pipeline and the baseline;
the suite fails when the test set's metrics fall below evals/thresholds.json or the baseline, or when the
dev set runs ahead of the test set by more than the allowed gap (a sign of tuning to visible questions)."""

from __future__ import annotations

import pytest

from rag.evaluation.harness import GATED_SET, run, thresholds

THRESHOLDS = thresholds()


@pytest.fixture(scope="module")
def out_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("eval")


@pytest.fixture(scope="module")
def report(assistant, settings, out_dir):
    return run(settings, out_dir=out_dir, assistant=assistant)


@pytest.fixture(scope="module")
def gated(report):
    return report["sets"][GATED_SET]


@pytest.mark.parametrize("metric", ["recall_at_5", "fully_correct", "refusal_recall"])
def test_metric_meets_its_threshold(gated, metric):
    assert gated["ours"][metric] >= THRESHOLDS[metric], gated["failure_counts"]


def test_false_refusals_stay_few(gated):
    assert gated["ours"]["false_refusal_rate"] <= THRESHOLDS["max_false_refusal_rate"], gated["failure_counts"]


def test_dev_and_test_agree(report):
    assert abs(report["dev_test_gap"]) <= THRESHOLDS["max_dev_test_gap"]


@pytest.mark.parametrize("metric", ["recall_at_5", "recall_at_1", "citation_precision", "fact_accuracy",
                                    "fully_correct", "refusal_recall"])
def test_ahead_of_the_baseline(gated, metric):
    assert gated["ours"][metric] > gated["baseline"][metric]


def test_report_hides_the_frozen_questions(report, out_dir):
    markdown = (out_dir / "report.md").read_text(encoding="utf-8")
    assert "| fully correct |" in markdown and "baseline" in markdown
    assert "failing questions" in markdown and "frozen set: questions not shown" in markdown
    assert markdown.count("\n- **") == len(report["sets"]["dev"]["failures"])
    assert "failures" not in report["sets"][GATED_SET]

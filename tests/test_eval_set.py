"""Sanity checks for the hand-written evaluation sets: evals/dev.jsonl (tuned on) and evals/test.jsonl
(written blind, frozen).

Standard library only. Every evidence string and stated answer fact must occur in the plan text
(corpus/*.txt), after removing `[bookmark: …]` artifacts; the indicator table is laid out with tabs/line
breaks, so matching is also tried with all whitespace removed. Computed answers (calculations, comparisons)
are exempt from the answer-fact check.
"""
import json
import re
from collections import Counter
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SETS = {
    "dev": {"file": ROOT / "evals" / "dev.jsonl", "refuse": {"out_of_scope", "missing_detail"},
            "computed": {"calculation", "compare"},
            "types": {"indicator", "industry", "item_target", "calculation", "compare", "list", "region",
                      "enterprise", "multi", "document", "paraphrase", "missing_detail", "out_of_scope",
                      "false_premise"}, "evidence_max": 45},
    "test": {"file": ROOT / "evals" / "test.jsonl", "refuse": {"out_of_scope", "missing_detail"},
             "computed": {"calculation", "compare"},
             "types": {"indicator", "item_target", "calculation", "compare", "list", "region", "enterprise",
                       "paraphrase", "document", "missing_detail", "out_of_scope", "false_premise"},
             "evidence_max": 30},
}
REQUIRED = {
    "id": str, "question": str, "type": str, "evidence": list,
    "answer_facts": list, "should_refuse": bool, "note": str,
}
BOOKMARK_RE = re.compile(r"\[bookmark: [^\]]*\]")
WS_RE = re.compile(r"\s+")


@pytest.fixture(scope="module", params=sorted(SETS))
def eval_set(request):
    return SETS[request.param]


@pytest.fixture(scope="module")
def corpus():
    files = sorted((ROOT / "corpus").glob("*.txt"))
    assert files, "no corpus/*.txt found"
    text = "\n".join(f.read_text(encoding="utf-8") for f in files)
    text = BOOKMARK_RE.sub("", text)
    return text, WS_RE.sub("", text)


@pytest.fixture(scope="module")
def questions(eval_set):
    assert eval_set["file"].exists(), f"missing {eval_set['file']}"
    rows = []
    with eval_set["file"].open(encoding="utf-8") as fh:
        for n, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                rows.append(json.loads(line))
            except json.JSONDecodeError as exc:  # pragma: no cover
                pytest.fail(f"line {n}: invalid JSON: {exc}")
    return rows


def _in_corpus(s, corpus):
    text, nows = corpus
    return s in text or WS_RE.sub("", s) in nows


TABLE_VALUE = re.compile(r"^(\d+(?:\.\d+)?)(?:个|家|%)$")  # a table cell: its unit is printed in another column


def _fact_in_corpus(fact, corpus):
    cell = TABLE_VALUE.match(fact)
    return _in_corpus(fact, corpus) or bool(cell and _in_corpus(cell.group(1), corpus))


def test_count_and_unique_ids(questions):
    assert len(questions) >= 150
    ids = [q.get("id") for q in questions]
    dup = [i for i, c in Counter(ids).items() if c > 1]
    assert not dup, f"duplicate ids: {dup}"


def test_fields_and_types(questions, eval_set):
    for q in questions:
        for key, typ in REQUIRED.items():
            assert key in q, f"{q.get('id')}: missing field {key}"
            assert isinstance(q[key], typ), f"{q['id']}: {key} should be {typ.__name__}"
        assert q["question"].strip(), f"{q['id']}: empty question"
        assert q["type"] in eval_set["types"], f"{q['id']}: bad type {q['type']}"
        assert all(isinstance(e, str) and e for e in q["evidence"]), q["id"]
        assert all(isinstance(f, str) and f for f in q["answer_facts"]), q["id"]


def test_every_type_present(questions, eval_set):
    counts = Counter(q["type"] for q in questions)
    for t in eval_set["types"]:
        assert counts[t] >= 5, f"too few questions of type {t}: {counts[t]}"


def test_refusal_consistency(questions, eval_set):
    for q in questions:
        refuse = q["type"] in eval_set["refuse"]
        assert q["should_refuse"] is refuse, f"{q['id']}: should_refuse must be {refuse}"
        if refuse:
            assert q["evidence"] == [], f"{q['id']}: a refusal has no evidence"
            assert q["answer_facts"] == [], f"{q['id']}: a refusal has no answer_facts"
        else:
            assert len(q["evidence"]) >= 1, f"{q['id']}: needs evidence"
            assert len(q["answer_facts"]) >= 1, f"{q['id']}: needs answer_facts"


def test_evidence_verbatim_in_corpus(questions, corpus, eval_set):
    missing = []
    for q in questions:
        for e in q["evidence"]:
            assert 6 <= len(e) <= eval_set["evidence_max"], f"{q['id']}: evidence length {len(e)}: {e}"
            if not _in_corpus(e, corpus):
                missing.append((q["id"], e))
    assert not missing, f"evidence not found in corpus: {missing}"


def test_answer_facts_in_corpus(questions, corpus, eval_set):
    missing = []
    for q in questions:
        if q["should_refuse"] or q["type"] in eval_set["computed"]:
            continue
        for f in q["answer_facts"]:
            if not _fact_in_corpus(f, corpus):
                missing.append((q["id"], f))
    assert not missing, f"answer_facts not found in corpus: {missing}"


def test_questions_not_copied_from_plan(questions, corpus):
    text, _ = corpus
    for q in questions:
        s = q["question"]
        assert s not in text, f"{q['id']}: question copied verbatim from the plan"
        # no run of 25+ characters lifted from the plan text
        for i in range(max(0, len(s) - 24)):
            assert s[i:i + 25] not in text, f"{q['id']}: question copies plan text"

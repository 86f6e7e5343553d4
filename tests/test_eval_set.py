"""Sanity checks for the hand-written evaluation set evals/questions.jsonl.

Standard library only. Every evidence string and answer fact must occur in
the plan text (corpus/*.txt), after removing `[bookmark: …]` artifacts; the
indicator table is laid out with tabs/line breaks, so matching is also tried
with all whitespace removed.
"""
import json
import re
from collections import Counter
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
EVAL_FILE = ROOT / "evals" / "questions.jsonl"
SEED_FALLBACK = Path("/work/shared/seeds/000_3c5abacd9b45adb5.txt")

ALLOWED_TYPES = {
    "indicator", "industry", "region", "enterprise", "multi",
    "document", "paraphrase", "out_of_scope", "false_premise",
}
REQUIRED = {
    "id": str, "question": str, "type": str, "evidence": list,
    "answer_facts": list, "should_refuse": bool, "note": str,
}
BOOKMARK_RE = re.compile(r"\[bookmark: [^\]]*\]")
WS_RE = re.compile(r"\s+")


def _corpus_files():
    files = sorted((ROOT / "corpus").glob("*.txt"))
    if not files and SEED_FALLBACK.exists():
        files = [SEED_FALLBACK]
    return files


@pytest.fixture(scope="module")
def corpus():
    files = _corpus_files()
    assert files, "no corpus/*.txt found"
    text = "\n".join(f.read_text(encoding="utf-8") for f in files)
    text = BOOKMARK_RE.sub("", text)
    return text, WS_RE.sub("", text)


@pytest.fixture(scope="module")
def questions():
    assert EVAL_FILE.exists(), f"missing {EVAL_FILE}"
    rows = []
    with EVAL_FILE.open(encoding="utf-8") as fh:
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


def test_count_and_unique_ids(questions):
    assert len(questions) >= 150
    ids = [q.get("id") for q in questions]
    dup = [i for i, c in Counter(ids).items() if c > 1]
    assert not dup, f"duplicate ids: {dup}"


def test_fields_and_types(questions):
    for q in questions:
        for key, typ in REQUIRED.items():
            assert key in q, f"{q.get('id')}: missing field {key}"
            assert isinstance(q[key], typ), f"{q['id']}: {key} should be {typ.__name__}"
        assert q["question"].strip(), f"{q['id']}: empty question"
        assert q["type"] in ALLOWED_TYPES, f"{q['id']}: bad type {q['type']}"
        assert all(isinstance(e, str) and e for e in q["evidence"]), q["id"]
        assert all(isinstance(f, str) and f for f in q["answer_facts"]), q["id"]


def test_every_type_present(questions):
    counts = Counter(q["type"] for q in questions)
    for t in ALLOWED_TYPES:
        assert counts[t] >= 5, f"too few questions of type {t}: {counts[t]}"


def test_refusal_consistency(questions):
    for q in questions:
        oos = q["type"] == "out_of_scope"
        assert q["should_refuse"] is oos, f"{q['id']}: should_refuse must be {oos}"
        if oos:
            assert q["evidence"] == [], f"{q['id']}: out_of_scope must have no evidence"
            assert q["answer_facts"] == [], f"{q['id']}: out_of_scope must have no answer_facts"
        else:
            assert len(q["evidence"]) >= 1, f"{q['id']}: needs evidence"
            assert len(q["answer_facts"]) >= 1, f"{q['id']}: needs answer_facts"


def test_evidence_verbatim_in_corpus(questions, corpus):
    missing = []
    for q in questions:
        for e in q["evidence"]:
            assert 6 <= len(e) <= 25, f"{q['id']}: evidence length {len(e)}: {e}"
            if not _in_corpus(e, corpus):
                missing.append((q["id"], e))
    assert not missing, f"evidence not found in corpus: {missing}"


def test_answer_facts_in_corpus(questions, corpus):
    missing = []
    for q in questions:
        if q["type"] == "out_of_scope":
            continue
        for f in q["answer_facts"]:
            if not _in_corpus(f, corpus):
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

"""The multi-document eval over another file of questions about the same documents (a set written apart)."""

from __future__ import annotations

import json
from argparse import Namespace

from rag.evaluation.library import command


def _question(id_, question, documents, evidence, facts):
    return {"id": id_, "question": question, "type": "value", "documents": documents, "evidence": evidence,
            "answer_facts": facts, "should_refuse": False}


def test_another_questions_file_is_answered_and_reported_beside_it(tmp_path, settings, capsys):
    questions = tmp_path / "mine.jsonl"
    rows = [_question("M1", "专项资金管理办法从哪天起施行？", ["qinglan_fund_measures.html"],
                      ["本办法自2026年7月1日起施行"], ["2026年7月1日"]),
            _question("M2", "专项资金管理办法由哪个部门负责解释？", ["qinglan_fund_measures.html"],
                      ["本办法由市工业和信息化局、市财政局负责解释"], ["市财政局"])]
    questions.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows), encoding="utf-8")
    assert command(Namespace(out=None, questions=str(questions)), settings) == 0
    report = json.loads((tmp_path / "mine.report.json").read_text(encoding="utf-8"))
    assert report["ours"]["questions"] == 2 and report["ours"]["fully_correct"] == 1.0
    assert report["ours"]["citation_documents"] == 1.0
    assert "mine.report.json" in capsys.readouterr().out


def test_a_missing_questions_file_is_said_in_chinese(tmp_path, settings, capsys):
    assert command(Namespace(out=None, questions=str(tmp_path / "none.jsonl")), settings) == 2
    assert "找不到问题文件" in capsys.readouterr().err

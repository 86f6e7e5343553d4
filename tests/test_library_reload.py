"""A change in the 文档库 tab reaches the running app: the answer worker loads the new library in the queue's turn,
the questions already waiting are all answered, and the next question is answered from the new document.
Uploads: a size limit of their own, and a Chinese reason for each file that cannot be added."""

from __future__ import annotations

from dataclasses import replace

import docx
import pytest

from rag.app.server import SerializedAssistant
from rag.app.tabs.library import IN_USE, NOT_IN_USE, remove, upload, use_new_library
from rag.app.worker import AnswerWorker, ProcessAssistant
from rag.config import PROJECT_ROOT

NOTICE = PROJECT_ROOT / "evals" / "library" / "docs" / "qinglan_fund_notice.txt"
RULES = ("青岚市首台套装备推广应用奖励办法", "青工信发〔2026〕41号", [
    "第一条 为推动首台套重大技术装备推广应用，制定本办法。",
    "第二条 本办法适用于在本市登记注册、具有独立法人资格的装备制造企业。",
    "第三条 首台套装备按销售合同金额的15%给予奖励，单个项目最高不超过260万元。",
    "第四条 本办法自2026年9月1日起施行。",
])
QUESTION = "首台套装备奖励单个项目最高多少万元？"
WAITING = ("申报时间是什么时候？", "技术支持电话是多少？", "推荐名额怎么分配？")


def write_docx(path, title: str, number: str, articles: list[str]) -> None:
    document = docx.Document()
    for line in ("青岚市工业和信息化局", title, number, *articles, "青岚市工业和信息化局", "2026年8月1日"):
        document.add_paragraph(line)
    document.save(str(path))


@pytest.fixture()
def app_library(settings, tmp_path):
    own = replace(settings, corpus_dir=tmp_path / "corpus", data_dir=tmp_path / "data")
    assert upload(own, [NOTICE]).indexed
    shared = SerializedAssistant(ProcessAssistant(AnswerWorker(own)))
    yield own, shared
    shared.close()


def test_the_running_app_answers_from_the_library_after_an_upload(app_library, tmp_path):
    own, shared = app_library
    before = shared.ask(QUESTION)
    assert {c.doc_id for c in before.citations} <= {"qinglan_fund_notice"}
    rules = tmp_path / "首台套奖励办法.docx"
    write_docx(rules, *RULES)
    change = upload(own, [rules])
    assert change.indexed and "已添加 首台套奖励办法.docx" in change.message
    waiting = [shared.submit(q) for q in WAITING]  # asked before the new library is in use
    message = use_new_library(shared)
    assert message.startswith(IN_USE.split("（")[0]) and "2 份文件" in message
    assert all(future.done() and future.result().citations for future in waiting)  # none lost, answered first
    answer = shared.ask(QUESTION)
    assert not answer.refused and "260万元" in answer.text
    assert {c.doc_id for c in answer.citations} == {"首台套奖励办法"} and answer.citations[0].ref == "第三条"
    assert len(shared.documents) == 2 and shared.show("第三条", "青工信发〔2026〕41号") is not None
    assert shared.worker.pid is not None  # the same worker, loaded again: not a restart

    gone = remove(own, "青工信发〔2026〕41号")
    assert gone.indexed and "2 份" not in use_new_library(shared) and len(shared.documents) == 1
    assert not any(c.doc_id == "首台套奖励办法" for c in shared.ask(QUESTION).citations)


def test_a_library_that_cannot_be_loaded_leaves_the_old_one_answering(app_library, tmp_path):
    own, shared = app_library
    (own.corpus_dir / NOTICE.name).unlink()  # the folder emptied behind the tab's back
    message = use_new_library(shared)
    assert message.startswith(NOT_IN_USE.split("（")[0]) and "没有文件" in message
    assert shared.ask("技术支持电话是多少？").citations  # the old library still answers


def test_uploads_have_a_size_limit_and_a_reason_for_each_file_left_out(settings, tmp_path):
    own = replace(settings, corpus_dir=tmp_path / "corpus", data_dir=tmp_path / "data", upload_max_mb=0.05)
    large = tmp_path / "大文件.txt"
    large.write_text("第一条 本办法自印发之日起施行。\n" * 4000, encoding="utf-8")
    text = NOTICE.read_bytes().decode("gb18030")
    cases = {
        "繁体编码.txt": text.encode("big5", errors="replace"),
        "无BOM的UTF-16.txt": text.encode("utf-16-le"),
        "损坏.docx": b"PK\x03\x04 not a zip",
        "损坏.pdf": b"%PDF-1.4 garbage",
    }
    for name, content in cases.items():
        (tmp_path / name).write_bytes(content)
    utf16 = tmp_path / "记事本Unicode.txt"
    utf16.write_bytes(text.encode("utf-16"))  # with its BOM: read
    change = upload(own, [large, *(tmp_path / name for name in cases), utf16])
    lines = change.message.splitlines()
    assert lines[0] == "未添加 大文件.txt：文件过大（0.2 MB），上限为 0.05 MB（RAG_UPLOAD_MAX_MB）。"
    assert "编码不对" in lines[1] and "编码不对" in lines[2]
    assert "不是有效的 Word" in lines[3] and "不是有效的 PDF" in lines[4] and "/" not in lines[3] + lines[4]
    assert lines[5].startswith("已添加 记事本Unicode.txt：《") and change.indexed  # nothing else lost
    assert sorted(p.name for p in own.corpus_dir.glob("*.txt")) == ["记事本Unicode.txt"]

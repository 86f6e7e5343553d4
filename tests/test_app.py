"""The app's logic on the real corpus: chat Markdown, follow-ups, the clause viewer, feedback, and the
served app (JSON endpoint over real HTTP, 20 simultaneous questions, bad input)."""

from __future__ import annotations

import csv
import json
import logging
from html import escape
import re
import socket
import threading
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import pytest
from fastapi.testclient import TestClient

from rag.app.chat import (
    EXAMPLE_QUESTIONS,
    INTERNAL_ERROR,
    PANEL_PLACEHOLDER,
    answer_markdown,
    clause_href,
    clause_panel,
    comment_answer,
    escape_markdown,
    outline_markdown,
    parse_clause_request,
    rate_answer,
    respond,
)
from rag.app.feedback import CSV_COLUMNS, FeedbackStore
from rag.app.present import indicator_table_html
from rag.corpus.table_views import indicator_tables, row_notes
from rag.qa.engine import EMPTY_QUESTION
from rag.qa.query import complete_follow_up
from rag.schema import Answer, Citation
from rag.app.server import SerializedAssistant, create_api, serving_in_background

LINK = re.compile(r"\]\((#clause=[^)\s]+)\)")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def post_json(url: str, body: bytes, timeout: float = 120) -> tuple[int, dict]:
    request = urllib.request.Request(url, data=body, headers={"Content-Type": "application/json"}, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def ask_json(url: str, question: str) -> tuple[int, dict]:
    return post_json(url, json.dumps({"question": question}, ensure_ascii=False).encode("utf-8"))


def final(updates):
    """The chat's last display for a message: what stays on screen."""
    *_, last = updates
    return last


class BrokenAssistant:
    """Fails inside ask, as a bug in the core would."""

    def __init__(self, assistant):
        self.tokenizer = assistant.tokenizer
        self.documents = assistant.documents

    def ask(self, question):
        raise RuntimeError("index exploded")

    def show(self, ref, doc_id=None):
        raise RuntimeError("index exploded")


class ProbeAssistant:
    """Notes how many questions are being answered at the same moment."""

    documents: list = []

    def __init__(self):
        self.active = self.most = 0
        self.counting = threading.Lock()

    def ask(self, question):
        with self.counting:
            self.active += 1
            self.most = max(self.most, self.active)
        time.sleep(0.02)
        with self.counting:
            self.active -= 1
        return Answer(question, f"已回答：{question}", False, [])


@pytest.fixture(scope="module")
def answered(assistant):
    return assistant.ask("到2030年新材料产业营收目标是多少？")


# -- chat Markdown -----------------------------------------------------------------------------
def test_answer_markdown_links_every_citation_and_collapses_evidence(assistant, answered):
    assert not answered.refused and answered.citations
    markdown = answer_markdown(answered)
    targets = LINK.findall(markdown)
    for citation in answered.citations:
        assert clause_href(citation.doc_id, citation.ref) in targets
        before = re.findall("(.)【" + re.escape(citation.ref) + "】", markdown)
        assert before and set(before) == {"["}  # every mention of the reference is a link
    for target in targets:
        doc_id, ref = parse_clause_request(target + " 1700000000")
        assert assistant.show(ref, doc_id) is not None
    evidence = markdown[markdown.index("<details>") :]
    assert evidence.rstrip().endswith("</details>") and "<summary>" in evidence
    assert "<mark>" in evidence  # the quoted sentence is marked inside the whole clause
    quoted = re.search(r"<mark>(.+?)</mark>", evidence).group(1)
    assert quoted.replace("\\", "") in answered.citations[0].text


def test_refused_answer_lists_nearest_clauses_as_references(document):
    nearest = [c for c in document.clauses if c.kind == "clause"][:2]
    citations = [Citation(c.doc_id, c.ref, c.title, c.text, 0.01) for c in nearest]
    answer = Answer("火星基地的建设进度如何？", "规划中未找到关于“火星基地”的内容。", True, citations)
    markdown = answer_markdown(answer)
    assert "相关条款（供参考）" in markdown and "引用条款" not in markdown
    for clause in nearest:
        assert clause_href(clause.doc_id, clause.ref) in LINK.findall(markdown)


def test_markdown_special_characters_are_shown_literally():
    assert escape_markdown("≥[3000] 29.2* a_b <b>") == r"≥\[3000\] 29.2\* a\_b \<b\>"


def test_understood_question_is_shown_when_a_follow_up_was_completed(answered):
    assert "理解为：到2025年" in answer_markdown(answered, understood="到2025年新材料产业营收目标是多少？")


# -- follow-ups --------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("previous", "follow_up", "expected"),
    [
        ("到2030年新材料产业营收目标是多少？", "那2025年呢？", "到2025年新材料产业营收目标是多少？"),
        ("到2030年新材料产业营收目标是多少？", "2025年？", "到2025年新材料产业营收目标是多少？"),
        ("长沙有哪些重点产业？", "那岳阳呢？", "岳阳有哪些重点产业？"),
        ("长沙有哪些重点产业？", "那么岳阳的情况呢？", "岳阳有哪些重点产业？"),
        ("到2030年新材料产业营收目标是多少？", "那新能源汽车产业呢？", "到2030年新能源汽车产业营收目标是多少？"),
        ("到2030年新材料产业营收目标是多少？", "它的基期值是多少？", "新材料产业的基期值是多少？"),
    ],
)
def test_elliptical_follow_up_takes_the_previous_questions_context(assistant, previous, follow_up, expected):
    assert complete_follow_up(follow_up, previous, assistant.tokenizer) == expected


@pytest.mark.parametrize(
    "question",
    ["专精特新企业有哪些培育支持？", "那专精特新企业有什么支持？", "规划的总体目标是什么？", "还有呢？"],
)
def test_a_question_that_stands_on_its_own_is_unchanged(assistant, question):
    assert complete_follow_up(question, "到2030年新材料产业营收目标是多少？", assistant.tokenizer) == question


def test_first_question_has_no_context(assistant):
    assert complete_follow_up("那2025年呢？", None, assistant.tokenizer) == "那2025年呢？"


def test_conversation_answers_the_follow_up_in_context(assistant):
    history, turns = final(respond(assistant, "到2030年新材料产业营收目标是多少？", [], []))
    history, turns = final(respond(assistant, "那2025年呢？", history, turns))
    assert [m["role"] for m in history] == ["user", "assistant", "user", "assistant"]
    assert turns[1].understood == "到2025年新材料产业营收目标是多少？"
    assert turns[1].answer.question == turns[1].understood
    assert turns[1].message_index == 3
    assert "理解为：到2025年新材料产业营收目标是多少？" in history[3]["content"]


@pytest.mark.parametrize("audience", list(EXAMPLE_QUESTIONS))
def test_example_questions_are_answered_with_citations(assistant, audience):
    for question in EXAMPLE_QUESTIONS[audience]:
        answer = assistant.ask(question)
        assert not answer.refused and answer.citations, question


# -- bad input in the chat ---------------------------------------------------------------------
def test_empty_input_gets_a_hint_and_no_turn(assistant):
    history, turns = final(respond(assistant, "   ", [], []))
    assert history == [{"role": "assistant", "content": EMPTY_QUESTION}] and turns == []


def test_huge_paste_is_shortened_and_the_answer_says_so(assistant):
    question = "新材料产业" + "的发展" * 6665
    assert len(question) >= 20_000
    history, turns = final(respond(assistant, question, [], []))
    assert len(history[0]["content"]) < 400 and f"共{len(question)}字" in history[0]["content"]
    assert "问题过长" in history[1]["content"]
    assert len(turns) == 1


def test_internal_error_becomes_a_clear_message(assistant):
    history, turns = final(respond(BrokenAssistant(assistant), "到2030年新材料产业营收目标是多少？", [], []))
    assert history[-1] == {"role": "assistant", "content": INTERNAL_ERROR}
    assert turns == []
    assert "Traceback" not in json.dumps(history, ensure_ascii=False)
    assert "暂时无法显示" in clause_panel(BrokenAssistant(assistant), "#clause=x/一 1")


# -- clause viewer -----------------------------------------------------------------------------
def test_clause_panel_shows_whole_text_and_place_in_outline(assistant, document):
    clause = next(c for c in document.clauses if c.kind == "clause" and c.level == 3 and document.children(c.ref) == [])
    panel = clause_panel(assistant, clause_href(document.doc_id, clause.ref) + " 123")
    assert escape_markdown(clause.text.split("\n")[-1]) in panel
    assert escape_markdown(clause.title) in panel
    assert clause_href(document.doc_id, clause.parent) in panel  # up one level is a link
    assert document.meta.doc_number in panel


def test_clause_panel_links_children_and_rejects_unknown_references(assistant, document):
    top = next(c for c in document.clauses if c.kind == "clause" and c.level == 1)
    panel = clause_panel(assistant, clause_href(document.doc_id, top.ref))
    for child in document.children(top.ref):
        assert clause_href(document.doc_id, child.ref) in panel
    assert "规划中没有条款" in clause_panel(assistant, clause_href(document.doc_id, "九十九（九）9"))
    assert clause_panel(assistant, "not a link") == PANEL_PLACEHOLDER


def test_outline_lists_every_clause_nested_by_level(document):
    outline = outline_markdown(document)
    for clause in document.clauses:
        if clause.kind != "indicator":
            assert clause_href(document.doc_id, clause.ref) in outline
    sub_item = next(c for c in document.clauses if c.kind == "clause" and c.level == 3)
    line = next(x for x in outline.splitlines() if clause_href(document.doc_id, sub_item.ref) + ")" in x)
    assert line.startswith("    - ")  # third level of the outline


def test_indicator_table_has_every_row_as_printed(assistant, document):
    [table] = indicator_tables(document)
    assert table.rows == tuple(document.indicators) and len(table.rows) == 21
    first = document.indicators[0]
    assert (table.base_label, table.target_label) == (first.base_label, first.target_label)
    assert table.notes and all(note.startswith("注") for note in table.notes)
    noted = next(row for row in table.rows if row.row_notes)
    assert set(noted.row_notes) <= set(row_notes(noted))

    html = indicator_table_html(table, clause_href)
    for row in table.rows:  # each value cell as printed, kept on one line by its class
        for value in (row.base_raw, row.target_raw):
            assert f'<td class="value">{escape(value)}</td>' in html
        assert clause_href(row.doc_id, row.ref) in html  # the name opens its clause
    assert html.count('class="category"') == len({row.category for row in table.rows})  # one merged cell each
    assert f"<th>{escape(table.base_label)}</th>" in html and "说明" in html
    assert escape(table.notes[0]) in html
    assert html in clause_panel(assistant, clause_href(document.doc_id, table.ref))  # the table's clause shows it


# -- feedback ----------------------------------------------------------------------------------
def test_feedback_survives_a_new_store_and_exports_as_csv(tmp_path, assistant, answered):
    path = tmp_path / "feedback.sqlite3"
    _, turns = final(respond(assistant, "到2030年新材料产业营收目标是多少？", [], []))
    turns, row, note = rate_answer(FeedbackStore(path), turns, turns[0].message_index, False)
    assert row is not None and "已记录" in note
    assert "已保存" in comment_answer(FeedbackStore(path), row, "  希望同时给出2025年的数  ")

    [record] = FeedbackStore(path).records()  # a new instance, as after a restart
    assert (record.rating, record.comment) == ("down", "希望同时给出2025年的数")
    assert record.question == "到2030年新材料产业营收目标是多少？" and record.answer == answered.text
    assert [c["ref"] for c in record.citations] == [c.ref for c in answered.citations]
    assert re.match(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}[+-]\d{2}:\d{2}$", record.time)

    exported = FeedbackStore(path).export_csv(tmp_path / "out" / "feedback.csv")
    with exported.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert list(rows[0]) == list(CSV_COLUMNS) and len(rows) == 1
    assert rows[0]["comment"] == "希望同时给出2025年的数" and rows[0]["rating"] == "down"
    assert json.loads(rows[0]["citations"])[0]["ref"] == answered.citations[0].ref


def test_rating_again_updates_and_withdrawing_deletes(tmp_path, assistant):
    store = FeedbackStore(tmp_path / "feedback.sqlite3")
    _, turns = final(respond(assistant, "未来产业包括哪些领域？", [], []))
    index = turns[0].message_index
    turns, first, _ = rate_answer(store, turns, index, True)
    turns, second, _ = rate_answer(store, turns, index, False)
    assert first == second and [r.rating for r in store.records()] == ["down"]
    turns, row, note = rate_answer(store, turns, index, "")
    assert row is None and "撤销" in note and store.records() == []
    assert rate_answer(store, turns, 0, True)[1] is None  # the user's own message is not an answer
    assert "请先" in comment_answer(store, None, "没有评价的意见")


# -- the served app ----------------------------------------------------------------------------
@pytest.fixture(scope="module")
def served(assistant, tmp_path_factory):
    from rag.app.ui import build_app

    shared = SerializedAssistant(assistant)
    feedback = FeedbackStore(tmp_path_factory.mktemp("feedback") / "feedback.sqlite3")
    with serving_in_background(build_app(shared, feedback), "127.0.0.1", free_port()) as url:
        yield url


def test_json_endpoint_answers_like_the_cli(served, assistant):
    question = "到2030年新材料产业营收目标是多少？"
    status, body = ask_json(served + "/api/ask", question)
    assert status == 200
    assert body == json.loads(json.dumps(assistant.ask(question).to_dict()))  # what `rag ask --json` prints
    assert set(body) >= {"answer", "refused", "citations"}


def test_json_endpoint_rejects_malformed_requests_clearly(served):
    status, body = post_json(served + "/api/ask", b"{not json")
    assert status == 400 and "JSON" in body["error"]
    status, body = post_json(served + "/api/ask", json.dumps({"q": "x"}).encode())
    assert status == 400 and "question" in body["error"]
    status, body = post_json(served + "/api/ask", "问题".encode("gb18030"))
    assert status == 400


def test_json_endpoint_handles_empty_and_huge_questions(served):
    status, body = ask_json(served + "/api/ask", "")
    assert status == 200 and body["refused"] and body["answer"] == EMPTY_QUESTION
    status, body = ask_json(served + "/api/ask", "新材料产业营收目标" * 2300)
    assert status == 200 and "问题过长" in body["notice"]


def test_json_endpoint_reports_internal_errors_without_traceback(assistant):
    client = TestClient(create_api(BrokenAssistant(assistant)))
    response = client.post("/api/ask", json={"question": "到2030年新材料产业营收目标是多少？"})
    assert response.status_code == 500
    assert "内部出错" in response.json()["error"] and "Traceback" not in response.text


def test_twenty_simultaneous_questions_are_all_answered_correctly(served, assistant):
    questions = [
        "到2030年新材料产业营收目标是多少？",
        "未来产业包括哪些领域？",
        "长株潭地区的产业发展方向是什么？",
        "专精特新企业有哪些培育支持？",
    ]
    expected = {q: json.loads(json.dumps(assistant.ask(q).to_dict())) for q in questions}
    asked = [questions[i % len(questions)] for i in range(20)]
    with ThreadPoolExecutor(max_workers=20) as pool:
        results = list(pool.map(lambda q: ask_json(served + "/api/ask", q), asked))
    assert [status for status, _ in results] == [200] * 20
    for question, (_, body) in zip(asked, results, strict=True):
        assert body == expected[question]


def test_the_assistant_answers_one_question_at_a_time():
    probe = ProbeAssistant()
    with serving_in_background(create_api(SerializedAssistant(probe)), "127.0.0.1", free_port()) as url:
        with ThreadPoolExecutor(max_workers=20) as pool:
            results = list(pool.map(lambda n: ask_json(url + "/api/ask", f"问题{n}"), range(20)))
    assert [body["answer"] for _, body in results] == [f"已回答：问题{n}" for n in range(20)]
    assert probe.most == 1


def test_page_and_health_are_served(served):
    with urllib.request.urlopen(served + "/api/health", timeout=10) as response:
        assert json.loads(response.read())["status"] == "ok"
    with urllib.request.urlopen(served + "/", timeout=30) as response:
        assert response.status == 200 and "gradio" in response.read().decode("utf-8").lower()


def test_start_page_shows_the_stages_until_the_app_is_up():
    from rag.app.startup import StartupLog, startup_app

    progress = StartupLog()
    logger = logging.getLogger("rag.index.store")
    logger.addHandler(progress)
    try:
        logger.warning("正在建立索引：%d 个片段", 89)
    finally:
        logger.removeHandler(progress)
    client = TestClient(startup_app(progress, "问答助手"))
    health = client.get("/api/health")
    assert health.status_code == 503  # the page reloads into the app once this answers 200
    assert health.json()["status"] == "starting" and health.json()["stages"][0].endswith("正在建立索引：89 个片段")
    page = client.get("/")
    assert page.status_code == 503 and "正在建立索引：89 个片段" in page.text and "正在启动" in page.text


def test_the_library_tab_is_on_the_page_only_with_an_admin_token(assistant, tmp_path):
    from rag.app.ui import build_ui

    feedback = FeedbackStore(tmp_path / "feedback.sqlite3")

    def elem_ids(ui) -> set[str]:
        return {c.get("props", {}).get("elem_id") for c in ui.config["components"]}

    assert "library-upload" not in elem_ids(build_ui(assistant, feedback))
    assert {"library-upload", "library-remove", "library-table"} <= elem_ids(build_ui(assistant, feedback,
                                                                                        admin_token="口令"))

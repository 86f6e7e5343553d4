"""Reliability (issue 15): bad input of every kind, bounded work per question, fair bounded queueing,
requests from other sites and hosts, safe exports, feedback under contention and kill -9, a read-only
data folder and secrets kept out of logs. The real app under load: tests/test_answer_worker.py."""

from __future__ import annotations

import csv
import io
import json
import logging
import os
import signal
import sqlite3
import stat
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path

import httpx
import openai
import pytest
from fastapi.testclient import TestClient

from rag import cli
from rag.app.chat import rate_answer, respond
from rag.app.feedback import FeedbackStore, FeedbackUnavailable
from rag.app.server import CACHE_SWEEP, SerializedAssistant, create_api, serving_in_background
from rag.app.soak import Page, free_port
from rag.logs import MASK, RedactSecrets, configure_logging
from rag.qa.answerers.generative import GenerativeAnswerer
from rag.qa.engine import EMPTY_QUESTION, TOO_MANY_PARTS
from rag.qa.query import split_question
from rag.schema import Answer

QUESTION = "到2030年新材料产业营收目标是多少？"
KEY = "sk-test0123456789abcdefSECRET"


def post(url: str, body: bytes, headers: dict[str, str] | None = None, method: str = "POST"):
    """(status, headers, body text) of a request, whatever its status."""
    request = urllib.request.Request(url, data=body, method=method,
                                     headers={"Content-Type": "application/json", **(headers or {})})
    try:
        with urllib.request.urlopen(request, timeout=120) as response:
            return response.status, response.headers, response.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read().decode("utf-8", "replace")


def ask_body(question) -> bytes:
    return json.dumps({"question": question}).encode("ascii")  # \u escapes: lone surrogates travel too


class SlowAssistant:
    """Takes `seconds` per question and notes the order it answered them in."""

    documents: list = []

    def __init__(self, seconds: float):
        self.seconds = seconds
        self.answered: list[str] = []

    def ask(self, question):
        time.sleep(self.seconds)
        self.answered.append(question)
        return Answer(question, f"已回答：{question}", False, [])


@pytest.fixture(scope="module")
def served(assistant, settings, tmp_path_factory):
    """The real app (page and endpoint) on loopback, also answering for the name rag.example."""
    from rag.app.ui import build_app

    store = FeedbackStore(tmp_path_factory.mktemp("served") / "feedback.sqlite3")
    settings = replace(settings, extra_hosts=("rag.example",), admin_token="admin-secret-1", upload_max_mb=1)
    with serving_in_background(build_app(SerializedAssistant(assistant), store, settings=settings),
                               "127.0.0.1", free_port()) as url:
        yield url, store


@pytest.fixture
def read_only_dir(tmp_path):
    """A folder nobody can write into (root included: the immutable attribute)."""
    folder = tmp_path / "ro"
    folder.mkdir()
    if os.geteuid() == 0:
        if subprocess.run(["chattr", "+i", str(folder)], capture_output=True).returncode != 0:
            pytest.skip("cannot make a read-only folder here (chattr +i failed)")
        yield folder
        subprocess.run(["chattr", "-i", str(folder)], check=True)
    else:
        folder.chmod(0o555)
        yield folder
        folder.chmod(0o755)


# -- row 1: bounded work per question ----------------------------------------------------------
def counting_retrieve(assistant, monkeypatch, budget: float = 60) -> list[str]:
    monkeypatch.setattr(assistant, "settings", replace(assistant.settings, question_seconds=budget))
    calls: list[str] = []
    original = assistant.retrieve

    def retrieve(text, notice="", docs=None):
        calls.append(text)
        return original(text, notice, docs)

    monkeypatch.setattr(assistant, "retrieve", retrieve)
    return calls


def test_a_repeated_question_is_answered_once(assistant, monkeypatch):
    question = ("新材料目标？" * 84)[:500]  # cut at 500 characters: 83 times one clause, then “新材”
    # the cut-off “新材” names no subject of its own (no noun): it stays with the clause before it
    assert split_question(question, assistant.tokenizer) == ["新材料目标，新材"]
    calls = counting_retrieve(assistant, monkeypatch)
    answer = assistant.ask(question)
    assert calls == ["新材料目标，新材"] and answer.citations


def test_a_question_of_many_parts_answers_only_the_first_few(assistant, monkeypatch):
    question = "新材料产业营收目标多少？生物医药呢？电子信息呢？工程机械呢？轨道交通呢？航空航天呢？"
    calls = counting_retrieve(assistant, monkeypatch)
    answer = assistant.ask(question)
    limit = assistant.settings.max_question_parts
    assert len(calls) == limit and answer.text.count("关于“") == limit
    assert TOO_MANY_PARTS.format(limit) in answer.text


def test_the_time_budget_stops_after_the_first_part(assistant, monkeypatch):
    calls = counting_retrieve(assistant, monkeypatch, budget=0)
    answer = assistant.ask("新材料产业营收目标多少？生物医药呢？")
    assert len(calls) == 1 and TOO_MANY_PARTS.format(1) in answer.text


# -- rows 2, 10, 12, 14: bad input -------------------------------------------------------------
@pytest.mark.parametrize(
    ("body", "status", "phrase"),
    [
        (ask_body("新\udc80材料产业营收目标"), 200, "answer"),  # a lone surrogate
        (ask_body("\ud800"), 200, "answer"),
        (b"[" * 100_000, 400, "JSON"),  # nested too deep for the parser
        (b'{"question": 42}', 400, "question"),
        (b'{"question": null}', 400, "question"),
        (b"\xff\xfe{}", 400, "JSON"),
    ],
)
def test_bad_api_bodies_get_a_clear_json_answer(assistant, body, status, phrase):
    response = TestClient(create_api(assistant)).post("/api/ask", content=body,
                                                      headers={"Content-Type": "application/json"})
    assert response.status_code == status and "Traceback" not in response.text
    payload = response.json()
    assert phrase in (payload if status == 200 else payload["error"])


def batch(monkeypatch, capsys, data: bytes) -> tuple[int, list[dict]]:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data)))
    code = cli.cmd_batch(None, None)
    return code, [json.loads(line) for line in capsys.readouterr().out.splitlines()]


def test_batch_answers_every_good_line_and_reports_every_bad_one(assistant, monkeypatch, capsys):
    monkeypatch.setattr(cli, "_assistant", lambda settings, rebuild=False: assistant)
    lines = [
        json.dumps({"id": 1, "question": QUESTION}, ensure_ascii=False).encode(),
        b'{"id": 2, "question": "\xff\xfe\xe6\x96\xb0\xe6\x9d\x90\xe6\x96\x99"}',  # invalid UTF-8 bytes
        b'{"id": 3, "question": 42}',
        b'{"id": 4, "question": null}',
        b"not json at all",
        json.dumps({"id": 6, "question": "未来产业包括哪些领域？"}, ensure_ascii=False).encode("gb18030"),
        b"[1, 2]",
        b'{"id": 8, "question": "\\u65b0\\udc80\\u6750\\u6599"}',
        b"   ",
        json.dumps({"id": 10, "question": "长株潭地区的产业发展方向是什么？"}, ensure_ascii=False).encode(),
    ]
    code, out = batch(monkeypatch, capsys, b"\n".join(lines) + b"\n")
    assert [o.get("id") for o in out] == [1, 2, 3, 4, None, 6, None, 8, 10]
    errors = [o for o in out if "error" in o]
    assert code == len(errors) == 4 and [o["line"] for o in errors] == [3, 4, 5, 7]
    answered = {o["id"]: o for o in out if "error" not in o}
    assert not answered[1]["refused"] and not answered[6]["refused"] and not answered[10]["refused"]
    assert "answer" in answered[2] and "answer" in answered[8]


def test_batch_reads_gb18030_input(assistant, monkeypatch, capsys):
    monkeypatch.setattr(cli, "_assistant", lambda settings, rebuild=False: assistant)
    data = "".join(json.dumps({"id": n, "question": q}, ensure_ascii=False) + "\n"
                   for n, q in enumerate([QUESTION, "未来产业包括哪些领域？"])).encode("gb18030")
    code, out = batch(monkeypatch, capsys, data)
    assert code == 0 and [o["id"] for o in out] == [0, 1] and not any(o["refused"] for o in out)


def test_ask_takes_a_question_that_starts_with_a_dash(assistant, monkeypatch, capsys):
    monkeypatch.setattr(cli, "_assistant", lambda settings, rebuild=False: assistant)
    assert cli.main(["ask", "-2030年新材料产业营收目标是多少？", "--json"]) == 0
    answer = json.loads(capsys.readouterr().out)
    assert not answer["refused"] and answer["citations"]


def test_ask_with_invalid_bytes_in_its_argument_answers(assistant, monkeypatch, capsys):
    monkeypatch.setattr(cli, "_assistant", lambda settings, rebuild=False: assistant)
    assert cli.main(["ask", "\udcff\udcfe新材料产业营收目标", "--json"]) == 0  # argv of b"\xff\xfe…"
    assert "answer" in json.loads(capsys.readouterr().out)


@pytest.mark.parametrize("question", ["", " \u200b\t"])
def test_an_empty_ask_answers_at_once_without_loading_anything(monkeypatch, capsys, question):
    def load(settings, rebuild=False):
        raise AssertionError("the model and index were loaded for an empty question")

    monkeypatch.setattr(cli, "_assistant", load)
    assert cli.main(["ask", question]) == 0
    assert EMPTY_QUESTION in capsys.readouterr().out


def test_the_page_cleans_what_it_is_sent(served):
    url, _ = served
    history = Page(url).ask("新\udc80材料产业营收目标是多少？")
    assert history[-1]["role"] == "assistant" and "\udc80" not in json.dumps(history)


# -- row 6: fair, bounded queueing ---------------------------------------------------------------
def test_a_full_queue_answers_503_with_retry_after():
    slow = SlowAssistant(0.3)
    with serving_in_background(create_api(SerializedAssistant(slow, queue_size=2)), "127.0.0.1", free_port()) as url:
        with ThreadPoolExecutor(max_workers=10) as pool:
            results = list(pool.map(lambda n: post(url + "/api/ask", ask_body(f"问题{n}")), range(10)))
    statuses = sorted(status for status, _, _ in results)
    assert set(statuses) == {200, 503} and statuses.count(200) >= 3
    for status, headers, text in results:
        if status == 503:
            assert int(headers["Retry-After"]) >= 1 and "秒后重试" in json.loads(text)["error"]


def test_questions_are_answered_first_come_first_served_and_health_never_waits():
    slow = SlowAssistant(0.05)
    shared = SerializedAssistant(slow)
    health_ms: list[float] = []
    with serving_in_background(create_api(shared), "127.0.0.1", free_port()) as url:
        def ask(n):
            time.sleep(n * 0.01)  # they join in this order
            return post(url + "/api/ask", ask_body(f"问题{n}"))[0]

        with ThreadPoolExecutor(max_workers=60) as pool:
            asked = pool.map(ask, range(50))  # more than the 40 threads that once all waited for the lock
            time.sleep(0.3)
            for _ in range(20):
                started = time.perf_counter()
                with urllib.request.urlopen(url + "/api/health", timeout=30) as response:
                    assert json.loads(response.read())["status"] == "ok"
                health_ms.append((time.perf_counter() - started) * 1000)
                time.sleep(0.05)
            assert list(asked) == [200] * 50
    assert sorted(health_ms)[-1] <= 200, health_ms
    timings = list(shared.queue.timings)
    assert [t.label for t in sorted(timings, key=lambda t: t.started)] == [t.label for t in
                                                                        sorted(timings, key=lambda t: t.enqueued)]
    assert slow.answered == [t.label for t in sorted(timings, key=lambda t: t.enqueued)]


# -- row 4 and 6: other sites, other hosts, uploads --------------------------------------------
def test_requests_for_another_host_are_refused(served):
    url, _ = served
    status, _, text = post(url + "/api/ask", ask_body(QUESTION), {"Host": "evil.example"})
    assert status == 400 and "Host" in text
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(urllib.request.Request(url + "/", headers={"Host": "evil.example:7860"}), timeout=30)
    assert refused.value.code == 400
    status, _, _ = post(url + "/api/ask", ask_body(QUESTION), {"Host": "rag.example"})
    assert status == 200


def test_a_page_of_another_site_cannot_send_questions(served):
    url, _ = served
    foreign = {"Origin": "http://evil.example"}
    assert post(url + "/api/ask", ask_body(QUESTION), foreign)[0] == 403
    assert post(url + "/gradio_api/queue/join", b"{}", foreign)[0] == 403
    assert post(url + "/api/ask", ask_body(QUESTION), {"Sec-Fetch-Site": "cross-site"})[0] == 403
    status, headers, _ = post(url + "/api/ask", b"", {**foreign, "Access-Control-Request-Method": "POST"}, "OPTIONS")
    assert status >= 400 and "Access-Control-Allow-Origin" not in headers
    # a form or text/plain post needs no preflight: the endpoint takes JSON only
    assert post(url + "/api/ask", b"question=x", {"Content-Type": "application/x-www-form-urlencoded"})[0] == 415
    assert post(url + "/api/ask", ask_body(QUESTION), {"Origin": url})[0] == 200  # the page itself


def test_no_cross_origin_reads_even_on_a_public_name(served):
    url, _ = served
    request = urllib.request.Request(url + "/config", headers={"Host": "rag.example", "Origin": "http://evil.example"})
    with urllib.request.urlopen(request, timeout=30) as response:
        assert "Access-Control-Allow-Origin" not in response.headers


def upload(url: str, size: int) -> int:
    boundary = "rag-boundary"
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"files\"; filename=\"big.bin\"\r\n"
            "Content-Type: application/octet-stream\r\n\r\n").encode() + b"x" * size + f"\r\n--{boundary}--\r\n".encode()
    try:
        return post(url + "/gradio_api/upload", body, {"Content-Type": f"multipart/form-data; boundary={boundary}"})[0]
    except urllib.error.URLError:  # refused before the whole body was sent
        return 413


def test_uploads_are_limited(served, assistant, settings, tmp_path):
    """With the 文档库 tab (an admin token) Gradio takes files up to UPLOAD_CAP_FACTOR × RAG_UPLOAD_MAX_MB (the tab
    itself says which are over the limit); without it, nothing."""
    from rag.app.server import UPLOAD_CAP_FACTOR
    from rag.app.ui import build_app

    url, _ = served
    assert upload(url, 5_000) == 200
    assert upload(url, UPLOAD_CAP_FACTOR * 2**20 + 1) == 413
    plain = build_app(SerializedAssistant(assistant), FeedbackStore(tmp_path / "f.sqlite3"), settings=settings)
    with serving_in_background(plain, "127.0.0.1", free_port()) as bare:
        assert upload(bare, 5_000) == 413


def test_gradio_files_are_private_and_swept(served, assistant, tmp_path):
    from rag.app.ui import build_ui

    folder = Path(os.environ["GRADIO_TEMP_DIR"])
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    ui = build_ui(assistant, FeedbackStore(tmp_path / "f.sqlite3"))
    assert ui.delete_cache == CACHE_SWEEP


# -- rows 4, 5: the feedback export --------------------------------------------------------------
def test_without_a_token_the_page_offers_no_export(assistant, tmp_path):
    from rag.app.ui import build_ui

    ui = build_ui(SerializedAssistant(assistant), FeedbackStore(tmp_path / "f.sqlite3"))
    elem_ids = {c["props"].get("elem_id") for c in ui.config["components"]}
    assert "feedback-export" not in elem_ids and "feedback-file" not in elem_ids


def test_the_export_needs_the_token_and_leaves_no_copy_behind(served, assistant):
    url, store = served
    answer = assistant.ask(QUESTION)
    store.record(QUESTION, QUESTION, answer, "down", "=cmd|' /C calc'!A0")
    page = Page(url)
    [refused] = page.call("feedback-export", "click", ["wrong"])
    assert not refused or refused.get("value") is None
    [exported] = page.call("feedback-export", "click", ["admin-secret-1"])
    path = Path(exported["value"]["path"] if "value" in exported else exported["path"])
    assert Path(os.environ["GRADIO_TEMP_DIR"]) in path.parents and stat.S_IMODE(path.stat().st_mode) == 0o600
    leftovers = [p for p in Path(os.environ.get("TMPDIR", "/tmp")).glob("rag-feedback-*")]
    assert leftovers == []
    text = path.read_text(encoding="utf-8-sig")
    assert "'=cmd|' /C calc'!A0" in text


@pytest.mark.parametrize("dangerous", ["=cmd|' /C calc'!A0", "+1+1", "-2+3", "@SUM(A1)", "\tx", "\r=1"])
def test_csv_cells_that_spreadsheets_would_run_are_neutralised(tmp_path, dangerous):
    store = FeedbackStore(tmp_path / "f.sqlite3")
    store.record(dangerous, dangerous, Answer(dangerous, dangerous, False, []), "up", dangerous)
    with store.export_csv(tmp_path / "out.csv").open(encoding="utf-8-sig", newline="") as handle:
        [row] = list(csv.DictReader(handle))
    for column in ("question", "understood_as", "answer"):
        assert row[column] == "'" + dangerous


# -- rows 7, 11: feedback storage ----------------------------------------------------------------
def test_a_read_only_data_folder_disables_feedback_with_a_notice(assistant, read_only_dir):
    from rag.app.ui import build_ui

    store = FeedbackStore(read_only_dir / "feedback.sqlite3")
    assert not store.available and "反馈功能暂不可用" in store.problem
    with pytest.raises(FeedbackUnavailable):
        store.record(QUESTION, QUESTION, Answer(QUESTION, "x", False, []), "up")
    ui = build_ui(SerializedAssistant(assistant), store)
    assert store.problem in json.dumps(ui.config, ensure_ascii=False, default=str)
    _, turns = list(respond(assistant, QUESTION, [], []))[-1]
    assert "未能保存" in rate_answer(store, turns, turns[0].message_index, True)[2]


def test_feedback_writes_never_fail_under_contention(tmp_path):
    store = FeedbackStore(tmp_path / "f.sqlite3")
    answer = Answer(QUESTION, "答", False, [])
    stop = threading.Event()
    failures: list[str] = []

    def export():
        while not stop.is_set():
            store.export_csv(tmp_path / "out.csv")

    def write(n):
        rows = []
        for i in range(25):
            try:
                rows.append(store.record(f"{n}-{i}", QUESTION, answer, "up", "意见"))
            except Exception as error:
                failures.append(repr(error))
        return rows

    child = subprocess.Popen([sys.executable, "-c", WRITER, str(store.path), "200"], stdout=subprocess.PIPE, text=True)
    exporter = threading.Thread(target=export)
    exporter.start()
    with ThreadPoolExecutor(max_workers=64) as pool:
        written = [row for rows in pool.map(write, range(64)) for row in rows]
    stop.set()
    exporter.join()
    child_rows = [int(line) for line in child.communicate(timeout=120)[0].split()]
    assert failures == [] and child.returncode == 0 and len(child_rows) == 200
    stored = {r.id for r in store.records()}
    assert len(written) == 64 * 25 and set(written) | set(child_rows) <= stored


WRITER = """
import sys
from rag.app.feedback import FeedbackStore
from rag.schema import Answer
store = FeedbackStore(sys.argv[1])
for n in range(int(sys.argv[2])):
    print(store.record(f"q{n}", "q", Answer("q", "a", False, []), "down", "c"), flush=True)
"""


def test_feedback_survives_kill_9_during_writes(tmp_path):
    path = tmp_path / "f.sqlite3"
    child = subprocess.Popen([sys.executable, "-c", WRITER, str(path), "100000"], stdout=subprocess.PIPE, text=True)
    saved = []
    for line in child.stdout:
        saved.append(int(line))
        if len(saved) == 60:
            break
    os.kill(child.pid, signal.SIGKILL)
    child.wait(timeout=30)
    store = FeedbackStore(path)
    assert store.available and set(saved) <= {r.id for r in store.records()}
    with sqlite3.connect(path) as connection:
        assert connection.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    assert store.record("after", "after", Answer("a", "b", False, []), "up") > max(saved)


# -- row 15: secrets -------------------------------------------------------------------------------
def test_upstream_error_bodies_are_logged_without_the_key(settings, assistant, caplog):
    answerer = GenerativeAnswerer(replace(settings, llm_base_url="http://127.0.0.1:9/v1", llm_model="m",
                                          llm_api_key=KEY), assistant)
    request = httpx.Request("POST", "http://127.0.0.1:9/v1/chat/completions")
    body = {"error": {"message": f"Incorrect API key provided: Bearer {KEY} (Authorization: Bearer {KEY})"}}
    error = openai.AuthenticationError(f"Error code: 401 - {body}", response=httpx.Response(401, request=request),
                                       body=body)
    with caplog.at_level(logging.WARNING):
        reason, _ = answerer._failure(error)
    assert "401" in reason and "sk-test" not in caplog.text and KEY not in caplog.text and MASK in caplog.text


def test_every_log_line_is_redacted(settings):
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        configure_logging(replace(settings, llm_api_key="plainkey-12345", admin_token="admin-secret-1"))
        configure_logging(settings)  # installed once
        assert sum(isinstance(f, RedactSecrets) for f in handler.filters) == 1
        log = logging.getLogger("rag.test")
        log.error("calling with %s and token=%s", "plainkey-12345", "admin-secret-1")
        try:
            raise RuntimeError(f"upstream said Authorization: Bearer {KEY}")
        except RuntimeError:
            log.exception("failed")
    finally:
        root.removeHandler(handler)
    text = stream.getvalue()
    assert "plainkey-12345" not in text and "admin-secret-1" not in text and KEY not in text
    assert text.count(MASK) >= 3 and "RuntimeError" in text


"""The app answers in a process of its own (rag.app.worker, issue 15): the same answers as the assistant, the
real app under load with it, a clear message when the worker is stuck or dies, and a new worker for the next
question. One worker for the module (each restart loads the model and the index again)."""

from __future__ import annotations

import json
import os
import signal
import threading
import time
import urllib.error
import urllib.request
from dataclasses import replace

import pytest

from rag.app.chat import respond
from rag.app.server import RESTART_SECONDS, SerializedAssistant, create_api, serving_in_background
from rag.app.soak import Mix, free_port, soak
from rag.app.worker import DIED, STUCK, AnswerWorker, ProcessAssistant
from rag.corpus.load import IndexUnavailable

QUESTIONS = ("到2030年新材料产业营收目标是多少？", "未来产业包括哪些领域？", "专精特新企业有哪些培育支持？")
HEALTH_P99_BOUND_MS = 1000


def ask(url: str, question: str):
    """(status, headers, JSON body) of a question to the endpoint, whatever its status."""
    request = urllib.request.Request(url + "/api/ask", json.dumps({"question": question}).encode(),
                                     {"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=300) as response:
            return response.status, response.headers, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, error.headers, json.loads(error.read())


@pytest.fixture(scope="module")
def worker(settings):
    assistant = ProcessAssistant(AnswerWorker(settings))
    yield assistant
    assistant.close()


@pytest.fixture(scope="module")
def served(worker):
    shared = SerializedAssistant(worker)
    with serving_in_background(create_api(shared), "127.0.0.1", free_port()) as url:
        yield url, shared


def test_the_worker_answers_as_the_assistant_does(served, worker, assistant):
    url, _ = served
    for question in QUESTIONS:
        status, _, body = ask(url, question)
        assert status == 200 and body == json.loads(json.dumps(assistant.ask(question).to_dict())), question
    assert worker.retrieve("新材料产业营收目标") == assistant.retrieve("新材料产业营收目标")
    assert worker.documents == assistant.documents and worker.index.notice == assistant.index.notice
    assert worker.show("二（三）5") == assistant.show("二（三）5")
    assert worker.worker.pid != os.getpid()


def test_the_app_under_load_loses_nothing_and_stays_responsive(worker, tmp_path):
    report = soak(worker, seconds=15, mix=Mix(pollers=30, askers=6, page_askers=2, writers=12), folder=tmp_path)
    assert report.server_errors == 0 and report.page_errors == 0, report
    assert report.feedback_saved > 100 and report.feedback_lost == 0, report
    # the 200 ms is what `make soak` reports on a quiet machine; this bound keeps the test from flaking
    # on a shared one
    assert report.health_p99_ms <= max(HEALTH_P99_BOUND_MS, 2 * report.health_floor_p99_ms), report
    assert report.overtaken == 0 and report.page_timed >= 2, report
    assert report.page_wait_max_s <= 5, report  # its own answer included, on a shared 2-core machine


def test_a_stuck_worker_is_replaced_and_the_question_told(served, worker, monkeypatch):
    url, _ = served
    monkeypatch.setattr(worker.worker, "answer_timeout", 3.0)
    stuck = worker.worker.pid
    os.kill(stuck, signal.SIGSTOP)
    started = time.monotonic()
    status, headers, body = ask(url, QUESTIONS[0])
    assert status == 503 and body["error"] == STUCK.format(3.0) and headers["Retry-After"] == str(RESTART_SECONDS)
    assert time.monotonic() - started < 30
    with urllib.request.urlopen(url + "/api/health", timeout=5) as response:  # served while it waits for the next
        assert response.status == 200
    status, _, body = ask(url, QUESTIONS[1])  # the new worker, once it has loaded
    assert status == 200 and body["citations"] and worker.worker.pid != stuck
    with pytest.raises(ProcessLookupError):
        os.kill(stuck, 0)


def test_a_worker_that_dies_while_answering_a_page_question_is_replaced(served, worker):
    _, shared = served
    worker.worker.ready()
    dying = worker.worker.pid
    os.kill(dying, signal.SIGSTOP)  # it cannot answer before it is killed
    threading.Timer(1.0, os.kill, (dying, signal.SIGKILL)).start()
    *_, (history, turns) = respond(shared, QUESTIONS[0], [], [])
    assert history[-1] == {"role": "assistant", "content": DIED} and turns == []
    *_, (history, turns) = respond(shared, QUESTIONS[0], [], [])
    assert turns[-1].answer.citations and worker.worker.pid != dying


def test_a_worker_found_dead_is_started_again_before_the_question(served, worker):
    url, _ = served
    worker.worker.ready()
    dead = worker.worker.pid
    os.kill(dead, signal.SIGKILL)
    time.sleep(0.5)
    status, _, body = ask(url, QUESTIONS[2])
    assert status == 200 and body["citations"] and worker.worker.pid != dead


def test_a_worker_that_cannot_start_says_why(settings, tmp_path):
    with pytest.raises(IndexUnavailable, match="没有文件"):
        ProcessAssistant(AnswerWorker(replace(settings, corpus_dir=tmp_path)))

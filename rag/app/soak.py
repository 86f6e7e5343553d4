"""Load test on loopback (`make soak`): the real app under many simultaneous clients for a bounded time.

This process serves the app as app.py does (answers in a worker process, a fresh feedback database). A
child process (``--drive``) runs the clients: health pollers and page loaders, askers of the JSON endpoint
(they honour 503 Retry-After), askers on the page (through Gradio's queue protocol, as the browser does),
and feedback writers with an exporter on the app's database (another process: the harder case for
SQLite). It prints:

- 5xx responses (and how many of them were 503 "busy"), errors on the page;
- lost feedback rows: rows a writer was told were saved that the database does not hold, and failed writes;
- /api/health p99 latency, and the same with no question asked: the floor of this machine at the time
  (on a machine shared with other work, that floor alone can exceed 200 ms);
- how long a question from the page waited after its turn: from the moment the answer queue started it
  to the moment the page had the answer (its own answering included), p95 and max;
- the fair-queue bound: questions started before one that had joined the queue earlier (0 = FIFO).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

QUESTIONS = (
    "到2030年新材料产业营收目标是多少？",
    "未来产业包括哪些领域？",
    "长株潭地区的产业发展方向是什么？",
    "专精特新企业有哪些培育支持？",
    "新能源汽车产业的发展目标是什么？",
    "如何推动绿色低碳转型？",
    "传统产业改造提升包括哪些产业？",
    "数字经济核心产业增加值占GDP比重目标是多少？",
)
PAGE_QUESTIONS = ("工程机械产业到2030年营收目标是多少？", "生物医药产业的发展重点是什么？",
                  "轨道交通装备产业有哪些目标？", "人工智能产业发展方向是什么？")


@dataclass(frozen=True)
class Mix:
    """How the clients are split (their sum is the number of concurrent clients)."""

    pollers: int = 60  # GET /api/health, now and then the page itself
    askers: int = 10  # POST /api/ask
    page_askers: int = 4  # a question on the page, as the browser asks it
    writers: int = 26  # feedback rows written while an export reads them

    @property
    def clients(self) -> int:
        return self.pollers + self.askers + self.page_askers + self.writers


@dataclass(frozen=True)
class Report:
    requests: int
    server_errors: int  # 5xx
    busy: int  # of which 503 with Retry-After
    page_errors: int
    feedback_saved: int
    feedback_lost: int
    health_p99_ms: float
    health_floor_p99_ms: float  # with only the pollers: what the machine itself allows
    load_average: float
    page_questions: int  # answered on the page
    page_timed: int  # of which matched to their job in the queue
    page_wait_p95_s: float
    page_wait_max_s: float
    overtaken: int

    def lines(self) -> list[str]:
        return [
            f"requests: {self.requests}",
            f"5xx: {self.server_errors} (503 busy: {self.busy}); page errors: {self.page_errors}",
            f"feedback rows saved: {self.feedback_saved}, lost: {self.feedback_lost}",
            f"/api/health p99: {self.health_p99_ms:.0f} ms (no questions asked: {self.health_floor_p99_ms:.0f} ms;"
            f" machine load average {self.load_average:.1f})",
            f"page questions answered: {self.page_questions} ({self.page_timed} timed); waited after their turn:"
            f" p95 {self.page_wait_p95_s:.2f} s,"
            f" max {self.page_wait_max_s:.2f} s",
            f"questions overtaken in the queue: {self.overtaken}",
        ]


def percentile(values: list[float], share: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


# -- the page, as the browser uses it ----------------------------------------------------------
class Page:
    """Calls the page's events through its own endpoints, as the browser does (Gradio's queue: join,
    then read the event stream)."""

    def __init__(self, base: str):
        self.base = base
        with urllib.request.urlopen(f"{base}/config", timeout=60) as response:
            config = json.loads(response.read())
        self.ids = {c["props"].get("elem_id"): c["id"] for c in config["components"] if c["props"].get("elem_id")}
        self.dependencies = config["dependencies"]

    def call(self, elem_id: str, event: str, data: list, timeout: float = 120) -> list:
        """The outputs of the event `event` of the component `elem_id`; RuntimeError if the page reports one."""
        trigger = self.ids[elem_id]
        fn_index = next(d["id"] for d in self.dependencies if [trigger, event] in [list(t) for t in d["targets"]])
        session = uuid.uuid4().hex[:10]
        body = {"data": data, "fn_index": fn_index, "trigger_id": trigger, "session_hash": session,
                "event_data": None}
        request = urllib.request.Request(f"{self.base}/gradio_api/queue/join", json.dumps(body).encode(),
                                         {"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=timeout) as response:
            response.read()
        with urllib.request.urlopen(f"{self.base}/gradio_api/queue/data?session_hash={session}",
                                    timeout=timeout) as stream:
            for raw in stream:
                if not raw.startswith(b"data:"):
                    continue
                message = json.loads(raw[5:])
                if message.get("msg") == "process_completed":
                    if not message.get("success"):
                        raise RuntimeError(f"page error: {message.get('output')}")
                    return message["output"]["data"]
        raise RuntimeError("page stream ended without an answer")

    def ask(self, question: str) -> list[dict]:
        """The chat history after the answer to `question`."""
        return self.call("question", "submit", [question, [], None, ""])[1]  # "": every document


# -- the client process ------------------------------------------------------------------------
def drive(base: str, seconds: float, mix: Mix, feedback_db: Path) -> dict:
    """Run the clients until `seconds` have passed; what they saw, for the serving process."""
    from .feedback import FeedbackStore
    from ..schema import Answer

    stop = time.monotonic() + seconds
    store = FeedbackStore(feedback_db)
    answer = Answer(QUESTIONS[0], "答", False, [])
    saved: list[int] = []
    failed: list[str] = []
    statuses: list[int] = []
    health_ms: list[float] = []
    page: list[dict] = []
    page_errors: list[str] = []
    lock = threading.Lock()

    def request(url: str, body: bytes | None = None) -> tuple[int, dict[str, str]]:
        headers = {"Content-Type": "application/json"} if body is not None else {}
        try:
            with urllib.request.urlopen(urllib.request.Request(url, body, headers), timeout=120) as response:
                response.read()
                return response.status, dict(response.headers)
        except urllib.error.HTTPError as error:
            return error.code, dict(error.headers)
        except OSError:
            return 599, {}  # no answer at all counts as a server error

    def poller(n: int) -> None:
        while time.monotonic() < stop:
            started = time.perf_counter()
            status, _ = request(f"{base}/api/health")
            with lock:
                statuses.append(status)
                health_ms.append((time.perf_counter() - started) * 1000)
            if n % 10 == 0:
                status, _ = request(f"{base}/")
                with lock:
                    statuses.append(status)
            time.sleep(random.uniform(0.05, 0.3))

    def asker(n: int) -> None:
        while time.monotonic() < stop:
            body = json.dumps({"question": random.choice(QUESTIONS)}, ensure_ascii=False).encode()
            status, headers = request(f"{base}/api/ask", body)
            with lock:
                statuses.append(status)
            time.sleep(float(headers.get("retry-after", 0)) if status == 503 else random.uniform(0.5, 2))

    def page_asker(n: int) -> None:
        client = Page(base)
        while time.monotonic() < stop:
            question = PAGE_QUESTIONS[n % len(PAGE_QUESTIONS)]
            sent = time.monotonic()
            try:
                client.ask(question)
                with lock:
                    page.append({"label": question, "sent": sent, "done": time.monotonic()})
            except (RuntimeError, OSError, ValueError) as error:
                with lock:
                    page_errors.append(str(error)[:200])
            time.sleep(random.uniform(0.5, 2))

    def writer(n: int) -> None:
        write_feedback(store, answer, stop, saved, failed, lock)

    def exporter(n: int) -> None:
        export_feedback(store, stop, failed, lock)

    roles: list[tuple[Callable[[int], None], int]] = [
        (poller, mix.pollers), (asker, mix.askers), (page_asker, mix.page_askers), (writer, mix.writers - 1),
        (exporter, 1)]
    threads = [threading.Thread(target=role, args=(n,), daemon=True) for role, count in roles for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=seconds + 180)
    return {"statuses": statuses, "health_ms": health_ms, "page": page, "page_errors": page_errors,
            "saved": saved, "failed": failed}


def write_feedback(store, answer, stop: float, saved: list[int], failed: list[str], lock: threading.Lock) -> None:
    while time.monotonic() < stop:
        try:
            row = store.record("到2030年新材料产业营收目标是多少？", "到2030年新材料产业营收目标是多少？", answer,
                               random.choice(("up", "down")), "=SUM(A1)")
            with lock:
                saved.append(row)
        except Exception as error:  # a failed write is what this counts
            with lock:
                failed.append(repr(error))
        time.sleep(random.uniform(0.01, 0.1))


def export_feedback(store, stop: float, failed: list[str], lock: threading.Lock) -> None:
    while time.monotonic() < stop:
        try:
            path = store.export_private()
            path.unlink()
            path.parent.rmdir()
        except Exception as error:
            with lock:
                failed.append(repr(error))
        time.sleep(2)


# -- the serving process -----------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def soak(assistant, seconds: float = 30, mix: Mix = Mix(), folder: Path | None = None,
         floor_seconds: float = 5) -> Report:
    """Serve the app around `assistant` (the app's ProcessAssistant, or a rag Assistant answering in this
    process): first only poll its health for `floor_seconds`, then load it with `mix` for `seconds`."""
    import gc

    from .feedback import FeedbackStore
    from .server import SerializedAssistant, serving_in_background
    from .ui import build_app

    if folder is None:
        with tempfile.TemporaryDirectory(prefix="rag-soak-") as scratch:
            return soak(assistant, seconds, mix, Path(scratch), floor_seconds)
    store = FeedbackStore(Path(folder) / "feedback.sqlite3")
    shared = SerializedAssistant(assistant)
    app = build_app(shared, store)
    gc.freeze()  # as serve() does
    with serving_in_background(app, "127.0.0.1", free_port()) as base:
        quiet = _drive_in_child(base, floor_seconds, Mix(mix.pollers, 0, 0, 1), store.path)
        seen = _drive_in_child(base, seconds, mix, store.path)
    return _report(seen, quiet, shared.queue.timings, {r.id for r in store.records()})


def _drive_in_child(base: str, seconds: float, mix: Mix, feedback_db: Path) -> dict:
    command = [sys.executable, "-m", "rag.app.soak", "--drive", base, "--seconds", str(seconds),
               "--mix", json.dumps(mix.__dict__), "--feedback", str(feedback_db)]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, (os.getcwd(), os.environ.get("PYTHONPATH"))))}
    result = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 300, env=env, check=True)
    return json.loads(result.stdout)


def _report(seen: dict, quiet: dict, timings, stored: set[int]) -> Report:
    page_jobs = [t for t in timings if t.origin == "page"]
    waits = []
    for asked in seen["page"]:
        job = next((t for t in page_jobs if t.label == asked["label"] and asked["sent"] <= t.enqueued <= asked["done"]),
                   None)
        if job is not None:
            waits.append(asked["done"] - job.started)
    ordered = sorted(timings, key=lambda t: t.enqueued)
    overtaken = sum(1 for earlier, later in zip(ordered, ordered[1:]) if later.started < earlier.started)
    statuses = seen["statuses"]
    return Report(
        requests=len(statuses) + len(seen["page"]) + len(seen["page_errors"]),
        server_errors=sum(1 for s in statuses if s >= 500),
        busy=statuses.count(503),
        page_errors=len(seen["page_errors"]),
        feedback_saved=len(seen["saved"]),
        feedback_lost=len(set(seen["saved"]) - stored) + len(seen["failed"]),
        health_p99_ms=percentile(seen["health_ms"], 0.99),
        health_floor_p99_ms=percentile(quiet["health_ms"], 0.99),
        load_average=os.getloadavg()[0],
        page_questions=len(seen["page"]),
        page_timed=len(waits),
        page_wait_p95_s=percentile(waits, 0.95),
        page_wait_max_s=max(waits, default=0.0),
        overtaken=overtaken,
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m rag.app.soak", description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--drive", default="", help="(internal) run the clients against this base URL")
    parser.add_argument("--mix", default="", help="(internal) the client mix as JSON")
    parser.add_argument("--feedback", default="", help="(internal) the feedback database the writers use")
    args = parser.parse_args(argv)
    mix = Mix(**json.loads(args.mix)) if args.mix else Mix()
    if args.drive:
        json.dump(drive(args.drive, args.seconds, mix, Path(args.feedback)), sys.stdout)
        return 0
    from ..config import Settings
    from ..logs import configure_logging
    from .worker import AnswerWorker, ProcessAssistant

    settings = Settings.from_env()
    configure_logging(settings)
    assistant = ProcessAssistant(AnswerWorker(settings))
    try:
        report = soak(assistant, args.seconds, mix)
    finally:
        assistant.close()
    print(f"soak: {mix.clients} concurrent clients for {args.seconds:g} s on loopback")
    for line in report.lines():
        print("  " + line)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Serving: the Gradio app mounted on FastAPI, a JSON endpoint for other systems, and uvicorn.

``POST /api/ask`` with ``{"question": "..."}`` (``Content-Type: application/json``) returns what
``python -m rag ask --json`` prints; optional ``doc`` (an id, 文号 or title, or a list of them), ``issuer`` and
``since`` (YYYY or YYYY-MM-DD) choose the documents to answer from, as --doc/--issuer/--since do. Questions from the page and from the endpoint share one assistant,
which answers them one at a time, first come first served (AnswerQueue). When too many wait, the endpoint
answers 503 with ``Retry-After``; also when the app's answer worker could not answer (rag.app.worker: the
app answers in a process of its own). Nothing else waits for answers: ``/api/health`` and the page's own
requests are served at once. Requests naming a host not allowed (RAG_ALLOWED_HOSTS) and requests a page
of another site makes a browser send are refused (RequestGuard). ``serve`` freezes what was loaded out of
the garbage collector's reach first: a full collection walking it stopped every request for up to a second.
"""

from __future__ import annotations

import asyncio
import gc
import json
import logging
import math
import re
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from starlette.datastructures import Headers
from starlette.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp, Receive, Scope, Send

from ..config import Settings
from ..corpus.select import DocumentFilter, apply_filter, select
from ..schema import Document
from .assistant import AssistantLike
from .worker import AnswerUnavailable

if TYPE_CHECKING:
    import gradio as gr

log = logging.getLogger(__name__)

TITLE = "湖南制造强省规划问答助手"

MAX_BODY_BYTES = 1_000_000
MAX_UPLOAD = "1kb"  # without the 文档库 tab the page uploads nothing; Gradio's upload route is mounted anyway
# With the tab, Gradio's own cap on a file is this many times RAG_UPLOAD_MAX_MB: beyond it Gradio refuses the
# whole upload with an English message, below it the tab names the file too large and adds the others.
UPLOAD_CAP_FACTOR = 4
CACHE_SWEEP = (600, 1800)  # every 10 min, Gradio's temporary files older than 30 min are deleted
EXAMPLE = '{"question": "到2030年新材料产业营收目标是多少？"}'
_SINCE = re.compile(r"\d{4}(?:-\d{2}-\d{2})?")
BUSY = "当前排队的问题较多，请{}秒后重试。"
_SAFE_METHODS = {"GET", "HEAD"}
RESTART_SECONDS = 30  # Retry-After when the answer worker is being started again


class QueueFull(Exception):
    def __init__(self, retry_after: int):
        super().__init__(f"answer queue full, retry after {retry_after}s")
        self.retry_after = retry_after


@dataclass(frozen=True)
class JobTiming:
    """When one question joined the queue, was started and was finished (time.monotonic seconds)."""

    origin: str  # "api" or "page"
    label: str
    enqueued: float
    started: float
    finished: float


@dataclass
class _Job:
    call: Callable[[], object]
    origin: str
    label: str
    enqueued: float = field(default_factory=time.monotonic)
    future: Future = field(default_factory=Future)


class AnswerQueue:
    """One worker thread runs jobs first come first served. At most `limit` jobs from the endpoint may
    wait (submit raises QueueFull beyond); the page's jobs are bounded by Gradio's own concurrency.
    The thread runs at normal priority: niced, it was descheduled while holding the interpreter lock and
    stalled the event loop (the app's answers are computed in another process: rag.app.worker)."""

    def __init__(self, limit: int, history: int = 5000):
        self.limit = limit
        self._jobs: deque[_Job] = deque()
        self._ready = threading.Condition()
        self.timings: deque[JobTiming] = deque(maxlen=history)
        threading.Thread(target=self._work, name="rag-answers", daemon=True).start()

    @property
    def waiting(self) -> int:
        return len(self._jobs)

    def submit(self, call: Callable[[], object], origin: str, label: str = "", bounded: bool = True) -> Future:
        with self._ready:
            if bounded and len(self._jobs) >= self.limit:
                raise QueueFull(self.retry_after())
            job = _Job(call, origin, label[:80])
            self._jobs.append(job)
            self._ready.notify()
        return job.future

    def run(self, call: Callable[[], object], label: str = ""):
        """Run `call` in its turn and wait for it (the page's questions)."""
        return self.submit(call, "page", label, bounded=False).result()

    def retry_after(self) -> int:
        recent = list(self.timings)[-20:]
        seconds = sum(t.finished - t.started for t in recent) / len(recent) if recent else 1.0
        return max(1, min(120, math.ceil(seconds * (len(self._jobs) + 1))))

    def _work(self) -> None:
        while True:
            with self._ready:
                while not self._jobs:
                    self._ready.wait()
                job = self._jobs.popleft()
            if not job.future.set_running_or_notify_cancel():  # its client is gone
                continue
            started = time.monotonic()
            try:
                job.future.set_result(job.call())
            except Exception as error:  # the caller reports it; the worker goes on
                job.future.set_exception(error)
            self.timings.append(JobTiming(job.origin, job.label, job.enqueued, started, time.monotonic()))


class SerializedAssistant:
    """The assistant, answering one question at a time in an AnswerQueue (its models and index are not
    known to be thread-safe). Everything else is passed through."""

    def __init__(self, assistant, queue_size: int = Settings.queue_size):
        self._assistant = assistant
        self.queue = AnswerQueue(queue_size)

    def ask(self, question: str, documents=None):
        """`documents`: a DocumentFilter (rag.corpus.select) choosing the documents to answer from."""
        return self.queue.run(lambda: self._assistant.ask(question, documents), str(question))

    def retrieve(self, text: str, notice: str = ""):
        return self.queue.run(lambda: self._assistant.retrieve(text, notice), text)

    def reload(self) -> None:
        """Answer from the library as it is now (after a change in the 文档库 tab). The assistant is loaded again
        in the queue's turn: the questions already waiting are answered first, from the library they were asked
        of, and none is lost. IndexUnavailable or AnswerUnavailable when it cannot be; the one before stays."""
        self._assistant = self.queue.run(self._assistant.reloaded, "文档库更新")

    def submit(self, question: str, documents=None) -> Future:
        """The endpoint's question, bounded: raises QueueFull when too many wait."""
        if documents:
            return self.queue.submit(lambda: self._assistant.ask(question, documents), "api", question)
        return self.queue.submit(lambda: self._assistant.ask(question), "api", question)

    def __getattr__(self, name: str):
        if name.startswith("_"):  # not set yet (e.g. while copying): never recurse
            raise AttributeError(name)
        return getattr(self._assistant, name)


class RequestGuard:
    """Answers only requests for an allowed host name (a DNS-rebinding page cannot reach the app through
    its own name), and refuses state-changing requests that a page of another site made a browser send:
    their Origin is not this server, or Sec-Fetch-Site says cross-site. Clients that are not browsers
    send no Origin and pass."""

    def __init__(self, app: ASGIApp, allowed_hosts: tuple[str, ...]):
        self.app = app
        self.any_host = "*" in allowed_hosts
        self.allowed_hosts = {h.lower().strip("[]") for h in allowed_hosts}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket"):
            headers = Headers(scope=scope)
            host = headers.get("host", "")
            if not self.any_host and _host_name(host) not in self.allowed_hosts:
                await _refuse(scope, receive, send, 400, "不接受这个主机名（Host）。请用允许的地址访问，或设置 RAG_ALLOWED_HOSTS。")
                return
            origin = headers.get("origin")
            unsafe = scope["type"] == "websocket" or scope["method"] not in _SAFE_METHODS
            foreign = (origin is not None and urlsplit(origin).netloc.lower() != host.lower()) or (
                headers.get("sec-fetch-site") == "cross-site")
            if unsafe and foreign:
                await _refuse(scope, receive, send, 403, "不接受来自其他网站页面的请求。")
                return
        await self.app(scope, receive, send)


def _host_name(host: str) -> str:
    """The name in a Host header, without port: "127.0.0.1:7860" → "127.0.0.1", "[::1]:7860" → "::1"."""
    host = host.strip().lower()
    if host.startswith("["):
        return host[1 : host.find("]")] if "]" in host else host
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


async def _refuse(scope: Scope, receive: Receive, send: Send, status: int, message: str) -> None:
    if scope["type"] == "websocket":
        await send({"type": "websocket.close", "code": 1008})
        return
    await _error(status, message)(scope, receive, send)


def _error(status: int, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status, headers=headers)


def _request(body: bytes, documents: list[Document]) -> tuple[str, DocumentFilter | None] | JSONResponse:
    """The question of a request body and the documents it chooses (doc, issuer, since), or the response
    saying what is wrong with it."""
    try:
        payload = json.loads(body.decode("utf-8"))
    except (ValueError, RecursionError):  # UnicodeDecodeError is a ValueError
        return _error(400, f"请求体须为 UTF-8 编码的 JSON，例如 {EXAMPLE}")
    question = payload.get("question") if isinstance(payload, dict) else None
    if not isinstance(question, str):
        return _error(400, f'缺少字符串字段 "question"，例如 {EXAMPLE}')
    doc, issuer, since = (payload.get(key, "") for key in ("doc", "issuer", "since"))
    docs = (doc,) if isinstance(doc, str) else doc
    if not isinstance(docs, list | tuple) or not all(isinstance(d, str) for d in docs):
        return _error(400, '字段 "doc" 须为文件的编号、文号或标题（字符串），或这样的字符串列表。')
    if not isinstance(issuer, str):
        return _error(400, '字段 "issuer" 须为发文机关名称（字符串）。')
    if not isinstance(since, str) or (since and not _SINCE.fullmatch(since)):
        return _error(400, '字段 "since" 须为年份或日期，如 "2026" 或 "2026-05-01"。')
    wanted = DocumentFilter(tuple(d.strip() for d in docs if d.strip()), issuer.strip(), since)
    if not wanted:
        return question, None
    unknown = [d for d in wanted.docs if not select(documents, d)]
    if unknown:
        return _error(400, f"文档库中没有文件“{'、'.join(unknown)}”（可用文件编号、文号或标题，见 python -m rag list）。")
    if not apply_filter(documents, wanted):
        return _error(400, "文档库中没有同时符合 doc、issuer、since 条件的文件。")
    return question, wanted


def create_api(assistant: AssistantLike) -> FastAPI:
    shared = assistant if isinstance(assistant, SerializedAssistant) else SerializedAssistant(assistant)
    api = FastAPI(title=TITLE, docs_url="/api/docs", openapi_url="/api/openapi.json")

    @api.exception_handler(Exception)
    async def internal_error(request: Request, error: Exception) -> JSONResponse:
        log.error("request %s %s failed: %s", request.method, request.url.path, type(error).__name__, exc_info=error)
        return _error(500, "系统内部出错（错误已记录）。请稍后重试。")

    @api.get("/api/health")
    async def health() -> dict:  # on the event loop: never waits for a thread, nor for answers
        return {"status": "ok", "waiting": shared.queue.waiting, "documents": [d.meta.title for d in shared.documents]}

    @api.post("/api/ask")
    async def ask(request: Request) -> JSONResponse:
        if request.headers.get("content-type", "").split(";")[0].strip().lower() != "application/json":
            return _error(415, f"请求须为 JSON（Content-Type: application/json），例如 {EXAMPLE}")
        declared = request.headers.get("content-length", "")
        size = int(declared) if declared.isdigit() else 0
        body = b"" if size > MAX_BODY_BYTES else await request.body()  # a declared huge body is not read
        size = max(size, len(body))
        if size > MAX_BODY_BYTES:
            return _error(413, f"请求过大（{size}字节），上限为{MAX_BODY_BYTES}字节。")
        parsed = _request(body, shared.documents)
        if isinstance(parsed, JSONResponse):
            return parsed
        question, documents = parsed
        try:
            future = shared.submit(question, documents)
        except QueueFull as full:
            return _error(503, BUSY.format(full.retry_after), {"Retry-After": str(full.retry_after)})
        try:
            answer = await asyncio.wrap_future(future)
        except asyncio.CancelledError:
            future.cancel()
            raise
        except AnswerUnavailable as error:
            return _error(503, str(error), {"Retry-After": str(RESTART_SECONDS)})
        except Exception:
            log.exception("answering failed: %.200s", question)
            return _error(500, "系统内部出错，未能回答这个问题（错误已记录）。请稍后重试。")
        return JSONResponse(answer.to_dict())

    return api


def create_app(assistant: AssistantLike, ui: gr.Blocks, settings: Settings | None = None,
               **mount_options) -> FastAPI:
    """The JSON endpoint and the page, on one FastAPI app behind the RequestGuard. mount_options go to
    gr.mount_gradio_app (theme, css, js, head)."""
    import gradio as gr  # seconds to import: not before the start page is up (rag.app.startup)

    settings = settings or Settings.from_env()
    api = create_api(assistant)
    # An app-level CORS policy that allows no other origin: Gradio then adds no CORS headers of its own.
    api.add_middleware(CORSMiddleware, allow_origins=[])
    api.add_middleware(RequestGuard, allowed_hosts=settings.allowed_hosts)
    cap = UPLOAD_CAP_FACTOR * settings.upload_max_bytes if settings.admin_token else MAX_UPLOAD
    return gr.mount_gradio_app(api, ui, path="/", ssr_mode=False, show_error=False, max_file_size=cap,
                               footer_links=[], **mount_options)


def serve(app: FastAPI, settings: Settings) -> None:
    gc.freeze()
    # log_config=None: uvicorn's loggers go through the root handler and its secret-redacting filter
    uvicorn.run(app, host=settings.host, port=settings.port, log_level=settings.log_level.lower(), log_config=None)


@contextmanager
def serving_in_background(app: FastAPI, host: str, port: int, timeout: float = 60.0) -> Iterator[str]:
    """Run the app in a thread (for tests and embedding); yields its base URL, stops on exit."""
    server = uvicorn.Server(uvicorn.Config(app, host=host, port=port, log_level="warning", log_config=None))
    thread = threading.Thread(target=server.run, name="rag-server", daemon=True)
    thread.start()
    deadline = time.monotonic() + timeout
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError(f"server on {host}:{port} did not start")
        time.sleep(0.05)
    try:
        yield f"http://{host}:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)

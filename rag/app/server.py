"""Serving: the Gradio app mounted on FastAPI, a JSON endpoint for other systems, and uvicorn.

``POST /api/ask`` with ``{"question": "..."}`` returns what ``python -m rag ask --json`` prints.
Questions from the page and from the endpoint share one assistant, which answers one at a time.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import gradio as gr
import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from ..config import Settings
from ..corpus.select import DocumentFilter

log = logging.getLogger(__name__)

MAX_BODY_BYTES = 1_000_000


class SerializedAssistant:
    """The assistant, answering one question at a time (its models and index are not known to be
    thread-safe). Everything else is passed through."""

    def __init__(self, assistant):
        self._assistant = assistant
        self._lock = threading.Lock()

    def ask(self, question: str, documents=None):
        with self._lock:
            return self._assistant.ask(question, documents) if documents else self._assistant.ask(question)

    def retrieve(self, text: str, notice: str = ""):
        with self._lock:
            return self._assistant.retrieve(text, notice)

    def __getattr__(self, name: str):
        if name.startswith("_"):  # not set yet (e.g. while copying): never recurse
            raise AttributeError(name)
        return getattr(self._assistant, name)


def _error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status)


def _document_filter(payload: dict) -> DocumentFilter:
    """Optional fields "doc" (a selector or a list of them), "issuer" and "since" choose the documents."""
    docs = payload.get("doc") or ()
    docs = (docs,) if isinstance(docs, str) else tuple(str(d) for d in docs if d) if isinstance(docs, list) else ()
    return DocumentFilter(docs, str(payload.get("issuer") or ""), str(payload.get("since") or ""))


def create_api(assistant) -> FastAPI:
    api = FastAPI(title="湖南制造强省规划问答助手", docs_url="/api/docs", openapi_url="/api/openapi.json")

    @api.get("/api/health")
    def health() -> dict:
        return {"status": "ok", "documents": [d.meta.title for d in assistant.documents],
                "library": [{"doc_id": d.doc_id, "title": d.meta.title, "doc_number": d.meta.doc_number,
                             "issuer": d.meta.issuer, "date": d.meta.date, "status": d.meta.status}
                            for d in assistant.documents]}

    @api.post("/api/ask")
    async def ask(request: Request) -> JSONResponse:
        body = await request.body()
        if len(body) > MAX_BODY_BYTES:
            return _error(413, f"请求过大（{len(body)}字节），上限为{MAX_BODY_BYTES}字节。")
        try:
            payload = await request.json()
        except (ValueError, UnicodeDecodeError):
            return _error(400, '请求体须为 UTF-8 编码的 JSON，例如 {"question": "到2030年新材料产业营收目标是多少？"}')
        question = payload.get("question") if isinstance(payload, dict) else None
        if not isinstance(question, str):
            return _error(400, '缺少字符串字段 "question"，例如 {"question": "到2030年新材料产业营收目标是多少？"}')
        wanted = _document_filter(payload)
        try:
            # Off the event loop: the assistant blocks while it answers (and while others wait for it).
            answer = await run_in_threadpool(assistant.ask, question, wanted)
        except Exception:
            log.exception("answering failed: %.200s", question)
            return _error(500, "系统内部出错，未能回答这个问题（错误已记录）。请稍后重试。")
        return JSONResponse(answer.to_dict())

    return api


def create_app(assistant, ui: gr.Blocks, **mount_options) -> FastAPI:
    """The JSON endpoint and the page, on one FastAPI app. mount_options go to gr.mount_gradio_app
    (theme, css, js, head)."""
    return gr.mount_gradio_app(create_api(assistant), ui, path="/", ssr_mode=False, show_error=False, **mount_options)


def serve(app: FastAPI, settings: Settings) -> None:
    uvicorn.run(app, host=settings.host, port=settings.port, log_level=settings.log_level.lower())


@contextmanager
def serving_in_background(app: FastAPI, host: str, port: int, timeout: float = 60.0) -> Iterator[str]:
    """Run the app in a thread (for tests and embedding); yields its base URL, stops on exit."""
    server = uvicorn.Server(uvicorn.Config(app, host=host, port=port, log_level="warning"))
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

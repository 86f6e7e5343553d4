"""While the app starts (on first start the embedding model is converted and the index built, which takes a
minute or more), its address already answers with a page that lists the stages as they are logged, with the
elapsed time, and opens the app once it is up."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from html import escape

from fastapi import FastAPI
from fastapi.responses import HTMLResponse, JSONResponse

from .server import serving_in_background

log = logging.getLogger(__name__)

# Polls /api/health: the start page answers 503 with the stages so far, the app 200. Between the two servers
# the address refuses connections for a moment; the page keeps polling through that.
PAGE = """<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>正在启动 · {title}</title>
<style>body {{ font-family: system-ui, sans-serif; max-width: 40rem; margin: 2rem auto; padding: 0 1rem;
line-height: 1.6; }} li {{ color: #555; }} li:last-child {{ color: #000; font-weight: 600; }}</style></head>
<body><h2>{title}</h2>
<p>正在启动，已用 <b id="elapsed">{elapsed}</b> 秒。首次启动要转换嵌入模型、建立索引，较慢；\
以后启动只加载二者，快得多。就绪后本页自动打开应用。</p>
<ol id="stages">{stages}</ol>
<script>
const show = (status) => {{
  document.getElementById("elapsed").textContent = status.elapsed;
  const list = document.getElementById("stages");
  list.replaceChildren(...status.stages.map((line) => {{
    const item = document.createElement("li");
    item.textContent = line;
    return item;
  }}));
}};
setInterval(async () => {{
  try {{
    const response = await fetch("/api/health", {{ cache: "no-store" }});
    if (response.ok) location.reload();
    else show(await response.json());
  }} catch (error) {{}}
}}, 1000);
</script></body></html>
"""


class StartupLog(logging.Handler):
    """The package's log records since the start, as lines with the seconds elapsed."""

    def __init__(self):
        super().__init__(logging.INFO)
        self.started = time.time()
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(f"{record.created - self.started:.0f} 秒：{record.getMessage()}")

    def status(self) -> dict:
        return {"status": "starting", "elapsed": round(time.time() - self.started), "stages": list(self.lines)}


def startup_app(progress: StartupLog, title: str) -> FastAPI:
    app = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)

    @app.get("/api/health")
    def health() -> JSONResponse:
        return JSONResponse(progress.status(), status_code=503)

    @app.get("/{path:path}")
    def page(path: str) -> HTMLResponse:
        status = progress.status()
        stages = "".join(f"<li>{escape(line)}</li>" for line in status["stages"])
        html = PAGE.format(title=escape(title), elapsed=status["elapsed"], stages=stages)
        return HTMLResponse(html, status_code=503, headers={"Retry-After": "2", "Cache-Control": "no-store"})

    return app


@contextmanager
def startup_page(host: str, port: int, title: str) -> Iterator[StartupLog]:
    """Serve the start page at host:port while the body runs (the package's logger must pass INFO records).
    If the address cannot be served the start goes on without the page."""
    progress = StartupLog()
    logger = logging.getLogger("rag")
    logger.addHandler(progress)
    try:
        with ExitStack() as stack:
            try:
                stack.enter_context(serving_in_background(startup_app(progress, title), host, port))
            except RuntimeError as error:
                log.warning("no start page (%s)", error)
            yield progress
    finally:
        logger.removeHandler(progress)


"""The web app (`make run`): chat with cited answers, the plan's outline and target tables, measures, quizzes.

An entry point only: the page is built by rag.app.ui, questions are answered in a process of its own
(rag.app.worker). While the model and index load, the address shows the stages of the start
(rag.app.startup); they are also logged on stderr.
"""

from __future__ import annotations

import logging
import sys

from rag.app.feedback import FeedbackStore
from rag.app.server import TITLE, SerializedAssistant, serve
from rag.app.startup import startup_page
from rag.config import ConfigError, Settings
from rag.corpus.load import IndexUnavailable
from rag.logs import configure_logging

log = logging.getLogger("rag.app")


def main() -> int:
    try:
        settings = Settings.from_env()
    except ConfigError as error:
        print(f"配置错误：{error}", file=sys.stderr)
        return 2
    configure_logging(settings, progress=True)
    log.info("正在启动，进度也显示在 http://%s:%d/", settings.host, settings.port)
    with startup_page(settings.host, settings.port, TITLE):
        from rag.app.worker import AnswerUnavailable, AnswerWorker, ProcessAssistant

        worker = AnswerWorker(settings)  # loads the model and the index in its own process meanwhile
        # imported once the start page is up: Gradio takes seconds to import
        log.info("正在导入网页程序库（Gradio）；模型与索引由回答进程加载")
        from rag.app.ui import build_app
        from rag.qa.answerers.generative import GenerativeAnswerer

        try:
            assistant = SerializedAssistant(ProcessAssistant(worker), settings.queue_size)
        except (IndexUnavailable, AnswerUnavailable) as error:
            print(f"错误：{error}", file=sys.stderr)
            return 2
    answerer = GenerativeAnswerer(settings, assistant) if settings.llm_enabled else None
    if answerer:
        log.info("chat answers are written by %s at %s and verified", settings.llm_model, settings.llm_base_url)
    app = build_app(assistant, FeedbackStore(settings.feedback_db), answerer, settings)
    if settings.host in ("0.0.0.0", "::") and not settings.extra_hosts:
        log.warning("listening on all interfaces, but only loopback names are answered: set RAG_ALLOWED_HOSTS")
    print(f"{TITLE}：http://{settings.host}:{settings.port}/   JSON 接口：POST /api/ask", flush=True)
    serve(app, settings)
    return 0


if __name__ == "__main__":
    sys.exit(main())

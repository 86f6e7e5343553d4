"""The web app (`make run`): chat with cited answers, the plan's outline and target tables, feedback.

Thin: it builds the page and wires components to functions of the rag package. A tab is one entry of
the list in build_ui: (title, render) where render(assistant) builds the tab's content. A clause link
anywhere on the page (rag.chat.clause_link) opens that clause in the side panel.
"""

from __future__ import annotations

import logging
import sys
import tempfile
from datetime import datetime
from functools import partial
from pathlib import Path

import gradio as gr
from fastapi import FastAPI

from rag.app.chat import (
    EXAMPLE_QUESTIONS,
    PANEL_PLACEHOLDER,
    clause_panel,
    comment_answer,
    indicator_tables,
    outline_markdown,
    rate_answer,
    respond,
)
from rag.config import Settings
from rag.app.feedback import FeedbackStore
from rag.app.tabs import measures as measures_ui
from rag.app.tabs import quiz as quiz_ui
from rag.corpus.load import IndexUnavailable
from rag.corpus.select import DocumentFilter
from rag.qa.answerers.generative import GenerativeAnswerer
from rag.app.server import SerializedAssistant, create_app, serve
from rag.text import escape_markdown

log = logging.getLogger("rag.app")

CSS = """
.rag-hidden { display: none !important; }
#clause-panel { max-height: 82vh; overflow-y: auto; }
#chat mark, #clause-panel mark { background: #fff1a8; padding: 0 1px; }
.outline li, .outline ul { font-size: var(--text-md) !important; margin-block: 0 !important; }
"""
# Clicking a clause link (href "#clause=…") sends its target to the hidden request box and opens it.
CLAUSE_LINK_SCRIPT = """
() => {
  document.addEventListener("click", (event) => {
    const link = event.target instanceof Element ? event.target.closest('a[href^="#clause="]') : null;
    if (!link) return;
    event.preventDefault();
    event.stopPropagation();
    const box = document.querySelector("#clause-request textarea");
    const open = document.querySelector("#clause-open");
    if (!box || !open) return;
    box.value = link.getAttribute("href") + " " + Date.now();
    box.dispatchEvent(new Event("input", { bubbles: true }));
    open.click();
  }, true);
}
"""


def chat_tab(assistant, feedback: FeedbackStore, answerer: GenerativeAnswerer | None) -> None:
    turns = gr.State([])
    rated = gr.State(None)  # the feedback row a comment is attached to
    chatbot = gr.Chatbot(
        label="问答",
        elem_id="chat",
        height=560,
        group_consecutive_messages=False,
        feedback_options=("Like", "Dislike"),
        placeholder="回答均摘自规划原文，并注明条款编号；点击编号可在右侧查看条款全文。",
    )
    picker = document_picker(assistant.documents)
    with gr.Row():
        question = gr.Textbox(
            show_label=False, placeholder="请输入关于规划的问题，回车发送", max_lines=6, scale=5, elem_id="question"
        )
        send = gr.Button("发送", variant="primary", scale=1, elem_id="send")
    note = gr.Markdown(elem_id="feedback-note")
    with gr.Row(visible=False) as comment_row:
        comment = gr.Textbox(show_label=False, placeholder="补充意见（可选）：哪里有用，或哪里不对？", scale=5,
                             elem_id="feedback-comment")
        submit_comment = gr.Button("提交意见", scale=1, elem_id="feedback-submit")
    for audience, questions in EXAMPLE_QUESTIONS.items():
        gr.Examples([[q] for q in questions], inputs=question, label=f"示例问题 · {audience}")
    with gr.Accordion("反馈记录", open=False):
        export = gr.Button("导出全部反馈（CSV）", elem_id="feedback-export")
        exported = gr.File(label="导出文件", visible=False, elem_id="feedback-file")

    def ask(message, history, state, picked=""):
        documents = DocumentFilter(docs=(picked,)) if picked else None
        for history, state in respond(assistant, message, history, state, answerer, documents):
            yield "", history, state

    # The assistant answers one question at a time (SerializedAssistant); a model writing an answer does not
    # hold it, so other questions go on meanwhile.
    answering = dict(fn=ask, inputs=[question, chatbot, turns] + ([picker] if picker else []),
                     outputs=[question, chatbot, turns])
    question.submit(**answering)
    send.click(**answering)

    def rate(state, event: gr.LikeData):
        state, row, message = rate_answer(feedback, state, event.index, event.liked)
        return state, row, message, gr.update(visible=row is not None)

    chatbot.like(rate, [turns], [turns, rated, note, comment_row])
    submit_comment.click(lambda row, text: (comment_answer(feedback, row, text), ""), [rated, comment], [note, comment])
    chatbot.clear(lambda: ([], None, "", gr.update(visible=False)), None, [turns, rated, note, comment_row])

    def export_csv():
        path = Path(tempfile.gettempdir()) / f"feedback-{datetime.now():%Y%m%d-%H%M%S}.csv"
        try:
            return gr.update(value=str(feedback.export_csv(path)), visible=True)
        except OSError:
            log.exception("exporting feedback failed")
            gr.Warning("导出失败（错误已记录），请稍后再试。")
            return gr.update()

    export.click(export_csv, None, exported)


def browse_tab(assistant) -> None:
    for document in assistant.documents:
        with gr.Accordion("目录（点击条款查看全文）", open=True):
            gr.Markdown(outline_markdown(document), elem_classes="outline")
        for table in indicator_tables(document):
            gr.Markdown(f"#### {table.title}")
            gr.Dataframe(value=table.rows, headers=table.headers, interactive=False, wrap=True, max_height=2000,
                         column_widths=["10%", "7%", "33%", "7%", "13%", "14%", "16%"], elem_classes="indicators")
            gr.Markdown(table.notes)


def document_picker(documents) -> gr.Dropdown | None:
    """With several documents: answer from all of them, or from the one picked."""
    if len(documents) < 2:
        return None
    choices = [("全部文件", "")] + [(f"{d.meta.doc_number or d.doc_id}《{d.meta.title}》", d.doc_id) for d in documents]
    return gr.Dropdown(choices, value="", label="文件范围", elem_id="document-picker")


def library_line(documents) -> str:
    """The library under the title: its documents by title and 文号 (every one, not the first file sorted)."""
    names = [f"《{escape_markdown(d.meta.title)}》" + (f"（{escape_markdown(d.meta.doc_number)}）" if d.meta.doc_number else "")
             for d in documents]
    return names[0] if len(names) == 1 else f"文档库 {len(names)} 个文件：" + "；".join(names)


def build_ui(assistant, feedback: FeedbackStore, answerer: GenerativeAnswerer | None = None) -> gr.Blocks:
    tabs = [
        ("政策问答", partial(chat_tab, feedback=feedback, answerer=answerer)),
        ("浏览规划", browse_tab),
        ("企业政策匹配", measures_ui.render_tab),
        ("测验生成", quiz_ui.render_tab),
    ]
    title = assistant.settings.library_title
    with gr.Blocks(title=title, analytics_enabled=False) as ui:
        stale = f"\n\n> ⚠️ {assistant.index.notice}" if assistant.index.notice else ""  # index older than corpus
        gr.Markdown(f"## {title}\n{library_line(assistant.documents)}{stale}")
        with gr.Row():
            with gr.Column(scale=3):
                with gr.Tabs():
                    for title, render in tabs:
                        with gr.Tab(title):
                            render(assistant)
            with gr.Column(scale=2):
                gr.Markdown("#### 条款原文")
                panel = gr.Markdown(PANEL_PLACEHOLDER, elem_id="clause-panel")
        request = gr.Textbox(elem_id="clause-request", elem_classes="rag-hidden", container=False)
        open_clause = gr.Button(elem_id="clause-open", elem_classes="rag-hidden")
        open_clause.click(partial(clause_panel, assistant), request, panel, queue=False, show_progress="hidden")
    ui.queue(default_concurrency_limit=4)
    return ui


def build_app(assistant, feedback: FeedbackStore, answerer: GenerativeAnswerer | None = None) -> FastAPI:
    """The app; with an answerer (a configured LLM) the chat streams generated, verified answers."""
    return create_app(assistant, build_ui(assistant, feedback, answerer), css=CSS, js=CLAUSE_LINK_SCRIPT)


def main() -> int:
    settings = Settings.from_env()
    logging.basicConfig(level=settings.log_level.upper(), format="%(levelname)s %(name)s: %(message)s")
    from rag.qa.engine import Assistant

    try:
        assistant = SerializedAssistant(Assistant(settings))
    except IndexUnavailable as error:
        print(f"错误：{error}", file=sys.stderr)
        return 2
    answerer = GenerativeAnswerer(settings, assistant) if settings.llm_enabled else None
    if answerer:
        log.info("chat answers are written by %s at %s and verified", settings.llm_model, settings.llm_base_url)
    app = build_app(assistant, FeedbackStore(settings.feedback_db), answerer)
    print(f"{settings.library_title}：http://{settings.host}:{settings.port}/   JSON 接口：POST /api/ask", flush=True)
    serve(app, settings)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""The page: four tabs (five with RAG_ADMIN_TOKEN: the 文档库) and the clause panel, wired to the functions of rag.app.

A tab is one entry of the list in build_ui: (title, render) where render(assistant) builds the tab's content.
A clause link anywhere on the page (rag.app.chat.clause_link) opens that clause in the panel: beside the tabs
on a wide screen, in a sheet over the page on a phone (assets/page.js and page.css).
"""

from __future__ import annotations

import logging
import os
import shutil
import sqlite3
import tempfile
from functools import partial
from pathlib import Path

import gradio as gr
from fastapi import FastAPI

from ..config import Settings
from ..corpus.select import DocumentFilter
from ..corpus.table_views import indicator_tables
from ..qa.answerers.generative import GenerativeAnswerer
from ..text import clean_input
from .admin import authorized
from .assistant import AssistantLike
from .chat import (
    EXAMPLE_QUESTIONS,
    PANEL_PLACEHOLDER,
    clause_href,
    clause_panel,
    comment_answer,
    outline_markdown,
    rate_answer,
    respond,
)
from .feedback import FeedbackStore
from .present import indicator_table_html
from .server import CACHE_SWEEP, TITLE, create_app
from .tabs import library as library_ui
from .tabs import measures as measures_ui
from .tabs import quiz as quiz_ui

log = logging.getLogger(__name__)

ASSETS = Path(__file__).parent / "assets"
EVERY_DOCUMENT = [("全部文件", "")]  # the picker's value "": every document of the library
LISTED_DOCUMENTS = 3  # the page's header names this many documents of a library
CHAT_PLACEHOLDER = "回答均摘自规划原文，并注明条款编号；点击编号即可查看条款全文。"


def chat_tab(assistant: AssistantLike, feedback: FeedbackStore, answerer: GenerativeAnswerer | None, admin_token: str | None) -> None:
    turns = gr.State([])
    rated = gr.State(None)  # the feedback row a comment is attached to
    chatbot = gr.Chatbot(
        label="问答",
        show_label=False,
        elem_id="chat",
        height=560,
        group_consecutive_messages=False,
        feedback_options=("Like", "Dislike"),
        buttons=["copy"],
        placeholder=CHAT_PLACEHOLDER,
    )
    picker = document_picker(assistant)
    with gr.Row():
        question = gr.Textbox(
            show_label=False, placeholder="请输入关于规划的问题，回车发送", max_lines=6, scale=5, elem_id="question"
        )
        send = gr.Button("发送", variant="primary", scale=1, min_width=64, elem_id="send")
    note = gr.Markdown(feedback.problem, elem_id="feedback-note")
    with gr.Row(visible=False) as comment_row:
        comment = gr.Textbox(show_label=False, placeholder="补充意见（可选）：哪里有用，或哪里不对？", scale=5,
                             elem_id="feedback-comment")
        submit_comment = gr.Button("提交意见", scale=1, min_width=64, elem_id="feedback-submit")
    for audience, questions in EXAMPLE_QUESTIONS.items():
        gr.Examples([[q] for q in questions], inputs=question, label=f"示例问题 · {audience}")

    def ask(message, history, state, picked=""):
        documents = picked_documents(picked)
        for history, state in respond(assistant, clean_input(message), history, state, answerer, documents):
            yield "", history, state

    # The assistant answers one question at a time (SerializedAssistant); a model writing an answer does not
    # hold it, so other questions go on meanwhile.
    answering = dict(fn=ask, inputs=[question, chatbot, turns, picker],
                     outputs=[question, chatbot, turns],
                     api_visibility="private")  # the page's endpoints are for the page: /api/ask is the API
    question.submit(**answering)
    send.click(**answering)

    def rate(state, event: gr.LikeData):
        state, row, message = rate_answer(feedback, state, event.index, event.liked)
        return state, row, message, gr.update(visible=row is not None)

    chatbot.like(rate, [turns], [turns, rated, note, comment_row], api_visibility="private")
    submit_comment.click(lambda row, text: (comment_answer(feedback, row, clean_input(text)), ""), [rated, comment],
                         [note, comment], api_visibility="private")
    chatbot.clear(lambda: ([], None, "", gr.update(visible=False)), None, [turns, rated, note, comment_row],
                  api_visibility="private")
    if admin_token:  # without a token the export is only `python -m rag.app.feedback` on the server
        export_tab(feedback, admin_token)


def document_picker(assistant: AssistantLike) -> gr.Dropdown:
    """With several documents in the library: answer from all of them, or from the one picked. Shown only for
    a library of several documents, as the library is when the page is loaded (the 文档库 tab changes it)."""

    def current():
        choices = picker_choices(assistant.documents)
        return gr.update(choices=choices or EVERY_DOCUMENT, value="", visible=bool(choices))

    choices = picker_choices(assistant.documents)
    picker = gr.Dropdown(choices or EVERY_DOCUMENT, value="", label="文件范围", visible=bool(choices),
                         elem_id="document-picker")
    gr.on(None, current, outputs=picker, queue=False, show_progress="hidden", api_visibility="private")
    return picker


def picker_choices(documents) -> list[tuple[str, str]]:
    """The picker's (label, document id) choices; none for a library of one document."""
    if len(documents) < 2:
        return []
    return EVERY_DOCUMENT + [(f"{d.meta.doc_number or d.doc_id}《{d.meta.title}》", d.doc_id) for d in documents]


def picked_documents(picked: str | None) -> DocumentFilter | None:
    return DocumentFilter(docs=(picked,)) if picked else None


def export_tab(feedback: FeedbackStore, admin_token: str) -> None:
    """The feedback export, for whoever gives RAG_ADMIN_TOKEN. The file is written to a private folder,
    copied into Gradio's cache (private, swept by delete_cache) and the folder deleted at once."""
    with gr.Accordion("反馈记录（管理员）", open=False):
        token = gr.Textbox(label="管理员口令", type="password", elem_id="admin-token")
        export = gr.Button("导出全部反馈（CSV）", elem_id="feedback-export")
        exported = gr.File(label="导出文件", visible=False, elem_id="feedback-file", elem_classes="rag-downloads")

    def export_csv(given: str):
        if not authorized(given, admin_token):
            gr.Warning("管理员口令不正确。")
            return gr.update(value=None, visible=False)
        try:
            path = feedback.export_private()
        except (OSError, sqlite3.Error):
            log.exception("exporting feedback failed")
            gr.Warning("导出失败（错误已记录），请稍后再试。")
            return gr.update()
        try:
            return gr.update(value=exported.move_resource_to_block_cache(path), visible=True)
        finally:
            shutil.rmtree(path.parent, ignore_errors=True)

    export.click(export_csv, token, exported, api_visibility="private")


def browse_tab(assistant: AssistantLike) -> None:
    @gr.render()  # on each page load: the library as it is then
    def outlines():
        for document in assistant.documents:
            with gr.Accordion("目录（点击条款查看全文）", open=True):
                gr.Markdown(outline_markdown(document), elem_classes="outline")
            for table in indicator_tables(document):
                gr.Markdown(f"#### {table.title}")
                gr.HTML(indicator_table_html(table, clause_href), js_on_load=None, elem_classes="indicators")


def _library_line(documents, library_title: str) -> str:
    """What the page answers from: the one document, or the library's name and its documents."""
    if len(documents) == 1:
        return f"《{documents[0].meta.title}》（{documents[0].meta.doc_number}）"
    names = "、".join(f"《{d.meta.title}》" for d in documents[:LISTED_DOCUMENTS])
    return f"{library_title}：{len(documents)} 份文件（{names}{'等' if len(documents) > LISTED_DOCUMENTS else ''}）"


def _header(assistant: AssistantLike) -> str:
    """The page's title and what it answers from, as the library is when the page is loaded."""
    stale = f"\n\n> ⚠️ {assistant.index.notice}" if assistant.index.notice else ""  # index older than corpus
    return f"## {TITLE}\n{_library_line(assistant.documents, assistant.settings.library_title)}{stale}"


def build_ui(assistant: AssistantLike, feedback: FeedbackStore, answerer: GenerativeAnswerer | None = None,
             admin_token: str | None = None) -> gr.Blocks:
    tabs = [
        ("政策问答", partial(chat_tab, feedback=feedback, answerer=answerer, admin_token=admin_token)),
        ("浏览规划", browse_tab),
        ("企业政策匹配", measures_ui.render_tab),
        ("测验生成", quiz_ui.render_tab),
    ]
    if admin_token:  # like the feedback export: only for whoever gives RAG_ADMIN_TOKEN
        tabs.append(("文档库", partial(library_ui.render_tab, admin_token=admin_token)))
    with gr.Blocks(title=TITLE, analytics_enabled=False, delete_cache=CACHE_SWEEP) as ui:
        gr.Markdown(partial(_header, assistant))
        with gr.Row():
            with gr.Column(scale=3):
                with gr.Tabs(overflow_behavior="wrap"):
                    for title, render in tabs:
                        with gr.Tab(title):
                            render(assistant)
            with gr.Column(scale=2, elem_id="clause-column"):
                with gr.Row(equal_height=True):
                    gr.Markdown("#### 条款原文")
                    gr.Button("关闭", size="sm", scale=0, min_width=64, elem_id="clause-close")
                panel = gr.Markdown(PANEL_PLACEHOLDER, elem_id="clause-panel")
        request = gr.Textbox(elem_id="clause-request", elem_classes="rag-hidden", container=False)
        open_clause = gr.Button(elem_id="clause-open", elem_classes="rag-hidden")
        open_clause.click(partial(clause_panel, assistant), request, panel, queue=False, show_progress="hidden",
                          api_visibility="private")
    ui.queue(default_concurrency_limit=4)
    return ui


def build_app(assistant: AssistantLike, feedback: FeedbackStore, answerer: GenerativeAnswerer | None = None,
              settings: Settings | None = None) -> FastAPI:
    """The app; with an answerer (a configured LLM) the chat streams generated, verified answers."""
    settings = settings or Settings.from_env()
    # Gradio's copies of files it serves (quiz bundles, exports) go to a folder only this user can read.
    if "GRADIO_TEMP_DIR" not in os.environ:
        os.environ["GRADIO_TEMP_DIR"] = tempfile.mkdtemp(prefix="rag-gradio-")
    return create_app(
        assistant,
        build_ui(assistant, feedback, answerer, settings.admin_token),
        settings,
        css=(ASSETS / "page.css").read_text(encoding="utf-8"),
        js=(ASSETS / "page.js").read_text(encoding="utf-8"),
    )

"""The app's 文档库 tab, for whoever gives RAG_ADMIN_TOKEN: upload policy files (.txt .docx .pdf .html), list the
library with its metadata, remove a document. Each change goes through the library's own add/remove
(rag.corpus.library) and then updates the index incrementally (only new, changed and removed documents are
embedded or dropped); then the assistant loads the new library in the answer queue's turn (SerializedAssistant.reload:
the questions already waiting are answered first) and the tab says from when the new library is in use. A file
larger than RAG_UPLOAD_MAX_MB is named and left out; the others of the upload are added. One change at a time."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from pathlib import Path

from ...config import Settings
from ...corpus.library import add_file, remove_file
from ...corpus.load import IndexUnavailable, read_corpus
from ...corpus.readers import ParseError
from ...corpus.select import select
from ..admin import authorized
from ..server import SerializedAssistant
from ..worker import AnswerUnavailable

log = logging.getLogger(__name__)

COLUMNS = ["文号", "标题", "发文机关", "成文日期", "状态", "类型", "条款数", "文件名"]
WRONG_TOKEN = "管理员口令不正确。"
NO_FILES = "请先选择要上传的文件（支持 .txt、.docx、.pdf、.html）。"
LOADING = "正在让问答改用新的文档库（排在已提交的问题之后）……"
IN_USE = "问答已改用新的文档库（{} 份文件）：{} 起的问题按新文档库回答；浏览页和文件范围在刷新网页后更新。"
NOT_IN_USE = "问答仍使用原来的文档库：新文档库未能载入（{}）。"
TOO_LARGE = "未添加 {}：文件过大（{:.1f} MB），上限为 {:g} MB（RAG_UPLOAD_MAX_MB）。"
KINDS = {"plan": "规划", "regulation": "办法/条例", "notice": "通知", "unstructured": "无编号文本"}


@dataclass(frozen=True)
class Change:
    message: str
    changed: bool  # the corpus folder changed
    indexed: bool = False  # and the index was brought in line with it


def library_rows(settings: Settings) -> list[list[str]]:
    """One row a document (COLUMNS), then the files left out with the reason."""
    documents, skipped = read_corpus(settings.corpus_dir, settings.include_unstructured)
    rows = [[d.meta.doc_number or "（无文号）", d.meta.title, d.meta.issuer, d.meta.date, d.meta.status,
             KINDS.get(str(d.meta.kind), str(d.meta.kind)), str(len(d.clauses)), d.meta.source] for d in documents]
    rows += [["", f"未纳入：{item.reason}", "", "", "", "", "", item.source] for item in skipped]
    return rows


def upload(settings: Settings, paths: list[Path]) -> Change:
    """Add each file that parses; say, in Chinese, why any other was not added; then update the index."""
    if not paths:
        return Change(NO_FILES, False)
    lines, added = [], 0
    for path in paths:
        size = path.stat().st_size if path.is_file() else 0
        if size > settings.upload_max_bytes:
            lines.append(TOO_LARGE.format(path.name, size / 2**20, settings.upload_max_mb))
            continue
        try:
            document = add_file(settings.corpus_dir, path)
        except (ParseError, OSError) as error:
            lines.append(f"未添加 {path.name}：{str(error).removeprefix(f'{path.name}: ')}")
            continue
        added += 1
        lines.append(f"已添加 {document.meta.source}：《{document.meta.title}》{document.meta.doc_number}，"
                     f"{len(document.clauses)} 个条款")
    if not added:
        return Change("\n".join(lines), False)
    indexed, line = _reindex(settings)
    return Change("\n".join([*lines, line]), True, indexed)


def remove(settings: Settings, selector: str) -> Change:
    """Remove the one document the selector (文号, title, id or file name) names; then update the index."""
    documents, _ = read_corpus(settings.corpus_dir, include_unstructured=True)
    found = select(documents, selector.strip()) if selector and selector.strip() else []
    if len(found) != 1:
        return Change(f"“{selector or ''}”应当恰好指文档库中的一个文件（找到 {len(found)} 个）。", False)
    remove_file(settings.corpus_dir, found[0])
    indexed, line = _reindex(settings)
    return Change(f"已移除《{found[0].meta.title}》。\n{line}", True, indexed)


def _reindex(settings: Settings) -> tuple[bool, str]:
    from ...qa.engine import refresh  # the embedding model is loaded only when the library changes

    try:
        report = refresh(settings)
    except IndexUnavailable as error:
        log.exception("updating the index after a library change failed")
        return False, f"文件已更新，但索引更新失败：{error}"
    return True, f"索引已更新：{report.status.describe()}，嵌入 {report.embedded} 个节点，用时 {report.seconds} 秒。"


def use_new_library(assistant: SerializedAssistant) -> str:
    """Questions from now on answered from the library as it is now; what the page says of it."""
    try:
        assistant.reload()
    except (IndexUnavailable, AnswerUnavailable) as error:
        return NOT_IN_USE.format(error)
    except Exception:  # the page says so; the old library goes on answering
        log.exception("loading the new library failed")
        return NOT_IN_USE.format("错误已记录")
    return IN_USE.format(len(assistant.documents), time.strftime("%H:%M:%S"))


def render_tab(assistant: SerializedAssistant, admin_token: str) -> None:
    import gradio as gr

    settings = assistant.settings
    token = gr.Textbox(label="管理员口令", type="password", elem_id="library-token")
    files = gr.File(label=f"上传文件（.txt .docx .pdf .html，每个不超过 {settings.upload_max_mb:g} MB）",
                    file_count="multiple", file_types=[".txt", ".docx", ".pdf", ".html", ".htm"],
                    elem_id="library-upload")
    add = gr.Button("添加到文档库", elem_id="library-add")
    selector = gr.Textbox(label="要移除的文件（文号、标题或文件名）", elem_id="library-selector")
    drop = gr.Button("移除", variant="stop", elem_id="library-remove")
    message = gr.Markdown(elem_id="library-message")
    table = gr.Dataframe(headers=COLUMNS, value=lambda: library_rows(settings), interactive=False,
                         elem_id="library-table")

    def guarded(action):
        def run(given, argument):
            if not authorized(given, admin_token):
                gr.Warning(WRONG_TOKEN)
                yield gr.update(), gr.update()
                return
            change = action(settings, argument)
            rows = library_rows(settings) if change.changed else gr.update()
            if change.indexed:
                yield _lines(change.message, LOADING), rows
                yield _lines(change.message, use_new_library(assistant)), rows
            else:
                yield _lines(change.message), rows
        return run

    one_at_a_time = dict(api_visibility="private", concurrency_limit=1, concurrency_id="library")
    add.click(guarded(lambda s, uploaded: upload(s, [Path(f) for f in uploaded or []])), [token, files],
              [message, table], **one_at_a_time)
    drop.click(guarded(remove), [token, selector], [message, table], **one_at_a_time)


def _lines(*parts: str) -> str:
    return "\n".join(parts).replace("\n", "  \n")  # Markdown: a line break, not one paragraph

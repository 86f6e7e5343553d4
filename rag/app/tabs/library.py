"""The app's 文档库 tab, for whoever gives RAG_ADMIN_TOKEN: upload policy files (.txt .docx .pdf .html), list the
library with its metadata, remove a document. Each change goes through the library's own add/remove
(rag.corpus.library) and then updates the index incrementally (only new, changed and removed documents are
embedded or dropped). The running assistant keeps the library it loaded; the page says to restart it."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from ...config import Settings
from ..admin import authorized
from ...corpus.library import add_file, remove_file
from ...corpus.load import IndexUnavailable, read_corpus
from ...corpus.readers import ParseError
from ...corpus.select import select

log = logging.getLogger(__name__)

COLUMNS = ["文号", "标题", "发文机关", "成文日期", "状态", "类型", "条款数", "文件名"]
WRONG_TOKEN = "管理员口令不正确。"
NO_FILES = "请先选择要上传的文件（支持 .txt、.docx、.pdf、.html）。"
RESTART = "问答、浏览等页面在重新启动应用后使用新的文档库。"
KINDS = {"plan": "规划", "regulation": "办法/条例", "notice": "通知", "unstructured": "无编号文本"}


@dataclass(frozen=True)
class Change:
    message: str
    changed: bool  # the corpus folder changed (and the index was brought in line)


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
        try:
            document = add_file(settings.corpus_dir, path)
        except (ParseError, OSError) as error:
            lines.append(f"未添加 {path.name}：{error}")
            continue
        added += 1
        lines.append(f"已添加 {document.meta.source}：《{document.meta.title}》{document.meta.doc_number}，"
                     f"{len(document.clauses)} 个条款")
    if added:
        lines.append(_reindex(settings))
    return Change("\n".join(lines), bool(added))


def remove(settings: Settings, selector: str) -> Change:
    """Remove the one document the selector (文号, title, id or file name) names; then update the index."""
    documents, _ = read_corpus(settings.corpus_dir, include_unstructured=True)
    found = select(documents, selector.strip()) if selector and selector.strip() else []
    if len(found) != 1:
        return Change(f"“{selector or ''}”应当恰好指文档库中的一个文件（找到 {len(found)} 个）。", False)
    remove_file(settings.corpus_dir, found[0])
    return Change(f"已移除《{found[0].meta.title}》。\n{_reindex(settings)}", True)


def _reindex(settings: Settings) -> str:
    from ...qa.engine import refresh  # the embedding model is loaded only when the library changes

    try:
        report = refresh(settings)
    except IndexUnavailable as error:
        log.exception("updating the index after a library change failed")
        return f"文件已更新，但索引更新失败：{error}"
    return f"索引已更新：{report.status.describe()}，嵌入 {report.embedded} 个节点，用时 {report.seconds} 秒。{RESTART}"


def render_tab(assistant, admin_token: str) -> None:
    import gradio as gr

    settings = assistant.settings
    token = gr.Textbox(label="管理员口令", type="password", elem_id="library-token")
    files = gr.File(label="上传文件（.txt .docx .pdf .html）", file_count="multiple",
                    file_types=[".txt", ".docx", ".pdf", ".html", ".htm"], elem_id="library-upload")
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
                return gr.update(), gr.update()
            change = action(settings, argument)
            return change.message.replace("\n", "  \n"), library_rows(settings) if change.changed else gr.update()
        return run

    add.click(guarded(lambda s, uploaded: upload(s, [Path(f) for f in uploaded or []])), [token, files],
              [message, table], api_visibility="private")
    drop.click(guarded(remove), [token, selector], [message, table], api_visibility="private")

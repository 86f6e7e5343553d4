"""Chat logic of the app: follow-up questions completed from the previous one, answers as Markdown with
clickable citations and collapsed evidence, the clause panel and the plan's outline.

Gradio-free: the app wires these functions to components. A citation is a Markdown link whose target is
``#clause=<doc_id>/<ref>``; the page's script turns a click on such a link into a clause request.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass, replace
from urllib.parse import quote, unquote

from ..corpus.table_views import indicator_tables
from ..qa.engine import EMPTY_QUESTION
from ..qa.query import complete_follow_up
from ..schema import Answer, AnswerSource, Citation, Clause, ClauseKind, Document, Generation
from ..text import escape_markdown
from .assistant import AssistantLike
from .feedback import FeedbackStore
from .present import indicator_table_html
from .worker import AnswerUnavailable

log = logging.getLogger(__name__)

CLAUSE_HREF = "#clause="
INTERNAL_ERROR = "抱歉，系统内部出错，这个问题暂时没能回答（错误已记录）。请稍后重试，或换一种问法。"
SHOWN_QUESTION_CHARS = 300  # a long paste is shortened in the chat; the answer says how it was cut

# Asked of the plan by each kind of user; each must be answerable from the plan (tests check it).
EXAMPLE_QUESTIONS: dict[str, tuple[str, ...]] = {
    "政府部门": (
        "到2030年全省先进制造业占全部制造业比重要达到多少？",
        "长株潭地区的产业发展方向是什么？",
        "数字经济核心产业增加值占GDP比重目标是多少？",
    ),
    "企业": (
        "专精特新企业有哪些培育支持？",
        "新能源汽车产业的发展目标是什么？",
        "如何推动绿色低碳转型？",
    ),
    "研究人员与公众": (
        "未来产业包括哪些领域？",
        "传统产业改造提升包括哪些产业？",
        "“人工智能+先进制造”行动有哪些内容？",
    ),
}


@dataclass(frozen=True)
class Turn:
    """One question and its answer in a conversation."""

    question: str  # as typed
    understood: str  # what was answered: a follow-up completed from the previous turn
    answer: Answer
    message_index: int  # position of the answer in the chat history
    feedback_id: int | None = None


# -- answering ---------------------------------------------------------------------------------
STREAMING_MARK = " ▍"  # after a partial answer while the model is still writing
GENERATED_NOTE = "*本回答由大模型依据所引条款撰写，引用与数字均已与原文核对。*"


def respond(
    assistant: AssistantLike, message: str, history: list[dict], turns: list[Turn], answerer=None, documents=None
) -> Iterator[tuple[list[dict], list[Turn]]]:
    """Answer a chat message, yielding the history and turns each time the display changes: the verified
    part of a generated answer as it grows (with an `answerer`, rag.llm.GenerativeAnswerer), then the final
    answer. Without one the extractive answer is yielded once. Errors become a message, never a traceback."""
    history = list(history or [])
    turns = list(turns or [])
    question = (message or "").strip()
    if not question:
        history.append({"role": "assistant", "content": EMPTY_QUESTION})
        yield history, turns
        return
    history.append({"role": "user", "content": _shown_question(question)})
    asked = len(history)
    try:
        previous = turns[-1].understood if turns else None
        understood = complete_follow_up(question, previous, assistant.tokenizer)
        shown_understood = understood if understood != question else None
        for item in _answers(assistant, answerer, understood, documents):
            if isinstance(item, str):
                _put_reply(history, asked, escape_markdown(item) + STREAMING_MARK)
                yield history, turns
                continue
            content = answer_markdown(item.answer, shown_understood)
            if item.source == AnswerSource.LLM:
                content = f"{content}\n\n{GENERATED_NOTE}"
            _put_reply(history, asked, content)
            turns.append(Turn(question, understood, item.answer, asked))
    except AnswerUnavailable as error:  # the answer worker died or was stuck (it was logged there)
        _put_reply(history, asked, str(error))
    except Exception:
        log.exception("answering failed: %.200s", question)
        _put_reply(history, asked, INTERNAL_ERROR)
    yield history, turns


def _answers(assistant, answerer, question: str, documents=None) -> Iterator[str | Generation]:
    """`documents` (a DocumentFilter, from the page's document picker) narrows the extractive answer."""
    if answerer is not None and not documents:  # it answers extractively itself when no model is configured
        yield from answerer.stream(question)
    else:
        answer = assistant.ask(question, documents) if documents else assistant.ask(question)
        yield Generation(answer, AnswerSource.EXTRACTIVE)


def _put_reply(history: list[dict], position: int, content: str) -> None:
    """Show `content` as the reply at `position` (the message after the question), replacing a partial one."""
    del history[position:]
    history.append({"role": "assistant", "content": content})


def _shown_question(question: str) -> str:
    if len(question) <= SHOWN_QUESTION_CHARS:
        return escape_markdown(question)
    return escape_markdown(question[:SHOWN_QUESTION_CHARS]) + f"……（共{len(question)}字）"


# -- Markdown ----------------------------------------------------------------------------------
def clause_href(doc_id: str, ref: str) -> str:
    return f"{CLAUSE_HREF}{quote(doc_id, safe='')}/{quote(ref, safe='')}"


def clause_link(doc_id: str, ref: str, label: str | None = None) -> str:
    return f"[{escape_markdown(label or f'【{ref}】')}]({clause_href(doc_id, ref)})"


def parse_clause_request(value: str) -> tuple[str | None, str] | None:
    """(doc_id, ref) from a clicked link's target, as the page's script sends it (``#clause=… <nonce>``)."""
    target = (value or "").strip().split(" ")[0]
    if not target.startswith(CLAUSE_HREF):
        return None
    doc_id, _, ref = target[len(CLAUSE_HREF) :].partition("/")
    ref = unquote(ref).strip()
    return (unquote(doc_id) or None, ref) if ref else None


def answer_markdown(answer: Answer, understood: str | None = None) -> str:
    """The answer with each 【ref】 as a link, the cited clauses listed, and the evidence collapsed."""
    by_ref = {c.ref: c for c in answer.citations}
    text = escape_markdown(answer.text)
    for ref, citation in by_ref.items():
        text = text.replace(escape_markdown(f"【{ref}】"), clause_link(citation.doc_id, ref))
    parts = []
    if understood:
        parts.append(f"*结合上一问，理解为：{escape_markdown(understood)}*")
    parts.append(text)
    if answer.citations:
        label = "相关条款（供参考）" if answer.refused else "引用条款"
        links = "；".join(clause_link(c.doc_id, c.ref, f"【{c.ref}】{_short_title(c)}") for c in answer.citations)
        parts.append(f"**{label}**：{links}")
        parts.append(_evidence(answer))
    return "\n\n".join(parts)


def _short_title(citation: Citation) -> str:
    return citation.title.split(" › ")[-1]


def _evidence(answer: Answer) -> str:
    """The cited clauses as written, the quoted sentences marked, inside a collapsed block."""
    blocks = []
    for citation in answer.citations:
        quoted = [_quoted_sentence(s.text, citation) for s in answer.statements if s.ref == citation.ref]
        body = escape_markdown(citation.text)
        for sentence in filter(None, quoted):
            body = body.replace(escape_markdown(sentence), f"<mark>{escape_markdown(sentence)}</mark>", 1)
        lines = (line.replace("\t", " ").strip() for line in body.split("\n"))  # a tab would start a code block
        quote_lines = "\n".join(f"> {line}" for line in lines if line)
        heading = f"{clause_link(citation.doc_id, citation.ref)} {escape_markdown(citation.title)}"
        blocks.append(f"{heading}\n\n{quote_lines}")
    summary = f"原文依据（{len(answer.citations)}条，点击展开）"
    return f"<details><summary>{summary}</summary>\n\n" + "\n\n".join(blocks) + "\n\n</details>"


def _quoted_sentence(statement: str, citation: Citation) -> str | None:
    """The part of the clause a statement quotes (statements may name the clause's subject first)."""
    candidates = [statement]
    if "：" in statement:
        candidates.append(statement.split("：", 1)[1])
    return next((c for c in candidates if c and c in citation.text), None)


# -- clause viewer -----------------------------------------------------------------------------
PANEL_PLACEHOLDER = "点击回答或目录中的条款编号（如【二（三）5】），在此查看条款全文及其在规划中的位置。"


def clause_panel(assistant: AssistantLike, request: str) -> str:
    """The clause panel for a clause request: the clause's whole text, its place in the outline, its neighbours."""
    parsed = parse_clause_request(request)
    if parsed is None:
        return PANEL_PLACEHOLDER
    doc_id, ref = parsed
    try:
        clause = assistant.show(ref, doc_id)
        document = next((d for d in assistant.documents if clause and d.doc_id == clause.doc_id), None)
    except Exception:
        log.exception("showing clause %s failed", ref)
        return f"抱歉，条款 {escape_markdown(ref)} 暂时无法显示（错误已记录）。"
    if clause is None or document is None:
        return f"规划中没有条款 {escape_markdown(ref)}。"
    return clause_markdown(clause, document)


def clause_markdown(clause: Clause, document: Document) -> str:
    lines = [f"### 【{escape_markdown(clause.ref)}】{escape_markdown(clause.heading or clause.title)}"]
    lines.append(f"**位置**：{escape_markdown(clause.title)}")
    meta = document.meta
    lines.append(f"**出处**：《{escape_markdown(meta.title)}》（{escape_markdown(meta.doc_number)}）")
    table = next((t for t in indicator_tables(document) if t.ref == clause.ref), None)
    if table:  # as in 浏览规划: a table that scrolls sideways, its rows linked to their clauses
        lines.append(indicator_table_html(table, clause_href))
    else:  # the cells of a table that has no indicator rows are separated by tabs
        paragraphs = (" ｜ ".join(cell for cell in line.split("\t") if cell.strip()) for line in clause.text.split("\n"))
        lines.append("\n\n".join(escape_markdown(p) for p in paragraphs if p))
    parent = document.clause(clause.parent) if clause.parent else None
    if parent:
        lines.append(f"**上级条款**：{clause_link(document.doc_id, parent.ref, f'【{parent.ref}】{_label(parent)}')}")
    children = document.children(clause.ref)
    if children:
        links = "；".join(clause_link(document.doc_id, c.ref, f"【{c.ref}】{_label(c)}") for c in children)
        lines.append(f"**下级条款**：{links}")
    return "\n\n".join(lines)


def _label(clause: Clause) -> str:
    if clause.kind in (ClauseKind.NOTICE, ClauseKind.PREAMBLE):
        return clause.heading
    return clause.title_path[-1] if clause.title_path else clause.heading


def outline_markdown(document: Document) -> str:
    """The whole outline (一、/（一）/1.) as nested links; indicator rows are left to the table."""
    lines = [f"**《{escape_markdown(document.meta.title)}》**（{escape_markdown(document.meta.doc_number)}）", ""]
    for clause in document.clauses:
        if clause.kind == ClauseKind.INDICATOR:
            continue
        depth = max(len(clause.title_path) - 1, 0)
        lines.append("  " * depth + "- " + clause_link(document.doc_id, clause.ref, _label(clause)))
    return "\n".join(lines)


# -- feedback ----------------------------------------------------------------------------------
def rate_answer(
    store: FeedbackStore, turns: list[Turn], message_index: int, liked: bool | str
) -> tuple[list[Turn], int | None, str]:
    """Record 👍 (liked True) or 👎 (False) on an answer; anything else withdraws the rating.
    Returns the turns, the feedback row to attach a comment to, and a line for the user."""
    turns = list(turns or [])
    position = next((i for i, t in enumerate(turns) if t.message_index == message_index), None)
    if position is None:
        return turns, None, "这条消息不是回答，无需评价。"
    turn = turns[position]
    try:
        if liked is True or liked is False:
            rating = "up" if liked else "down"
            if turn.feedback_id is None:
                row = store.record(turn.question, turn.understood, turn.answer, rating)
            else:
                row = store.rate(turn.feedback_id, rating)
            turns[position] = replace(turn, feedback_id=row)
            return turns, row, "已记录您的评价，谢谢！可在下方补充意见。"
        if turn.feedback_id is not None:
            store.delete(turn.feedback_id)
            turns[position] = replace(turn, feedback_id=None)
        return turns, None, "已撤销评价。"
    except Exception:
        log.exception("recording feedback failed")
        return turns, None, "抱歉，评价未能保存（错误已记录），请稍后再试。"


def comment_answer(store: FeedbackStore, feedback_id: int | None, comment: str) -> str:
    comment = (comment or "").strip()
    if feedback_id is None:
        return "请先对某条回答点 👍 或 👎，再补充意见。"
    if not comment:
        return "意见为空，未提交。"
    try:
        store.comment(feedback_id, comment)
    except Exception:
        log.exception("saving a comment failed")
        return "抱歉，意见未能保存（错误已记录），请稍后再试。"
    return "意见已保存，谢谢！"

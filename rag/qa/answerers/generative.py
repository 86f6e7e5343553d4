"""Optional generative answers from an OpenAI-compatible chat endpoint, verified before they are shown.

The retrieved clauses go to the model labelled with their references; it must answer only from them and
cite each statement as 【ref】. Nothing the model writes reaches the user unverified: every cited reference
must be one of the clauses it was given, and every number (with its unit or comparator) must occur in the
text of the clauses its statement cites. A failing answer, an unreachable or slow endpoint, an HTTP error
or unparsable output all end the same way: the extractive answer, headed by a short notice saying why.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import openai
from llama_index.core.base.llms.types import ChatMessage, MessageRole
from llama_index.llms.openai_like import OpenAILike

from ...config import Settings
from ...schema import Answer, AnswerSource, Citation, Clause, Generation, Hit, Statement
from ...text import fold, quantities, quantity_occurs
from ..query import clean_question

log = logging.getLogger(__name__)

MAX_CONTEXT_CHARS = 6000  # clause text sent to the model; small local models have short context windows
NO_KEY = "not-needed"  # local servers ignore the key; an explicit value stops the client reading OPENAI_API_KEY
REFUSAL = "规划中没有找到相关内容"
_REFUSAL_MARKERS = (REFUSAL, "未涉及", "没有涉及", "未提及", "没有提及", "没有提到", "未找到", "没有找到",
                    "无法回答", "不能回答", "没有相关", "未作规定", "没有规定")
_CITATION_GROUP = re.compile(r"(?:【[^【】\n]{1,40}】\s*)+")
_CITATION = re.compile(r"【([^【】\n]{1,40})】")
_REF_SEPARATORS = re.compile(r"[,，、;；/|]|和|及")
_THINKING = re.compile(r"<think>.*?</think>", re.S)


# -- verification ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Verdict:
    """What the checks found in a model's answer. `text` is the answer as it may be shown (citations in
    canonical form, reasoning removed); `reason` is empty when every check passed."""

    text: str
    reason: str
    refused: bool
    cited: tuple[Clause, ...]
    statements: tuple[Statement, ...]

    @property
    def ok(self) -> bool:
        return not self.reason


def _ref_key(ref: str) -> str:
    return fold(ref).replace("·", "").replace("・", "").replace("•", "")


def visible_text(raw: str) -> str:
    """The model's answer without its reasoning (<think>…</think>, or an unfinished <think> while streaming)."""
    text = _THINKING.sub("", raw)
    start = text.find("<think>")
    return (text if start < 0 else text[:start]).strip()


def _is_refusal(text: str) -> bool:
    first_sentence = re.split(r"[。！？!?\n]", text, maxsplit=1)[0]
    return any(marker in first_sentence for marker in _REFUSAL_MARKERS)


class Verifier:
    """Checks an answer against the clauses the model was given."""

    def __init__(self, clauses: list[Clause], question: str = ""):
        self.by_key = {}
        for clause in clauses:
            self.by_key.setdefault(_ref_key(clause.ref), clause)
        self.question = fold(question)
        self.all_text = fold("\n".join(c.text for c in clauses))

    def check(self, raw: str, complete: bool = True) -> Verdict:
        """Verify an answer; with complete=False (a streamed prefix) only the statements so far are checked."""
        text = visible_text(raw)
        shown, statements, cited, tail = [], [], [], text
        position = 0
        for group in _CITATION_GROUP.finditer(text):
            segment = text[position:group.start()]
            position = group.end()
            tail = text[position:]
            refs = [r.strip() for m in _CITATION.finditer(group.group(0)) for r in _REF_SEPARATORS.split(m.group(1))]
            if not any(refs):
                return self._fail(text, f"引用标注为空{group.group(0).strip()}")
            clauses = []
            for ref in filter(None, refs):
                clause = self.by_key.get(_ref_key(ref))
                if clause is None:
                    return self._fail(text, f"引用了未检索到的条款【{ref}】")
                clauses.append(clause)
            clauses = list(dict.fromkeys(clauses))
            source = fold("\n".join(c.text for c in clauses))
            for quantity in quantities(segment):
                if not quantity_occurs(quantity, source):
                    return self._fail(text, f"数字“{quantity}”在所引条款中找不到")
            spacing = group.group(0)[len(group.group(0).rstrip()):]
            shown.append(segment + "".join(f"【{c.ref}】" for c in clauses) + spacing)
            statement = segment.strip().lstrip("，。；：,.;:").strip()
            if statement:
                statements.append(Statement(statement, clauses[0].ref))
            cited.extend(c for c in clauses if c not in cited)
        if not complete:
            return Verdict("".join(shown).strip(), "", False, tuple(cited), tuple(statements))
        if not text:
            return self._fail(text, "回答为空")
        refused = _is_refusal(text)
        if not cited and not refused:
            return self._fail(text, "回答没有标注引用条款")
        # numbers after the last citation belong to no statement: they must still be in a cited clause,
        # or, in a refusal, in the clauses given or the question itself ("规划中没有8000亿元的说法")
        source = fold("\n".join(c.text for c in cited))
        if refused:
            source = "\n".join((source, self.all_text, self.question))
        for quantity in quantities(tail):
            if not quantity_occurs(quantity, source):
                return self._fail(text, f"数字“{quantity}”在所引条款中找不到")
        return Verdict(("".join(shown) + tail).strip(), "", refused, tuple(cited), tuple(statements))

    @staticmethod
    def _fail(text: str, reason: str) -> Verdict:
        return Verdict(text, reason, False, (), ())


# -- prompting ---------------------------------------------------------------------------------


def context_clauses(hits: list[Hit], budget: int = MAX_CONTEXT_CHARS) -> list[Clause]:
    """The retrieved clauses, best first, as many as fit the budget (the first one always goes)."""
    chosen, used = [], 0
    for hit in hits:
        if chosen and used + len(hit.clause.text) > budget:
            break
        chosen.append(hit.clause)
        used += len(hit.clause.text)
    return chosen


def build_messages(question: str, clauses: list[Clause], document_title: str) -> list[ChatMessage]:
    example = clauses[0].ref if clauses else "二（三）5"
    system = (
        f"你是《{document_title}》的问答助手，只能依据用户消息中给出的条款回答，不得使用条款以外的知识。\n"
        f"1. 每句话末尾用【条款编号】注明出处，例如【{example}】；编号只能是给出的条款编号，"
        "【】内只写编号。\n"
        "2. 数字、单位、比较符号（如≥）和年份必须照抄条款原文，不要换算、合计或推算。\n"
        f"3. 如果给出的条款不能回答问题，以“{REFUSAL}。”开头，再简要说明缺少什么，不要猜测。\n"
        "4. 用简洁的中文回答，不要复述问题。"
    )
    blocks = [f"【{c.ref}】{c.title}\n{c.text}" for c in clauses]
    user = "条款：\n\n" + "\n\n".join(blocks) + f"\n\n问题：{question}"
    return [ChatMessage(role=MessageRole.SYSTEM, content=system), ChatMessage(role=MessageRole.USER, content=user)]


def build_llm(settings: Settings) -> OpenAILike:
    return OpenAILike(
        model=settings.llm_model,
        api_base=settings.llm_base_url,
        api_key=settings.llm_api_key or NO_KEY,
        timeout=settings.llm_timeout,
        max_retries=0,  # a retry would double the wait before the fallback
        is_chat_model=True,
        is_function_calling_model=False,
        temperature=0.0,
    )


# -- answering ---------------------------------------------------------------------------------


class _Timeout(Exception):
    pass


@dataclass(frozen=True)
class _Prepared:
    question: str
    notice: str
    hits: list[Hit]
    clauses: list[Clause]
    messages: list[ChatMessage]


class GenerativeAnswerer:
    """Answers through the configured LLM; falls back to `assistant.ask` whenever that is not safe."""

    def __init__(self, settings: Settings, assistant):
        self.settings = settings
        self.assistant = assistant
        self.llm = build_llm(settings) if settings.llm_enabled else None
        self.document_title = "》《".join(d.meta.title for d in assistant.documents)

    @property
    def enabled(self) -> bool:
        return self.llm is not None

    def answer(self, question: str) -> Answer:
        return self.generate(question).answer

    def generate(self, question: str) -> Generation:
        """One non-streaming request, verified; the extractive answer when anything goes wrong."""
        prepared = self._prepare(question)
        if prepared is None:
            return Generation(self.assistant.ask(question), AnswerSource.EXTRACTIVE)
        try:
            raw = self.llm.chat(prepared.messages).message.content or ""
        except Exception as error:  # any failure of the endpoint or its output must end in the fallback
            return self._fallback(question, self._failure(error))
        return self._finish(question, prepared, raw)

    def stream(self, question: str) -> Iterator[str | Generation]:
        """Yield the answer's verified part as it grows (str, each a longer prefix of the final text), then
        the final Generation: the verified model answer, or the extractive one with a notice."""
        prepared = self._prepare(question)
        if prepared is None:
            yield Generation(self.assistant.ask(question), AnswerSource.EXTRACTIVE)
            return
        verifier = Verifier(prepared.clauses, prepared.question)
        deadline = time.monotonic() + self.settings.llm_timeout
        raw, shown = "", ""
        chunks, outcome = None, None
        try:
            chunks = self.llm.stream_chat(prepared.messages)
            for chunk in chunks:
                raw += chunk.delta or ""
                if time.monotonic() > deadline:
                    raise _Timeout
                verdict = verifier.check(_complete_prefix(raw), complete=False)
                if not verdict.ok:  # stop reading: nothing after a failed statement could be shown
                    outcome = self._reject(question, verdict, raw)
                    break
                text = _with_notice(prepared.notice, verdict.text) if verdict.text else ""
                if len(text) > len(shown):
                    shown = text
                    yield shown
        except Exception as error:  # any failure of the endpoint or its output must end in the fallback
            outcome = self._fallback(question, self._failure(error))
        finally:
            if chunks is not None:
                chunks.close()
        yield outcome or self._finish(question, prepared, raw)

    # -- pieces --------------------------------------------------------------------------------
    def _prepare(self, question: str) -> _Prepared | None:
        if not self.enabled:
            return None
        text, notice = clean_question(question, self.settings.max_question_chars)
        if not text:
            return None
        _, hits = self.assistant.retrieve(text, notice)
        clauses = context_clauses(hits)
        return _Prepared(text, notice, hits, clauses, build_messages(text, clauses, self.document_title))

    def _finish(self, question: str, prepared: _Prepared, raw: str) -> Generation:
        verdict = Verifier(prepared.clauses, prepared.question).check(raw)
        if not verdict.ok:
            return self._reject(question, verdict, raw)
        scores = {h.clause.ref: h.score for h in prepared.hits}
        shown = verdict.cited or tuple(h.clause for h in prepared.hits[:3])  # a refusal lists the nearest
        citations = [Citation(c.doc_id, c.ref, c.title, c.text, scores.get(c.ref, 0.0)) for c in shown]
        text = _with_notice(prepared.notice, verdict.text)
        answer = Answer(prepared.question, text, verdict.refused, citations, list(verdict.statements), prepared.notice)
        return Generation(answer, AnswerSource.LLM)

    def _reject(self, question: str, verdict: Verdict, raw: str) -> Generation:
        log.warning("LLM answer rejected (%s) for %r: %.300s", verdict.reason, question, raw)
        return self._fallback(question, "大模型回答未通过核验：" + verdict.reason)

    def _fallback(self, question: str, reason: str) -> Generation:
        answer = self.assistant.ask(question)
        notice = f"（{reason}，已改用原文摘录）"
        answer.text = f"{notice}\n{answer.text}"
        answer.notice = "\n".join(filter(None, (notice, answer.notice)))
        return Generation(answer, AnswerSource.EXTRACTIVE, reason)

    def _failure(self, error: Exception) -> str:
        if isinstance(error, (_Timeout, openai.APITimeoutError, httpx.TimeoutException)):
            reason = f"大模型服务超时（{self.settings.llm_timeout:g}秒）"
        elif isinstance(error, openai.APIStatusError):
            reason = f"大模型服务出错（HTTP {error.status_code}）"
        elif isinstance(error, (openai.APIConnectionError, httpx.TransportError)):
            reason = "无法连接大模型服务"
        else:
            reason = "大模型返回的内容无法解析"
        # An upstream error body may echo the request's key: only its redacted start is logged.
        from ...logs import redact

        detail = redact(str(error), (self.settings.llm_api_key or "",))[:300]
        log.warning("LLM request to %s failed: %s: %s: %s", self.settings.llm_base_url, reason,
                    type(error).__name__, detail, exc_info=reason.startswith("大模型返回"))
        return reason


def _complete_prefix(raw: str) -> str:
    """The streamed text up to its last citation group that is known to be finished (followed by more
    text), so a statement is checked only once its citations are complete."""
    text = visible_text(raw)
    end = 0
    for group in _CITATION_GROUP.finditer(text):
        if text[group.end():group.end() + 1] not in ("", "【"):
            end = group.end()
    return text[:end]


def _with_notice(notice: str, text: str) -> str:
    return f"{notice}\n{text}" if notice else text

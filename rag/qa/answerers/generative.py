"""Optional generative answers from an OpenAI-compatible chat endpoint, verified before they are shown.

The model gets the clauses the question needs, labelled with their references (rag.qa.answerers.prompt), and
must cite each statement as 【ref】. Nothing it writes reaches the user unverified (rag.qa.verify). A failing
answer, an unreachable or slow endpoint, an HTTP error or unparsable output all end the same way: the
extractive answer, headed by a short notice saying why. A refusal is checked too: it stands only when the
extractive pipeline finds nothing either; and when the extractive pipeline finds the plan silent (its scope
checks know which places, years and premises the plan covers), its refusal is the answer and the model is
not asked.

Requests are always streamed, with `max_tokens`, and read against one deadline that starts before the
request is sent, so the time the server spends reading the prompt counts. At the deadline the stream is
closed, which tells the server to stop generating instead of keeping it busy for the next question.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, replace
from enum import StrEnum

import httpx
import openai

from ...config import Settings
from ...schema import Answer, AnswerSource, Citation, Clause, Generation, Hit
from ..query import clean_question
from ..verify import REFUSAL, Check, Verdict, Verifier, complete_prefix, refusal
from .prompt import build_messages, by_retrieval, context_clauses

__all__ = ["REFUSAL", "Attempt", "GenerativeAnswerer", "Outcome"]

log = logging.getLogger(__name__)

NO_KEY = "not-needed"  # local servers ignore the key; an explicit value stops the client reading OPENAI_API_KEY


class Outcome(StrEnum):
    """What an attempt came to, as an evaluation counts it."""

    ANSWERED = "answered"  # the model's verified answer (a refusal included, when the extractive one refuses too)
    NOT_ASKED = "not_asked"  # no model configured, or nothing to ask
    PLAN_SILENT = "plan_silent"  # the extractive pipeline finds the plan silent: its refusal, the model not asked
    REFUSAL_OVERRIDDEN = "refusal_overridden"  # the model said the plan is silent; the extractive answer was not
    TIMEOUT = "timeout"
    HTTP_ERROR = "http_error"
    UNREACHABLE = "unreachable"
    UNPARSABLE = "unparsable"
    REJECTED = "rejected"  # failed verification: `Attempt.check` says which check


@dataclass(frozen=True)
class Attempt(Generation):
    """A Generation with what it came to, so an evaluation can count fallbacks by reason."""

    outcome: Outcome = Outcome.ANSWERED
    check: Check | None = None


class _Timeout(Exception):
    pass


_END = object()


@dataclass(frozen=True)
class _Prepared:
    question: str
    notice: str
    hits: list[Hit]
    clauses: list[Clause]
    quoted: list[Clause]  # the clauses the extracted answer quotes: an answer cites at least one (or one inside)
    topics: tuple[tuple[str, ...], ...]  # the question's content words, each with the forms the plan may use
    listing: bool  # the question asks for a list: the answer cites every quoted clause that holds a topic
    places: tuple[tuple[str, ...], ...]  # the places the question names: a statement naming one is about it
    messages: list[dict]
    extractive: Answer  # the fallback, and the check on a refusal


class GenerativeAnswerer:
    """Answers through the configured LLM; falls back to `assistant.ask` whenever that is not safe."""

    def __init__(self, settings: Settings, assistant):
        self.settings = settings
        self.assistant = assistant
        self.client = None
        if settings.llm_enabled:
            self.client = openai.OpenAI(base_url=settings.llm_base_url, api_key=settings.llm_api_key or NO_KEY,
                                        max_retries=0)  # a retry would double the wait before the fallback
            self.client.chat.completions  # noqa: B018 - loads the client's lazy modules now, not inside the budget
        self.document_title = "》《".join(d.meta.title for d in assistant.documents)
        self._clauses = {(d.doc_id, c.ref): c for d in assistant.documents for c in d.clauses}

    @property
    def enabled(self) -> bool:
        return self.client is not None

    def answer(self, question: str) -> Answer:
        return self.generate(question).answer

    def generate(self, question: str) -> Attempt:
        """The verified model answer, or the extractive one with a notice when anything goes wrong."""
        outcome = None
        for item in self.stream(question):
            outcome = item
        return outcome

    def stream(self, question: str) -> Iterator[str | Attempt]:
        """Yield the answer's verified part as it grows (str, each a longer prefix of the final text), then
        the final Attempt: the verified model answer, or the extractive one with a notice."""
        prepared = self._prepare(question)
        if prepared is None:
            yield Attempt(self.assistant.ask(question), AnswerSource.EXTRACTIVE, outcome=Outcome.NOT_ASKED)
            return
        if prepared.extractive.refused:
            yield Attempt(prepared.extractive, AnswerSource.EXTRACTIVE, outcome=Outcome.PLAN_SILENT)
            return
        verifier = Verifier(prepared.clauses, prepared.question, prepared.quoted, prepared.topics, prepared.listing,
                            prepared.places)
        raw, shown, outcome = "", "", None
        chunks = self._read(prepared.messages)
        try:
            for delta in chunks:
                raw += delta
                verdict = verifier.check(complete_prefix(raw), complete=False)
                if not verdict.ok:  # stop reading: nothing after a failed statement could be shown
                    outcome = self._reject(prepared, verdict, raw)
                    break
                text = _with_notice(prepared.notice, verdict.text) if verdict.text else ""
                if len(text) > len(shown):
                    shown = text
                    yield shown
        except Exception as error:  # any failure of the endpoint or its output must end in the fallback
            outcome = self._fallback(prepared, *self._failure(error))
        finally:
            chunks.close()
        yield outcome or self._finish(prepared, verifier.check(raw), raw)

    # -- the request -------------------------------------------------------------------------------
    def _read(self, messages: list[dict]) -> Iterator[str]:
        """The answer's text deltas. A worker thread reads the stream so that waiting for it stops at the
        deadline even while the server is still reading the prompt; stopping (deadline, or the caller
        closing this generator) makes the worker close the stream, which cancels the request upstream."""
        deadline = time.monotonic() + self.settings.llm_timeout
        items: queue.Queue = queue.Queue()
        stop = threading.Event()

        def work() -> None:
            stream = None
            try:
                stream = self.client.chat.completions.create(
                    model=self.settings.llm_model, messages=messages, stream=True, temperature=0.0,
                    max_tokens=self.settings.llm_max_tokens, timeout=max(0.1, deadline - time.monotonic()))
                for chunk in stream:
                    if stop.is_set():
                        break
                    if chunk.choices is None:  # valid JSON, but not a completion chunk
                        raise ValueError(f"not a chat completion chunk: {chunk!r:.200}")
                    if chunk.choices:
                        items.put(chunk.choices[0].delta.content or "")
                items.put(_END)
            except Exception as error:  # handed to the reader, which turns it into a fallback
                items.put(error)
            finally:
                if stream is not None:
                    stream.close()

        threading.Thread(target=work, name="llm-stream", daemon=True).start()
        try:
            while True:
                try:
                    item = items.get(timeout=max(0.0, deadline - time.monotonic()))
                except queue.Empty:
                    raise _Timeout from None
                if item is _END:
                    return
                if isinstance(item, Exception):
                    raise item
                yield item
        finally:
            stop.set()

    # -- pieces ----------------------------------------------------------------------------------
    def _prepare(self, question: str) -> _Prepared | None:
        if not self.enabled:
            return None
        text, notice = clean_question(question, self.settings.max_question_chars)
        if not text:
            return None
        extractive = self.assistant.ask(question)
        query, hits = self.assistant.retrieve(text, notice)
        quoted = [] if extractive.refused else [self._clauses.get((c.doc_id, c.ref)) for c in extractive.citations]
        clauses = context_clauses(hits, [c for c in quoted if c is not None])
        quoted = by_retrieval([c for c in quoted if c in clauses], hits)  # best first
        topics = tuple(c.forms for c in query.key_concepts)
        places = tuple(c.forms + c.broader for c in query.key_concepts if c.qualifier)
        return _Prepared(text, notice, hits, clauses, quoted, topics, query.wants_list, places,
                         build_messages(text, clauses, self.document_title), extractive)

    def _finish(self, prepared: _Prepared, verdict: Verdict, raw: str) -> Attempt:
        if not verdict.ok:
            return self._reject(prepared, verdict, raw)
        if verdict.refused:  # the extractive pipeline found something (it is asked first)
            return self._fallback(prepared, "大模型称规划中没有相关内容，但原文中有", Outcome.REFUSAL_OVERRIDDEN)
        if verdict.partial and not any(refusal(prepared.extractive.text)):
            return self._fallback(prepared, "大模型称规划只涉及问题的一部分，但原文中都有", Outcome.REFUSAL_OVERRIDDEN)
        scores = {h.clause.ref: h.score for h in prepared.hits}
        shown = verdict.cited or tuple(h.clause for h in prepared.hits[:3])  # a refusal lists the nearest
        citations = [Citation(c.doc_id, c.ref, c.title, c.text, scores.get(c.ref, 0.0)) for c in shown]
        text = _with_notice(prepared.notice, verdict.text)
        answer = Answer(prepared.question, text, verdict.refused, citations, list(verdict.statements), prepared.notice)
        return Attempt(answer, AnswerSource.LLM)

    def _reject(self, prepared: _Prepared, verdict: Verdict, raw: str) -> Attempt:
        log.warning("LLM answer rejected (%s) for %r: %.300s", verdict.reason, prepared.question, raw)
        return self._fallback(prepared, "大模型回答未通过核验：" + verdict.reason, Outcome.REJECTED, verdict.check)

    def _fallback(self, prepared: _Prepared, reason: str, outcome: Outcome, check: Check | None = None) -> Attempt:
        extractive = prepared.extractive
        notice = f"（{reason}，已改用原文摘录）"
        answer = replace(extractive, text=f"{notice}\n{extractive.text}",
                         notice="\n".join(filter(None, (notice, extractive.notice))))
        return Attempt(answer, AnswerSource.EXTRACTIVE, reason, outcome, check)

    def _failure(self, error: Exception) -> tuple[str, Outcome]:
        if isinstance(error, (_Timeout, openai.APITimeoutError, httpx.TimeoutException)):
            reason, kind = f"大模型服务超时（{self.settings.llm_timeout:g}秒）", Outcome.TIMEOUT
        elif isinstance(error, openai.APIStatusError):
            reason, kind = f"大模型服务出错（HTTP {error.status_code}）", Outcome.HTTP_ERROR
        elif isinstance(error, (openai.APIConnectionError, httpx.TransportError)):
            reason, kind = "无法连接大模型服务", Outcome.UNREACHABLE
        else:
            reason, kind = "大模型返回的内容无法解析", Outcome.UNPARSABLE
        # An upstream error body may echo the request's key: only its redacted start is logged.
        from ...logs import redact

        detail = redact(str(error), (self.settings.llm_api_key or "",))[:300]
        log.warning("LLM request to %s failed: %s: %s: %s", self.settings.llm_base_url, reason,
                    type(error).__name__, detail, exc_info=kind is Outcome.UNPARSABLE)
        return reason, kind


def _with_notice(notice: str, text: str) -> str:
    return f"{notice}\n{text}" if notice else text

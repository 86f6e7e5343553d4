"""Answering in a process of its own: the app's server process keeps only what the page needs.

Why a process: in one process the answering thread and the event loop share one interpreter lock and one
garbage collector. Whenever the answering thread held the lock, /api/health and the page's own requests
waited; a thread niced to yield the CPU made it worse (descheduled while holding the lock, it stalled the
event loop for as long as the machine's other work ran), and each full collection walked the model's and
the index's million objects (up to a second with everything stopped). The worker process (AnswerWorker,
niced) loads the Assistant and answers ``ask`` and ``retrieve``; the server process (ProcessAssistant) holds
the documents, the tokenizer (follow-up questions, quizzes), the measure finder (its tab) and the clauses the
panel shows, and waits on a pipe, lock released, while the worker answers. Both processes freeze what they
loaded out of the collector's reach (gc.freeze).

The AnswerQueue (rag.app.server) still sends one question at a time, so the FIFO order, the 503 when full
and the per-question time budget (Assistant.ask) are unchanged. A worker that dies while answering, or that
has not answered within ANSWER_TIMEOUT seconds (stuck: it is killed), is started again at once; that
question gets AnswerUnavailable, a message for the user; the next ones wait in the queue for the new worker
(start: tens of seconds, the model and the index are loaded again). A worker found dead before a question is
sent is restarted and the question answered. Memory: the worker ~1.1 GB, the server ~0.3 GB besides Gradio.

A library change (the 文档库 tab: files added or removed, the index updated) reaches the worker as a ``reload``
call in the queue's turn: the worker loads the library as it is now with the embedding model it holds (seconds),
and answers the questions behind it from the new library; those before it were answered from the old one. If the
new library cannot be loaded the worker keeps the one it has and says why.
"""

from __future__ import annotations

import gc
import logging
import multiprocessing
import os
import signal
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import NoReturn

from ..config import Settings
from ..corpus.load import IndexUnavailable
from ..corpus.select import find_clause
from ..index.tokenize import Tokenizer
from ..logs import PACKAGE, configure_logging
from ..measures.match import MeasureFinder
from ..schema import Clause, Document

log = logging.getLogger(__name__)

ANSWER_TIMEOUT = 60.0  # wall seconds; a question's own budget is RAG_QUESTION_SECONDS of CPU, far less
START_TIMEOUT = 1800.0  # a first start converts the model and builds the index
RELOAD_TIMEOUT = 600.0  # a library loaded again: the corpus, the tokenizer and the index, not the model
WORKER_NICENESS = 10  # the worker yields the CPU to the server process (health, the page's own requests)
METHODS = ("ask", "retrieve")
RELOAD = "reload"

DIED = "抱歉，回答进程意外退出，这个问题没能回答（错误已记录）。回答进程正在重启，请稍后重试。"
STUCK = "抱歉，这个问题{:.0f}秒内没有答完，已停止作答（错误已记录）。回答进程正在重启，请稍后重试或换一种问法。"
NOT_STARTED = "抱歉，回答进程未能启动（错误已记录），暂时无法回答。请稍后重试。"


class AnswerUnavailable(Exception):
    """The worker could not answer: it died, was stuck or could not start. The message is for the user."""


@dataclass(frozen=True)
class IndexState:
    """What the page shows of the worker's index: a notice when it is older than the corpus."""

    notice: str = ""


class AnswerWorker:
    """A process with a loaded Assistant, answering one call at a time: only one thread calls it (the queue's)."""

    def __init__(self, settings: Settings, answer_timeout: float = ANSWER_TIMEOUT):
        self.settings = settings
        self.answer_timeout = answer_timeout
        self._context = multiprocessing.get_context("spawn")  # a fork of a threaded server is not safe
        self._process: multiprocessing.process.BaseProcess | None = None
        self._connection: Connection | None = None
        self._ready: tuple[list[Document], str] | None = None
        self._start()

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process else None

    def ready(self) -> tuple[list[Document], str]:
        """The worker's documents and index notice, once it has loaded them; its start-up log records are
        logged here meanwhile (the start page shows them). IndexUnavailable or AnswerUnavailable if it fails."""
        while self._ready is None:
            if self._connection is None:
                self._start()
            message = self._receive(START_TIMEOUT, NOT_STARTED)
            if message[0] == "log":
                logging.getLogger(message[1]).log(message[2], "%s", message[3])
            elif message[0] == "ready":
                self._ready = message[1], message[2]
            else:  # "failed"
                self._stop()
                raise IndexUnavailable(message[2]) if message[1] else AnswerUnavailable(NOT_STARTED)
        return self._ready

    def call(self, method: str, *args, timeout: float | None = None):
        """assistant.<method>(*args) in the worker; AnswerUnavailable if the worker cannot answer it."""
        if self._process is not None and not self._process.is_alive():
            log.error("the answer worker (pid %s) had exited with %s: starting another", self.pid,
                      self._process.exitcode)
            self._stop()
        self.ready()
        try:
            self._connection.send((method, args))
        except OSError:  # it died just now
            self._fail(DIED)
        timeout = timeout or self.answer_timeout
        kind, value = self._receive(timeout, STUCK.format(timeout))
        if kind == "unavailable":
            raise IndexUnavailable(value)
        if kind == "error":
            raise RuntimeError(f"the answer worker failed: {value}")
        return value

    def reload(self) -> tuple[list[Document], str]:
        """The worker answers from the library as it is now; its documents and index notice. IndexUnavailable
        (the worker keeps the library it had) or AnswerUnavailable when it cannot."""
        self._ready = self.call(RELOAD, timeout=RELOAD_TIMEOUT)
        return self._ready

    def close(self) -> None:
        """Stop the worker: it exits once its pipe is closed (killed if it has not within seconds)."""
        if self._connection is not None:
            self._connection.close()
            self._connection = None
        if self._process is not None:
            self._process.join(10)
        self._stop()

    def _start(self) -> None:
        ours, theirs = self._context.Pipe()
        self._process = self._context.Process(target=serve_answers, args=(theirs, self.settings),
                                              name="rag-answers", daemon=True)
        self._process.start()
        theirs.close()  # now the worker's exit is an end of file here
        self._connection = ours
        self._ready = None

    def _receive(self, timeout: float, stuck: str) -> tuple:
        if not self._connection.poll(timeout):
            self._fail(stuck)
        try:
            return self._connection.recv()
        except (EOFError, OSError):
            self._fail(DIED if self._ready else NOT_STARTED)

    def _fail(self, message: str) -> NoReturn:
        log.error("the answer worker (pid %s) failed: %s", self.pid, message)
        started = self._ready is not None
        self._stop()
        if started:  # it had answered before: start the next one now; a failed start is tried again on the next call
            self._start()
        raise AnswerUnavailable(message)

    def _stop(self) -> None:
        if self._process is not None and self._process.exitcode is None:
            self._process.kill()
            self._process.join(10)
        if self._connection is not None:
            self._connection.close()
        self._process = self._connection = self._ready = None


class ProcessAssistant:
    """The assistant as the app's server process holds it: what the page needs, here; ask and retrieve in an
    AnswerWorker (raising AnswerUnavailable when it cannot answer). Waits for the worker to be ready."""

    def __init__(self, worker: AnswerWorker):
        self.settings = settings = worker.settings
        self.worker = worker
        self.documents, notice = worker.ready()
        self.index = IndexState(notice)
        self.tokenizer = Tokenizer(self.documents)
        self.measures = MeasureFinder(self.documents, self.tokenizer,
                                      description_limit=settings.profile_text_max_chars)

    def ask(self, question: str, documents=None):
        return self.worker.call("ask", question, documents)

    def retrieve(self, text: str, notice: str = ""):
        return self.worker.call("retrieve", text, notice)

    def show(self, ref: str, selector: str | None = None) -> Clause | None:
        return find_clause(self.documents, ref, selector)

    def reloaded(self) -> ProcessAssistant:
        """The assistant for the library as it is now: the worker loads it again (see AnswerWorker.reload)."""
        self.worker.reload()
        return ProcessAssistant(self.worker)

    def close(self) -> None:
        self.worker.close()


# -- in the worker process ---------------------------------------------------------------------
class _Forward(logging.Handler):
    """The package's records while the worker starts, sent to the server to log (and show on the start page)."""

    def __init__(self, connection: Connection):
        super().__init__(logging.INFO)
        self.connection = connection

    def emit(self, record: logging.LogRecord) -> None:
        self.connection.send(("log", record.name, record.levelno, self.format(record)))


def serve_answers(connection: Connection, settings: Settings) -> None:
    """The worker's main: load the Assistant, say ready, then answer calls until the server is gone."""
    from ..qa.engine import Assistant

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is for the server, which stops this process
    try:
        os.nice(WORKER_NICENESS)  # before any thread starts: they all inherit it
    except (AttributeError, OSError):
        log.info("the answer worker runs at the server's priority")
    package = logging.getLogger(PACKAGE)
    forward = _Forward(connection)
    package.setLevel(logging.INFO)
    package.addHandler(forward)
    package.propagate = False
    try:
        assistant = Assistant(settings)
    except Exception as error:
        log.exception("the answer worker could not start")
        connection.send(("failed", isinstance(error, IndexUnavailable), str(error)))
        return
    finally:
        package.removeHandler(forward)
        package.propagate = True
    configure_logging(settings)  # from now on its own records go to stderr
    gc.freeze()
    try:
        connection.send(("ready", assistant.documents, assistant.index.notice))
        while True:
            method, args = connection.recv()
            try:
                if method == RELOAD:
                    assistant = assistant.reloaded()
                    _refreeze()
                    log.info("answering from the library as it is now: %d documents", len(assistant.documents))
                    reply = ("ok", (assistant.documents, assistant.index.notice))
                elif method in METHODS:
                    reply = ("ok", getattr(assistant, method)(*args))
                else:
                    raise ValueError(f"unknown call {method!r}")
            except IndexUnavailable as error:
                log.error("the library could not be loaded again; answering from the one loaded before: %s", error)
                reply = ("unavailable", str(error))
            except Exception as error:
                log.exception("answering failed: %.200r", args)
                reply = ("error", f"{type(error).__name__}: {error}")
            connection.send(reply)
    except (EOFError, OSError):  # the server is gone
        return


def _refreeze() -> None:
    """What the old assistant left in the frozen generation back in the collector's reach (freed), then what
    is loaded now frozen."""
    gc.unfreeze()
    gc.collect()
    gc.freeze()

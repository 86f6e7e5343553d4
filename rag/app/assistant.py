"""What the app needs from an assistant: the engine (rag.qa.engine.Assistant) and the serialized one that
queues its questions (rag.app.server.SerializedAssistant) both provide it, and test doubles need only this."""

from __future__ import annotations

from typing import Protocol

from ..config import Settings
from ..measures import MeasureFinder
from ..schema import Answer, Clause, Document, Hit, Query


class AssistantLike(Protocol):
    settings: Settings
    documents: list[Document]
    measures: MeasureFinder

    def ask(self, question: str) -> Answer: ...

    def retrieve(self, text: str, notice: str = "") -> tuple[Query, list[Hit]]: ...

    def show(self, ref: str, selector: str | None = None) -> Clause | None: ...

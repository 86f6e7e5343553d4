"""Support-measure finder: the plan's measures as data (extract), a profile matched against them (match), and
the checklist rendered for people (render). Everything is rule-based; see each module."""

from __future__ import annotations

from ..config import Settings
from ..corpus.derived import FOLDER, DerivedCache
from ..corpus.load import load_corpus
from ..schema import Document
from .match import MeasureFinder
from .model import EMPTY_PROFILE, NOT_IN_PLAN, PROFILE_TAGS, Checklist, ProfileInput


def load_finder(settings: Settings, documents: list[Document] | None = None) -> MeasureFinder:
    """The finder over the corpus (or the documents given), without the search index (whose libraries take
    seconds to import)."""
    documents = load_corpus(settings.corpus_dir) if documents is None else documents
    return MeasureFinder(documents, description_limit=settings.profile_text_max_chars,
                         cache=DerivedCache(settings.data_dir / FOLDER))


__all__ = ["EMPTY_PROFILE", "NOT_IN_PLAN", "PROFILE_TAGS", "Checklist", "MeasureFinder", "ProfileInput", "load_finder"]

"""Shared fixtures: the real corpus and one assistant (model and index loaded once per test session)."""

from __future__ import annotations

import pytest

from rag.config import Settings
from rag.corpus.load import load_corpus


@pytest.fixture(scope="session")
def settings() -> Settings:
    return Settings.from_env()


@pytest.fixture(scope="session")
def document(settings):
    return load_corpus(settings.corpus_dir)[0]


@pytest.fixture(scope="session")
def assistant(settings):
    from rag.qa.engine import Assistant

    return Assistant(settings)

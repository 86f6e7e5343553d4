"""Shared fixtures: the real corpus and one assistant (model and index loaded once per test session); a library
of the three 青岚 documents of evals/library and the Hunan plan (built once per test module using it)."""

from __future__ import annotations

import shutil
from dataclasses import replace

import pytest

from rag.config import PROJECT_ROOT, Settings
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


@pytest.fixture(scope="module")
def library(tmp_path_factory, settings):
    from rag.qa.engine import Assistant

    folder = tmp_path_factory.mktemp("library")
    shutil.copytree(PROJECT_ROOT / "evals" / "library" / "docs", folder / "corpus")
    shutil.copy(PROJECT_ROOT / "corpus" / "hunan-manufacturing-15th-fyp.txt", folder / "corpus")
    return Assistant(replace(settings, corpus_dir=folder / "corpus", data_dir=folder / "data"))

"""Settings come from environment variables; a value that cannot be used is named in a clear message."""

from __future__ import annotations

import pytest

from rag.cli import main
from rag.config import ConfigError, Settings


def test_defaults(monkeypatch):
    for name in ("RAG_TOP_K", "RAG_MAX_QUESTION_CHARS", "RAG_PORT"):
        monkeypatch.delenv(name, raising=False)
    settings = Settings.from_env()
    assert (settings.top_k, settings.max_question_chars, settings.port) == (8, 500, 7860)


@pytest.mark.parametrize("name, value", [("RAG_TOP_K", "abc"), ("RAG_TOP_K", "0"), ("RAG_PORT", "x"),
                                         ("RAG_LLM_TIMEOUT", "-1")])
def test_unusable_values_are_named(monkeypatch, name, value):
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError, match=name):
        Settings.from_env()


def test_the_cli_reports_a_bad_setting_without_a_traceback(monkeypatch, capsys):
    monkeypatch.setenv("RAG_TOP_K", "five")
    assert main(["show", "二（三）5"]) == 2
    assert "RAG_TOP_K" in capsys.readouterr().err

"""The command line: lookups read the parsed corpus only (no embedding model, no search libraries), and the
log shows the package's stages, never a library's debug lines."""

from __future__ import annotations

import json
import logging
import subprocess
import sys
from dataclasses import replace

import pytest

from rag.cli import main
from rag.config import Settings
from rag.logs import configure_logging

# Imported by a command that loads the embedding model or the index; a lookup must import none of them.
HEAVY = ("torch", "sentence_transformers", "faiss", "bm25s", "llama_index", "gradio")


def imported_by(*argv: str) -> set[str]:
    script = (
        "import json, runpy, sys\n"
        f"sys.argv = ['rag', *{list(argv)!r}]\n"
        "try:\n    runpy.run_module('rag', run_name='__main__')\nexcept SystemExit:\n    pass\n"
        f"print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in {HEAVY!r})))"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=True)
    return set(json.loads(done.stdout.strip().splitlines()[-1]))


@pytest.mark.parametrize("argv", [("show", "二（三）5"), ("--help",), ("measures", "--list")])
def test_lookups_do_not_load_the_model(argv):
    assert imported_by(*argv) == set()


def test_show_prints_the_clause_and_explains_an_unknown_reference(capsys, document):
    assert main(["show", " 二（三）5 "]) == 0
    printed = capsys.readouterr().out
    assert printed.startswith("二（三）5") and document.clause("二（三）5").text in printed
    assert main(["show", "九十九（一）"]) == 1
    assert "条款编号形如" in capsys.readouterr().err


@pytest.fixture
def restored_logging():
    root, package = logging.getLogger(), logging.getLogger("rag")
    saved = root.handlers[:], root.level, package.level
    yield
    root.handlers[:], _, _ = saved
    root.setLevel(saved[1])
    package.setLevel(saved[2])


def test_library_debug_lines_are_silenced_and_stages_shown(capsys, restored_logging):
    configure_logging(replace(Settings.from_env(), log_level="WARNING"), progress=True)
    logging.getLogger("bm25s").setLevel(logging.DEBUG)  # as bm25s does on import
    logging.getLogger("bm25s").debug("Building index from tokens")
    logging.getLogger("faiss.loader").info("Loading faiss")
    logging.getLogger("rag.index.store").info("正在建立索引：89 个片段")
    logging.getLogger("rag.index.store").debug("details")
    err = capsys.readouterr().err
    assert "正在建立索引" in err
    assert "bm25s" not in err and "faiss" not in err and "details" not in err

    configure_logging(replace(Settings.from_env(), log_level="WARNING"))  # a lookup: the package's INFO lines are not shown either
    logging.getLogger("rag.index.store").info("正在建立索引")
    assert capsys.readouterr().err == ""

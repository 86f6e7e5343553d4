"""Logging for the command line and the app: one format on stderr, and no secret in any line.

The package's own records appear at RAG_LOG_LEVEL (or from INFO with `progress`: the stages of model
conversion, model loading and index build); other libraries' only when they warn (some, such as bm25s, set
their loggers to DEBUG themselves: a filter on the handler silences them). A second filter redacts API
keys, bearer tokens and the configured secrets (RAG_LLM_API_KEY, RAG_ADMIN_TOKEN) from every record, its
arguments and its traceback; redact() is the same rule for text logged from elsewhere (an upstream error body).
"""

from __future__ import annotations

import logging
import re
import sys

from .config import Settings

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
PACKAGE = "rag"
MASK = "[已隐去]"
_SECRET = re.compile(
    r"(?i)(?:\bbearer\s+[\w\-.~+/=]{6,}"  # Authorization: Bearer …
    r"|\b(?:sk|pk|rk|ak)-[\w\-]{8,}"  # OpenAI-style keys
    r"|\b(?:api[_-]?key|access[_-]?token|token|secret|password)[\"']?\s*[:=]\s*[\"']?[^\s\"',;&]{4,})"
)


def redact(text: str, secrets: tuple[str, ...] = ()) -> str:
    for secret in secrets:
        if secret and len(secret) >= 4:
            text = text.replace(secret, MASK)
    return _SECRET.sub(MASK, text)


class RedactSecrets(logging.Filter):
    def __init__(self, secrets: tuple[str, ...] = ()):
        super().__init__()
        self.secrets = tuple(s for s in secrets if s)

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = redact(record.getMessage(), self.secrets)
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text, self.secrets)
        return True


class _Threshold(logging.Filter):
    def __init__(self, own: int, libraries: int):
        super().__init__()
        self.own, self.libraries = own, libraries

    def filter(self, record: logging.LogRecord) -> bool:
        own = record.name == PACKAGE or record.name.startswith(PACKAGE + ".")
        return record.levelno >= (self.own if own else self.libraries)


def configure_logging(settings: Settings, progress: bool = False) -> None:
    """The package's stderr handler with the level threshold (added once, its threshold updated on each call),
    and one redaction filter on every handler of the root logger."""
    own = logging.getLevelName(settings.log_level.upper())
    if not isinstance(own, int):
        own = logging.WARNING
    if progress:
        own = min(own, logging.INFO)
    libraries = logging.DEBUG if own <= logging.DEBUG else logging.WARNING
    root = logging.getLogger()
    handler = next((h for h in root.handlers if getattr(h, "rag_handler", False)), None)
    if handler is None:
        handler = logging.StreamHandler(sys.stderr)
        handler.rag_handler = True
        handler.setFormatter(logging.Formatter(FORMAT, datefmt="%H:%M:%S"))
        root.addHandler(handler)
    _replace_filter(handler, _Threshold, _Threshold(own, libraries))
    secrets = (settings.llm_api_key or "", settings.admin_token or "")
    for each in root.handlers:  # secrets configured earlier stay redacted too
        known = tuple(secret for f in each.filters if isinstance(f, RedactSecrets) for secret in f.secrets)
        _replace_filter(each, RedactSecrets, RedactSecrets(tuple(dict.fromkeys((*known, *secrets)))))
    root.setLevel(min(own, libraries))
    logging.getLogger(PACKAGE).setLevel(own)


def _replace_filter(handler: logging.Handler, kind: type, new: logging.Filter) -> None:
    for old in [f for f in handler.filters if isinstance(f, kind)]:
        handler.removeFilter(old)
    handler.addFilter(new)

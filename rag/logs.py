"""Logging for the app and the command line: one format, and no secret in any line.

configure_logging installs, once, a filter on the root handler that redacts API keys, bearer tokens and
the configured secrets (RAG_LLM_API_KEY, RAG_ADMIN_TOKEN) from every record, its arguments and its
traceback. redact() is the same rule for text logged from elsewhere (e.g. an upstream error body).
"""

from __future__ import annotations

import logging
import re

from .config import Settings

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


def configure_logging(settings: Settings) -> None:
    """Root logging at the configured level, every handler redacting secrets (installed once)."""
    logging.basicConfig(level=settings.log_level.upper(), format="%(levelname)s %(name)s: %(message)s")
    root = logging.getLogger()
    root.setLevel(settings.log_level.upper())
    secrets = (settings.llm_api_key or "", settings.admin_token or "")
    for handler in root.handlers:
        if not any(isinstance(f, RedactSecrets) for f in handler.filters):
            handler.addFilter(RedactSecrets(secrets))

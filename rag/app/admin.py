"""Admin actions (the feedback export, the 文档库 tab) are for whoever gives RAG_ADMIN_TOKEN."""

from __future__ import annotations

import hmac


def authorized(given: str | None, admin_token: str | None) -> bool:
    """The token given matches the configured one (compared in constant time); never without a token."""
    return bool(admin_token) and hmac.compare_digest((given or "").encode(), admin_token.encode())

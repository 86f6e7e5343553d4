"""Normalising text: one set of control characters, one decoder, one cleaner for whatever a user types."""

from __future__ import annotations

import re
import unicodedata

# C0/C1 controls (tab and newline kept), zero-width and bidirectional marks, byte-order marks.
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\ufeff]")
_SURROGATE = re.compile(r"[\ud800-\udfff]")
REPLACEMENT = "\ufffd"
EMPTY_QUESTION = "请输入问题，例如：“到2030年新材料产业营收目标是多少？”"  # what is left of the input is empty


def normalize(text: str) -> str:
    """NFKC (full-width letters and digits to half-width), keeping Chinese punctuation as the plan writes it."""
    text = unicodedata.normalize("NFKC", text)
    return text.replace("(", "（").replace(")", "）").replace(",", "，").replace("?", "？").replace(":", "：")


_QUOTED_TERM = re.compile(r"[“\"]([^”\"]{2,12})[”\"]")


def quoted_terms(text: str) -> list[str]:
    """The terms a text sets in quotation marks (“五好”, "三同时"): names of their own."""
    return _QUOTED_TERM.findall(text)


def strip_control(text: str, replacement: str = " ") -> str:
    return CONTROL.sub(replacement, text)


def decode_bytes(raw: bytes) -> str:
    """Bytes as text: UTF-8 (with or without BOM), UTF-16 with its BOM (Notepad's “Unicode”), else GB18030,
    else UTF-8 with invalid bytes replaced."""
    utf16 = ("utf-16",) if raw[:2] in (b"\xff\xfe", b"\xfe\xff") else ()
    for encoding in ("utf-8-sig", *utf16, "gb18030"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    return raw.decode("utf-8", errors="replace")


def clean_input(raw: object) -> str:
    """Any text a user sends (page, API, CLI argument, stdin, batch line) as one clean line of text.

    Bytes are decoded, lone surrogates (what Python makes of invalid UTF-8 in argv) replaced, control
    characters dropped and runs of white space collapsed. Never raises."""
    if raw is None:
        return ""
    if isinstance(raw, bytes | bytearray):
        text = decode_bytes(bytes(raw))
    else:
        text = raw if isinstance(raw, str) else str(raw)
    if _SURROGATE.search(text):
        text = text.encode("utf-8", "surrogateescape").decode("utf-8", "replace") if _escaped_bytes(text) else text
        text = _SURROGATE.sub(REPLACEMENT, text)
    text = strip_control(text)
    return re.sub(r"\s+", " ", text).strip()


def _escaped_bytes(text: str) -> bool:
    """Whether every surrogate is one of Python's escapes for an undecodable byte (U+DC80–U+DCFF)."""
    try:
        text.encode("utf-8", "surrogateescape")
        return True
    except UnicodeEncodeError:
        return False

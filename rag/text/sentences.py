"""One sentence splitter, and a clause's text without its own heading."""

from __future__ import annotations

import re

from ..schema import Clause, ClauseKind

_SENTENCE_END = re.compile(r"(?<=[。；！？])")


def split_sentences(text: str) -> list[str]:
    """Sentences of a text, each with its closing mark; line breaks inside a paragraph are ignored."""
    return [s for s in _SENTENCE_END.split(text.replace("\n", "")) if s.strip()]


def _heading_line(clause: Clause) -> str:
    return clause.title_path[-1] if clause.title_path else ""


def clause_body(clause: Clause) -> str:
    """The clause without its own heading, so that a heading is not read as a sentence."""
    text = clause.text
    heading = _heading_line(clause)
    if clause.kind == ClauseKind.CLAUSE and heading:
        first, _, rest = text.partition("\n")
        if first.strip() == heading.strip():
            return rest.strip()
        if text.startswith(heading):
            return text[len(heading):].lstrip("。 ").strip()
    return text.strip()


def clause_sentences(clause: Clause) -> list[str]:
    """The clause's sentences, paragraph by paragraph, without the heading line."""
    heading = _heading_line(clause)
    result = []
    for line in clause.text.split("\n"):
        for sentence in split_sentences(line):
            if sentence.rstrip("。；") != heading and sentence.strip():
                result.append(sentence.strip())
    return result

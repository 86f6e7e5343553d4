"""Presentation of answers and clauses as plain text (CLI) and Markdown (app)."""

from __future__ import annotations

from ..schema import Answer, Clause


def answer_as_text(answer: Answer) -> str:
    lines = [answer.text]
    if answer.citations:
        lines.append("")
        lines.append("引用条款：" if not answer.refused else "相关条款：")
        lines.extend(f"  {c.ref}  {c.title}" for c in answer.citations)
    return "\n".join(lines)


def clause_as_text(clause: Clause) -> str:
    return f"{clause.ref}  {clause.title}\n\n{clause.text}"

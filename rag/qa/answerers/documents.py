"""Facts about the document itself — who issued it, its 文号, when, to whom — from its header (the notice)."""

from __future__ import annotations

import re

from ...schema import Answer, ClauseKind, Hit, Query, Statement
from ..intent import Intent
from .base import AnswerContext, build_answer

# What a question about the document asks, as people say it; each names a field of DocumentMeta.
_ASKS = (
    ("issuer", re.compile(r"谁(?:发|印发|制定|出台|发布)|哪个(?:部门|单位|机关)(?:发|印发|制定|出台|发布)|发文(?:机关|单位)|印发(?:机关|单位)")),
    ("doc_number", re.compile(r"文号|几号文|发文字号")),
    ("date", re.compile(r"哪天|哪一天|什么时候(?:印发|发布|出台|发的|下发)|何时(?:印发|发布|出台)|(?:印发|成文|发布)(?:日期|时间)|哪年(?:印发|发布|出台|发的)")),
    ("recipients", re.compile(r"发给|主送|印发给|下发给|发到|发往|印发对象|给哪些(?:单位|部门)")),
)
_ABOUT_DOCUMENT = re.compile(r"规划|文件|通知|这个|本|该")
_LABELS = {"issuer": "印发机关", "doc_number": "文号", "date": "成文日期", "recipients": "主送"}


def answer_document_facts(query: Query, intent: Intent, hits: list[Hit], context: AnswerContext) -> Answer | None:
    if intent.claim or not _ABOUT_DOCUMENT.search(query.text):
        return None
    asked = [field for field, pattern in _ASKS if pattern.search(query.text)]
    if not asked:
        return None
    for document in context.documents.values():
        notice = next((c for c in document.clauses if c.kind == ClauseKind.NOTICE), None)
        if notice is None:
            continue
        values = [f"{_LABELS[field]}：{getattr(document.meta, field)}" for field in asked if getattr(document.meta, field)]
        if not values:
            continue
        statement = Statement(f"《{document.meta.title}》" + "；".join(values) + "。", notice.ref)
        return build_answer(query, [statement], [notice], hits, check_premise=False)
    return None

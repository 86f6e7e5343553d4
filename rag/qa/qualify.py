"""The last stage: with several documents in the library, each citation and each 【ref】 names its document
(【湘政发〔2026〕6号 二（三）5】), and the answer ends with where its statements come from. With one document
the answer is left as it is. The answerers' wording for the one plan (规划中未找到…) then speaks of documents."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import replace

from ..schema import Answer, Document

# how answerers speak of the one plan: 规划中没有/未找到…, 规划在【…】提到了…但未规定, 规划没有单列, 所引规划条款,
# 规划只给出了…, 规划没有给出…, 与规划不符，规划原文是
_PLAN_WORDING = re.compile(r"规划(?=中没有|中未找到|在【|未规定|没有单列|所列|条款|只给出|没有给出|不符|原文)")


def qualify(answer: Answer, documents: Mapping[str, Document]) -> Answer:
    citations = tuple(replace(c, doc_title=documents[c.doc_id].meta.title, doc_number=documents[c.doc_id].meta.doc_number)
                      if c.doc_id in documents else c for c in answer.citations)
    if len(documents) < 2:
        return replace(answer, citations=citations)
    doc_of = {}
    for citation in citations:  # a statement's document: the first cited clause with its reference
        doc_of.setdefault(citation.ref, citation.doc_id)
    quoted = {f"{s.text}【{s.ref}】" for s in answer.statements}  # the documents' own words stay as they are
    text = "\n".join(line if line in quoted else _PLAN_WORDING.sub("文件", line) for line in answer.text.split("\n"))
    statements = []
    for statement in answer.statements:
        doc_id = doc_of.get(statement.ref)
        label = documents[doc_id].meta.label if doc_id in documents else ""
        labelled = replace(statement, doc=label)
        if label and f"【{statement.ref}】" in text:
            text = text.replace(f"【{statement.ref}】", f"【{labelled.label}】")
        statements.append(labelled)
    if answer.statements:  # the answered parts' sources, also when another part is refused
        cited = dict.fromkeys(c.doc_id for c in citations if c.doc_id in documents)
        metas = [documents[doc_id].meta for doc_id in cited]
        text += "\n出处：" + "；".join(f"{m.doc_number}《{m.title}》（{m.issuer}，{m.date or m.published}）".lstrip()
                                    for m in metas) + "。"
    return replace(answer, text=text, citations=citations, statements=tuple(statements))

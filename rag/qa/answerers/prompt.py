"""The prompt for generative answers: short rules, one worked example from an invented document, then only
the clauses the question needs, each sentence closed by its clause's reference.

Small models copy the form of an example far more reliably than they follow written rules, so the example
shows every habit the verifier needs: a 【ref】 after each statement, numbers and bounds copied, base and
target kept apart, working written out for a calculation. The example document (青禾市, 智慧农机) is invented
and shares nothing with any real plan; its numbers occur in no corpus clause, so a copied example number fails
verification. The rules and example come first and never change, so a server that caches the prompt prefix
(llama.cpp, vLLM) reads them once.
"""

from __future__ import annotations

from ...schema import Clause, Hit
from ...text import split_sentences
from ..verify import REFUSAL

MAX_CONTEXT_CHARS = 1500  # clause text per question: on a CPU the prompt read dominates latency
MAX_RETRIEVED_CLAUSES = 3  # retrieved clauses fill up to this many; the extracted answer's clauses all go
_REMINDER = "（每句话末尾用【条款编号】注明出处）"  # last words of the prompt: small models heed them most
_ENDS = "。；！？"

_EXAMPLE_CLAUSES = (
    ("三（二）4", "（二）壮大特色产业", "4.智慧农机产业",
     "4.智慧农机产业。推进北斗导航农机、植保无人机研发应用，建设农机装备检测中心。到2030年，力争营收达到360亿元，"
     "培育不少于15家骨干企业。"),
    ("专栏·指标3", "专栏 青禾市“十五五”农业发展主要目标", "",
     "效益类指标3：农产品加工转化率：基期值（2025年）68%，目标值（2030年）≥75%（单位：%）"),
)
_EXAMPLE_QUESTION = "智慧农机产业的营收目标是多少？农产品加工转化率要提高多少？"
_EXAMPLE_ANSWER = (
    "到2030年，智慧农机产业力争营收达到360亿元，培育不少于15家骨干企业【三（二）4】。\n"
    "农产品加工转化率基期值（2025年）为68%，目标值（2030年）为≥75%【专栏·指标3】。\n"
    "计算：75%−68%=7个百分点，即至少提高7个百分点【专栏·指标3】。"
)


def _rules(document_title: str) -> str:
    return (
        f"你是《{document_title}》的问答助手，只依据用户消息中给出的条款回答，不使用条款以外的知识。\n"
        "1. 每句话末尾用【条款编号】注明出处；编号只能是给出的条款编号，【】内只写编号。\n"
        "2. 数字、单位、比较符号（≥、不少于）和年份照抄条款原文；分清基期值和目标值。\n"
        "3. 只有问题要求计算（如“要提高多少”“相差多少”）时才计算，先写出算式（如 75%−68%=7个百分点）再写结论；"
        "问题没有要求的，不要自己计算。\n"
        f"4. 只有给出的条款完全不能回答时，才回答“{REFUSAL}。”并说明缺少什么；能回答一部分就回答那一部分。\n"
        "5. 用简洁的中文回答，不要复述问题。"
    )


def _block(ref: str, parent: str, heading: str, text: str) -> str:
    """The clause under its section's heading, each sentence but its own heading closed by 【ref】 as an
    answer's statement is: a small model that copies a sentence copies its reference with it."""
    lines = ["".join(s if s.rstrip(_ENDS) == heading else _cited(s, ref) for s in split_sentences(line))
             for line in text.split("\n")]
    if not any(f"【{ref}】" in line for line in lines):  # a clause that is only its heading
        lines = [_cited(line, ref) for line in text.split("\n")]
    return "\n".join(filter(None, [parent, *lines]))


def _cited(sentence: str, ref: str) -> str:
    body = sentence.rstrip(_ENDS)
    return f"{body}【{ref}】{sentence[len(body):]}"


def _user(blocks: list[str], question: str, reminder: str = "") -> str:
    return "条款：\n\n" + "\n\n".join(blocks) + f"\n\n问题：{question}{reminder}"


def context_clauses(hits: list[Hit], preferred: list[Clause] | None = None, budget: int = MAX_CONTEXT_CHARS,
                    limit: int = MAX_RETRIEVED_CLAUSES) -> list[Clause]:
    """The clauses the extractive answer quotes (`preferred`), then retrieved ones best first up to `limit`
    clauses in all, while they fit the budget; the first one always goes. They are given in retrieval order
    (a small model answers from the first clauses it reads), the quoted ones not retrieved last."""
    preferred = preferred or []
    chosen: list[Clause] = []
    used = 0
    for clause in dict.fromkeys([*preferred, *(h.clause for h in hits)]):
        if chosen and (used + len(clause.text) > budget or (clause not in preferred and len(chosen) >= limit)):
            break
        chosen.append(clause)
        used += len(clause.text)
    return by_retrieval(chosen, hits)


def by_retrieval(clauses: list[Clause], hits: list[Hit]) -> list[Clause]:
    """The clauses in the order retrieval ranks them, those it did not find last."""
    rank = {h.clause: i for i, h in reversed(list(enumerate(hits)))}
    return sorted(clauses, key=lambda c: rank.get(c, len(hits)))


def build_messages(question: str, clauses: list[Clause], document_title: str) -> list[dict]:
    """Chat messages: the rules, the worked example as a finished exchange, then the question."""
    example = [_block(*clause) for clause in _EXAMPLE_CLAUSES]
    blocks = [_block(c.ref, c.title_path[-2] if len(c.title_path) > 1 else "", c.heading and c.title_path[-1], c.text)
              for c in clauses]
    return [
        {"role": "system", "content": _rules(document_title)},
        {"role": "user", "content": _user(example, _EXAMPLE_QUESTION)},
        {"role": "assistant", "content": _EXAMPLE_ANSWER},
        {"role": "user", "content": _user(blocks, question, _REMINDER)},
    ]

"""Answerers, tried in order; the first that answers wins. Each reads the analysed question, its intent and
the retrieved clauses (rag.qa.answerers.base.Answerer)."""

from .base import AnswerContext, Answerer, build_answer, combine, refusal, with_table_notes
from .claims import answer_claim
from .documents import answer_document_facts
from .enterprise import EnterpriseAnswerer
from .extractive import MissingDetailAnswerer, PassageAnswerer, answer_out_of_scope, answer_reference
from .listing import answer_list
from .quantitative import answer_calculation, answer_ranking
from .table import answer_row_property
from .unstated import (answer_unexplained_label, answer_unfigured_row, answer_unlisted_members, answer_unquantified,
                       answer_unstated_number, answer_vague_count)

_PASSAGES = PassageAnswerer()

ANSWERERS: tuple[Answerer, ...] = (
    answer_reference,  # the question names clauses: quote them
    answer_out_of_scope,  # nothing to look up, or a scope the documents never speak of
    answer_document_facts,  # who issued it, 文号, date, to whom
    MissingDetailAnswerer(_PASSAGES),  # 规划提到…，但未规定… (an amount, a date, a body, a procedure, criteria)
    answer_unstated_number,  # a number asked of an item that states none (未来产业的营收目标)
    answer_unfigured_row,  # 降百分之几, of a table row whose target is words (完成国家下达任务)
    answer_vague_count,  # how many, of a thing promised only as 一批 (培育一批工业大模型)
    answer_unquantified,  # how much, of a thing named only without a figure (提升全省智能算力占比)
    answer_unlisted_members,  # which are the N things the documents only count (那5家千亿企业是哪几家)
    answer_unexplained_label,  # “五好”是哪五好, where the documents never list the five
    answer_calculation,  # 增加多少, 几个百分点, 多少倍, 一共: computed from cited facts
    answer_row_property,  # 哪些指标没有基期值, 目标比基期低, 带≥的, 目标相同的: rows with a property
    answer_ranking,  # 最高的三个, 低于1500亿元的: over every comparable item
    EnterpriseAnswerer(_PASSAGES),  # 我们是做…的: the direct answer, then the clauses that concern the firm
    answer_list,  # 有哪些: every item of a heading, each cited
    answer_claim,  # …吧, 对吗: 不是/是的 with the cited fact
    _PASSAGES,  # the best sentences, or an honest refusal when nothing covers the question
)

__all__ = ["ANSWERERS", "AnswerContext", "Answerer", "build_answer", "combine", "refusal", "with_table_notes"]

"""Answers across the documents of a library (the three 青岚 documents and the Hunan plan): where documents
state different values, every document's word on it; which document says a thing, and where in it."""

from __future__ import annotations


def cited(answer) -> set[tuple[str, str]]:
    return {(c.doc_id, c.ref) for c in answer.citations}


def test_where_documents_differ_a_further_document_agreeing_with_one_is_shown_too(library):
    answer = library.ask("青岚对小巨人企业的一次性奖励是多少？")
    assert "数值不同" in answer.text and "50万元" in answer.text
    assert {("qinglan_fund_measures", "第六条（一）"), ("qinglan_fund_notice", "附件2·1"),
            ("qinglan_manufacturing_plan", "三（一）2")} <= cited(answer)
    notice, measures = answer.text.index("2026年7月6日"), answer.text.index("2026年5月20日")
    assert notice < measures < answer.text.index("2026年3月18日")  # newest first, each with its date
    assert "28家" not in answer.text  # the plan's count of firms is another value, not a restatement


def test_where_documents_differ_a_table_row_is_shown_with_the_text_that_restates_it(library):
    answer = library.ask("青岚市级以上绿色工厂到2030年要有多少家？")
    assert "数值不同" in answer.text and "100家以上" in answer.text and "120家" in answer.text
    assert {("qinglan_manufacturing_plan", "专栏1·指标17"), ("qinglan_manufacturing_plan", "三（二）3"),
            ("qinglan_fund_notice", "一")} <= cited(answer)

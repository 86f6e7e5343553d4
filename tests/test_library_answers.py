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


def test_which_document_says_it_is_answered_with_the_document_and_the_place_in_it(library):
    answer = library.ask("融资租赁买的设备怎么算购置额，是哪个文件规定的？")
    lead = answer.text.split("\n")[0]
    assert lead.startswith("出自：青工信联〔2026〕35号") and "申报指南 › 四、技术改造项目申报要点" in lead
    # the header (title, 文号) and the attachment's title page are cited: the document's own words name it
    assert {("qinglan_fund_notice", "附件1·四3"), ("qinglan_fund_notice", "通知"),
            ("qinglan_fund_notice", "附件1")} <= cited(answer)


def test_where_in_a_document_is_asked_like_which_document(library):
    answer = library.ask("“青岚工匠”放在规划的哪一部分？")
    assert "四、保障措施 › （三）强化人才支撑" in answer.text.split("\n")[0]
    assert ("qinglan_manufacturing_plan", "四") in cited(answer)


def test_the_note_under_an_attachments_table_is_a_unit_of_its_own(library):
    notice = next(d for d in library.documents if d.doc_id == "qinglan_fund_notice")
    note = notice.clause("附件2·注")
    assert note.text.startswith("注：1.") and note.parent == "附件2" and "注：" not in notice.clause("附件2").text
    answer = library.ask("首台套重大技术装备奖励在本次集中申报范围内吗？")
    assert not answer.refused and "另行组织申报" in answer.text and ("qinglan_fund_notice", "附件2·注") in cited(answer)


def test_a_part_the_documents_named_before_it_say_nothing_of_is_asked_of_all(library):
    part = "平台技术支持电话是多少？"
    assert library.answer(part, docs=frozenset({"qinglan_fund_measures"})).refused
    answer = library.ask("管理办法第十四条怎么规定的？" + part)
    assert not answer.refused and "6628 9000" in answer.text
    assert {("qinglan_fund_measures", "第十四条"), ("qinglan_fund_notice", "七")} <= cited(answer)


def test_a_clause_naming_one_document_is_a_part_of_its_own_the_rest_asked_of_all(library):
    assert library.asks_of_named("管理办法对公示期怎么规定？", library.documents)  # asks its own thing of it
    assert library.asks_of_named("跟青岚制造业规划里写的一致吗？", library.documents)  # one side of a comparison
    assert not library.asks_of_named("青岚制造业规划和管理办法写的相同吗？", library.documents)  # where to look
    answer = library.ask("企业上市奖励各阶段一共最多给多少？跟青岚制造业规划里写的一致吗？")
    assert ("qinglan_fund_measures", "第八条") in cited(answer)  # not only from the plan the second part names


def test_a_sum_asked_in_a_unit_adds_up_only_numbers_in_that_unit(library):
    answer = library.ask("青岚2025年规上工业企业一共多少家？")  # 亿元 and % stand beside it: no sum of those
    assert "合计" not in answer.text


def test_the_value_now_is_given_by_the_table_row_that_states_it(library):
    """现在几家: the sentence states only the 2030 target; the table row also gives the base value."""
    answer = library.ask("上市企业目前有多少家，2030年目标多少家？")
    assert "9家" in answer.text and "专栏1·指标11" in [c.ref for c in answer.citations]
    # the measures' 上市 rewards (万元) tie on the words but count no 家: not cited
    assert "qinglan_fund_measures" not in {c.doc_id for c in answer.citations}


def test_a_corrected_claim_in_a_library_speaks_of_documents_and_names_its_sources(library):
    answer = library.ask("鹤岭县技术改造项目可以推荐6个，是吧？")
    assert answer.text.startswith("不是") and "与文件不符" in answer.text and "鹤岭县3个" in answer.text
    assert "\n出处：" in answer.text
    # the plan's 技术改造项目 of the whole city shares words with the claim but is not what it is about
    assert {c.doc_id for c in answer.citations} == {"qinglan_fund_notice"}


def test_the_least_asked_for_is_the_bound_that_qualifies_not_the_most_paid(library):
    answer = library.ask("数字化转型服务合同金额最低要多少？")
    assert answer.citations[0].ref == "附件1·一3" and "不低于10万元" in answer.text.split("\n")[0]
    # the measures' 最高不超过20万元 is the most paid, not the least that qualifies: another document's no answer
    assert "qinglan_fund_measures" not in {c.doc_id for c in answer.citations}


def test_a_question_that_asks_no_number_is_not_answered_with_differing_values(library):
    answer = library.ask("我们2025年通过复核保留了省级专精特新称号，还能领奖励吗？")
    assert "数值不同" not in answer.text and "不再给予奖励" in answer.text
    assert {c.doc_id for c in answer.citations} == {"qinglan_fund_measures"}


def test_an_enterprise_asking_an_amount_gets_the_amount_not_a_checklist(library):
    answer = library.ask("我们是一家小型机械厂，数字化转型服务补助最多能拿多少？")
    assert "20万元" in answer.text and "与您相关的条款" not in answer.text
    assert {c.ref for c in answer.citations} <= {"第十条（三）", "附件1·五3"}


def test_a_table_named_by_its_number_is_not_its_first_row(library):
    """专栏1 is the plan's first table (its rows are 专栏1·指标N); in the Hunan plan, with one 专栏, 指标11 is a row."""
    answer = library.ask("青岚规划专栏1中，规上工业企业营业收入利润率目前是多少？")
    assert "5.3%" in answer.text and answer.citations[0].ref == "专栏1·指标3"


def test_a_tables_rows_are_listed_by_their_cells_without_the_note(library):
    answer = library.ask("申报通知附件2的一览表都有哪些支持方向？")
    assert "包括以下9项" in answer.text and "1｜专精特新培育" in answer.text
    assert "序号｜支持方向" not in answer.text.split("\n", 1)[1]  # no row is named by the table's header


def test_what_a_document_is_made_under_is_its_own_sentence_naming_the_texts(library):
    answer = library.ask("专项资金管理办法是根据哪些法规制定的？")
    assert "《中华人民共和国预算法》" in answer.text
    assert [(c.doc_id, c.ref) for c in answer.citations] == [("qinglan_fund_measures", "第一条")]

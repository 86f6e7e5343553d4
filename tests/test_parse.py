"""The clause tree of the real plan, checked against values typed from the document."""

from __future__ import annotations

from collections import Counter

import pytest

from rag.corpus.parse import ParseError, parse_document

ITEMS_PER_SECTION = {  # （X） under 二 and 三 → number of numbered items, as printed in the plan
    "二（一）": 7, "二（二）": 2, "二（三）": 8, "二（四）": 4,
    "三（一）": 2, "三（二）": 3, "三（三）": 3, "三（四）": 4, "三（五）": 3, "三（六）": 4, "三（七）": 4, "三（八）": 3,
}

INDICATORS = [  # 序号, 类别, 指标名称, 单位, 基期值 (None = "/"), 目标值, notes of base, notes of target
    (1, "质量效益", "全省规模以上制造业增加值年均增速", "%", "7.1", "≥6.5", (), ()),
    (2, "质量效益", "规模以上工业企业营业收入利润率", "%", "4.9", "≥5", (), ()),
    (3, "结构优化", "全省先进制造业占全部制造业比重", "%", "51.7", "≥54", (), ()),
    (4, "结构优化", "园区工业占全省规模以上工业企业增加值比重", "%", "77.2", "≥78", (), ()),
    (5, "结构优化", "国家先进制造业集群数量", "个", "5", "6~7", (), ()),
    (6, "结构优化", "国家中小企业特色产业集群数量", "个", "22", "≥32", (), ()),
    (7, "结构优化", "工业战略性新兴产业总产值占工业总产值比重", "%", "29.2", "30.5", ("2024年数据",), ()),
    (8, "企业培育", "新增规模以上工业企业数量", "家", "1009", "≥3000", (), ("累计数",)),
    (9, "企业培育", "年营业收入千亿企业数量", "家", "5", "8", (), ()),
    (10, "企业培育", "年营业收入百亿企业数量", "家", "55", "65", (), ()),
    (11, "企业培育", "国家专精特新“小巨人”企业数量", "家", "593", "≥700", (), ()),
    (12, "企业培育", "国家制造业单项冠军企业（产品）数量", "个", "94", "≥150", (), ()),
    (13, "创新能力", "高技术制造业增加值占规模工业增加值比重", "%", "14", "16.5", (), ()),
    (14, "创新能力", "规模以上工业企业研发经费支出年均增长", "%", None, "≥7.5", (), ()),
    (15, "数智转型", "数字经济核心产业增加值占GDP比重", "%", "7.4", "9", (), ()),
    (16, "数智转型", "规模以上工业企业数字化研发设计工具普及率", "%", "85.8", "≥90", (), ()),
    (17, "数智转型", "卓越级以上智能工厂数量", "家", "16", "≥50", (), ()),
    (18, "绿色发展", "规模工业单位增加值能耗降低", "%", None, "完成国家下达任务", (), ()),
    (19, "绿色发展", "规模工业单位增加值碳排放降低", "%", None, "完成国家下达任务", (), ()),
    (20, "绿色发展", "万元工业增加值用水量下降", "%", None, "完成国家下达任务", (), ()),
    (21, "绿色发展", "省级以上绿色工厂产值占制造业总产值比重", "%", None, "≥35", (), ()),
]


def test_metadata_is_read_from_the_header(document):
    meta = document.meta
    assert meta.title == "湖南省推进新型工业化和制造强省建设“十五五”规划"
    assert meta.issuer == "湖南省人民政府"
    assert meta.doc_number == "湘政发〔2026〕6号"
    assert meta.date == "2026年6月2日"
    assert meta.recipients == "各市州、县市区人民政府，省政府各厅委、各直属机构"


def test_notice_and_preamble_state_their_facts_in_the_words_people_ask_with(document):
    notice = document.clause("通知").text.split("\n")
    for label, value in (("发文机关", "issuer"), ("文号", "doc_number"), ("成文日期", "date"), ("主送机关", "recipients")):
        assert f"（{label}：{getattr(document.meta, value)}）" in notice
    preamble = document.clause("前言").text
    purpose = preamble.split("\n")[-1]
    assert purpose.startswith("（编制目的：为") and purpose[len("（编制目的："):-1] in preamble.split("\n")[0]


def test_every_clause_reference_per_level(document):
    kinds = Counter(c.kind for c in document.clauses)
    assert kinds == {"notice": 1, "preamble": 1, "table": 1, "indicator": 21, "clause": 4 + 12 + sum(ITEMS_PER_SECTION.values())}
    assert [c.ref for c in document.clauses if c.level == 1 and c.kind == "clause"] == ["一", "二", "三", "四"]
    sections = [c.ref for c in document.clauses if c.level == 2 and c.kind == "clause"]
    assert sections == list(ITEMS_PER_SECTION)
    for section, count in ITEMS_PER_SECTION.items():
        items = [c.ref for c in document.children(section)]
        assert items == [f"{section}{n}" for n in range(1, count + 1)]
    assert len({c.ref for c in document.clauses}) == len(document.clauses)


def test_titles_paths_and_headings(document):
    clause = document.clause("二（三）5")
    assert clause.heading == "新材料产业"
    assert clause.title == "二、构建以先进制造业为骨干的现代化产业体系 › （三）培育壮大新兴产业 › 5.新材料产业"
    assert clause.text.startswith("5.新材料产业。") and clause.text.endswith("力争营收达到7700亿元。")
    assert document.clause("三（八）2").heading == "强化制造业要素保障"


def test_text_after_the_last_item_belongs_to_the_section(document):
    assert "同步布局下一代装备" in document.clause("二（四）").text
    assert "同步布局下一代装备" not in document.clause("二（四）4").text


def test_preamble_notice_goals_and_safeguards_are_citable(document):
    assert "制定本规划" in document.clause("前言").text
    assert "到2035年全面建成制造强省" in document.clause("一").text
    assert "各市州、县市区人民政府" in document.clause("通知").text
    assert document.clause("四").text.startswith("四、保障措施")


def test_bookmark_artifacts_are_removed(document):
    assert not any("bookmark" in c.text or "_Toc" in c.text for c in document.clauses)


@pytest.mark.parametrize("row", INDICATORS, ids=lambda r: f"指标{r[0]}")
def test_indicator_rows(document, row):
    number, category, name, unit, base, target, base_notes, target_notes = row
    indicator = document.indicator(number)
    assert (indicator.category, indicator.name, indicator.unit) == (category, name, unit)
    assert (indicator.base_value, indicator.target_value) == (base, target)
    assert (indicator.base_notes, indicator.target_notes) == (base_notes, target_notes)
    assert indicator.ref == f"专栏·指标{number}"
    assert document.clause(indicator.ref).parent == "专栏"


def test_table_note_sentence_attaches_to_the_row_it_names(document):
    assert document.indicator(8).row_notes == ("2025年新增规模以上工业企业数量已剔除当年入当年退企业56家",)
    assert all(not document.indicator(n).row_notes for n in range(1, 22) if n != 8)
    assert "≥3000家（累计数）" in document.indicator(8).describe()


def test_regulation_numbering_and_long_clause_refs():
    text = "某某条例\n第一章 总则\n第一条 为了规范管理，制定本条例。\n第二条 本条例适用于全省。\n第二章 管理\n第三条 主管部门负责实施。\n"
    document = parse_document(text, "reg")
    refs = [c.ref for c in document.clauses]
    assert refs == ["第一章", "第一条", "第二条", "第二章", "第三条"]
    assert document.clause("第三条").parent == "第二章"


def test_empty_text_is_a_clear_error():
    with pytest.raises(ParseError, match="文件为空"):
        parse_document("  \n\n", "empty")


def test_regulation_items_and_paragraphs_belong_to_their_article():
    text = ("某某办法\n第一章 总则\n第一条 为规范管理，提高资金使用效益，推动产业高质量发展，根据有关法律法规，制定本办法。\n"
            "第二条 支持企业培育：\n（一）对新认定的企业，奖励10万元；\n（二）对升级的企业，补足差额。\n"
            "通过复核的企业，不再奖励。\n第三条 支持技术改造。补助比例为10%。\n本条所称设备，不含土建。\n")
    document = parse_document(text, "reg")
    assert [c.ref for c in document.clauses] == ["第一章", "第一条", "第二条", "第二条（一）", "第二条（二）", "第三条"]
    assert document.clause("第二条").text.endswith("通过复核的企业，不再奖励。")
    assert document.clause("第二条（二）").parent == "第二条" and "复核" not in document.clause("第二条（二）").text
    assert document.clause("第三条").text.endswith("不含土建。") and document.clause("第三条").heading == "支持技术改造"
    assert document.clause("第一条").heading == "" and document.clause("第一条").title_path[-1] == "第一条"
    assert document.meta.kind == "regulation"


def test_a_notice_with_attachments_gives_each_its_own_references():
    text = ("某市财政局\n关于申报专项资金的通知\n某财发〔2026〕5号\n各区县财政局：\n为做好申报工作，现通知如下。\n"
            "一、申报时间\n2026年7月15日至8月14日。\n二、申报材料\n见附件。\n附件：1.申报指南\n2.标准一览表\n"
            "某市财政局\n2026年7月6日\n附件1\n申报指南\n一、申报条件\n1.依法登记；\n2.2025年度新认定。\n"
            "附件2\n标准一览表\n序号｜方向｜标准\n1｜技改｜10%\n2｜数字化｜30%\n")
    document = parse_document(text, "notice")
    meta = document.meta
    assert (meta.title, meta.issuer, meta.doc_number, meta.date, meta.kind) == (
        "关于申报专项资金的通知", "某市财政局", "某财发〔2026〕5号", "2026年7月6日", "notice")
    assert [c.ref for c in document.clauses] == ["通知", "前言", "一", "二", "附件1", "附件1·一", "附件1·一1",
                                                 "附件1·一2", "附件2", "附件2·1", "附件2·2"]
    assert "2.标准一览表" in document.clause("通知").text and "某市财政局" not in document.clause("二").text
    # the table's header stays with it; each row is a unit of its own, the header in its title
    assert document.clause("附件2").text.split("\n")[1:] == ["序号｜方向｜标准"]
    row = document.clause("附件2·2")
    assert (row.text, row.parent, row.title_path[-1]) == ("2｜数字化｜30%", "附件2", "序号｜方向｜标准")

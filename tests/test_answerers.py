"""Answerers chosen by what the question asks: each on synthetic hits (a two-item document written here)
and on the real plan through the assistant."""

from __future__ import annotations

import pytest

from rag.corpus.parse import parse_document
from rag.corpus.places import Gazetteer
from rag.facts import extract_facts
from rag.facts.lookup import FactLookup
from rag.qa.answerers import ANSWERERS, AnswerContext
from rag.qa.intent import Operation, Order, asked_bound, asked_unit, read_intent
from rag.schema import Concept, Hit, Query, Route

SYNTHETIC = """青岚市人民政府关于印发《青岚市产业发展规划》的通知
青政发〔2026〕1号
各区县人民政府：
现将《青岚市产业发展规划》印发给你们，请认真组织实施。
青岚市人民政府
2026年1月5日
青岚市产业发展规划
一、重点产业
（一）培育壮大新兴产业
1.甲材料产业。推动甲材料强链。到2030年，力争营收达到900亿元。
2.乙装备产业。推动乙装备延链。到2030年，力争营收达到300亿元。
（二）前瞻布局未来产业
1.丙科技。布局丙科技。
"""


@pytest.fixture(scope="module")
def synthetic():
    document = parse_document(SYNTHETIC, "qinglan")
    facts = FactLookup(extract_facts([document]))
    return document, AnswerContext({"qinglan": document}, facts, Gazetteer(), lambda word: 1.0)


def _query(text: str, *words: str) -> Query:
    concepts = tuple(Concept(w, (w,), generic=False) for w in words)
    return Query(text=text, terms=words, concepts=concepts, wants_number=True, mentions_target=True)


def _ask(synthetic, text, *words):
    document, context = synthetic
    hits = [Hit(c, 1.0 / (i + 1), Route.HYBRID) for i, c in enumerate(document.clauses)]
    query, intent = _query(text, *words), read_intent(text)
    return next(a for a in (answerer(query, intent, hits, context) for answerer in ANSWERERS) if a)


def test_intent_is_read_from_how_people_ask():
    assert read_intent("从2025年到2030年要增加多少家？").operation == Operation.DIFFERENCE
    assert read_intent("2030年是2025年的多少倍").operation == Operation.RATIO
    assert read_intent("三个级别一共要建多少家").operation == Operation.SUM
    top = read_intent("营收目标最高的三个产业是哪三个？")
    assert (top.order, top.top) == (Order.HIGHEST, 3)
    assert read_intent("低于1500亿元的有哪些").threshold == "1500亿元"
    assert read_intent("目标是5000亿元对吧？").claim and not read_intent("目标是多少？").claim
    assert read_intent("听说百亿企业要到80家？").claim and read_intent("是不是说新材料要到8000亿？").claim
    assert (asked_unit("补贴按几个点给"), asked_unit("几个园区"), asked_unit("补多少钱")) == ("", "个", "元")
    assert (asked_bound("起码要投多少钱才能申请"), asked_bound("单个项目顶多补几十万"), asked_bound("补多少钱")) == (
        "≥", "≤", "")
    assert read_intent("还要新增几家？是现在的几倍？").operations == (Operation.DIFFERENCE, Operation.RATIO)
    assert read_intent("做五金配件的中型厂，规划有啥支持？").about_self
    assert read_intent("锅碗瓢盆、杯子这些，规划里算哪个产业？").describes  # examples closed by 这些
    assert read_intent("新兴产业是哪八个？").wants_list and read_intent("3000亿元及以上的有哪些").inclusive


def test_a_question_in_words_the_documents_never_use_is_refused(synthetic):
    """No word of it is the documents' own, noun or not (a coinage jieba does not know): nothing covers it,
    however well some clause scores."""
    document, context = synthetic
    hits = [Hit(c, 1.0 / (i + 1), Route.HYBRID) for i, c in enumerate(document.clauses)]
    text = "丁作物产量目标多少？"
    query = Query(text=text, terms=("丁作物产量",), concepts=(Concept("丁作物产量", ("丁作物产量",), False, known=False),),
                  wants_number=True, mentions_target=True)
    answer = next(a for a in (answerer(query, read_intent(text), hits, context) for answerer in ANSWERERS) if a)
    assert answer.refused and "丁作物产量" in answer.text


def test_difference_between_two_items_shows_cited_operands(synthetic):
    answer = _ask(synthetic, "甲材料比乙装备的目标高多少？", "甲材料", "乙装备")
    assert "900－300＝600（亿元）" in answer.text
    assert {c.ref for c in answer.citations} == {"一（一）1", "一（一）2"}


def test_ranking_and_filter_cover_every_item(synthetic):
    top = _ask(synthetic, "营收目标最高的是哪个产业？", "营收")
    assert "甲材料产业：900亿元【一（一）1】" in top.text and "乙装备" not in top.text
    below = _ask(synthetic, "营收目标低于500亿元的产业有哪些？", "营收")
    assert "乙装备产业：300亿元【一（一）2】" in below.text and "甲材料" not in below.text


def test_wrong_number_claim_says_no_and_gives_the_cited_fact(synthetic):
    answer = _ask(synthetic, "甲材料产业目标是500亿元吧？", "甲材料")
    assert answer.text.startswith("不是") and "900亿元【一（一）1】" in answer.text and not answer.refused


def test_wrong_category_claim_names_the_right_one(synthetic):
    answer = _ask(synthetic, "甲材料是未来产业吧？", "甲材料")
    assert answer.text.startswith("不是") and "属于新兴产业" in answer.text


def test_list_gives_every_item_with_its_own_reference(synthetic):
    answer = _ask(synthetic, "新兴产业有哪些，目标分别多少？", "新兴产业")
    assert "【一（一）1】" in answer.text and "【一（一）2】" in answer.text and "900亿元" in answer.text


@pytest.mark.parametrize("question, expected", [
    ("小巨人企业从2025年到2030年要增加多少家？", "700－593＝107（家）【专栏·指标11】"),
    ("园区工业比重要提高几个百分点？", "78－77.2＝0.8个百分点"),
    ("有色金属比建材的目标高多少？", "5000－3200＝1800（亿元）"),
    ("智能工厂三个级别一共要建多少家", "2000＋800＋50＝2850（家）"),
])
def test_calculations_on_the_plan(assistant, question, expected):
    answer = assistant.ask(question)
    assert expected in answer.text and not answer.refused


def test_filter_on_the_plan_lists_every_qualifying_item(assistant):
    answer = assistant.ask("2030年营收目标低于1500亿元的产业有哪些？")
    for item in ("生物医药产业：1200亿元【二（三）4】", "工程机械产业：1100亿元【二（二）1】",
                 "纺织产业：1000亿元【二（一）7】", "轨道交通装备产业：660亿元【二（二）2】"):
        assert item in answer.text
    assert "新材料" not in answer.text


def test_false_premise_on_the_plan(assistant):
    answer = assistant.ask("新材料产业目标是5000亿元对吧？")
    assert answer.text.startswith("不是") and "7700亿元【二（三）5】" in answer.text
    place = assistant.ask("轨道交通装备是以长沙集群为核心吧")
    assert place.text.startswith("不是") and "株洲" in place.text
    heard = assistant.ask("听说规划里百亿企业2030年要到80家？")  # hearsay put up for confirmation
    assert heard.text.startswith("不是") and "65家" in heard.text

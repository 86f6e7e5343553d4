"""Plan facts read from the real plan, checked against values typed from the document by hand."""

from __future__ import annotations

import pytest

from rag.facts import Bound, Role, category_of, extract_facts


@pytest.fixture(scope="module")
def plan(document):
    return extract_facts([document])


def _fact(plan, ref, role=Role.TARGET, subject=None):
    found = [f for f in plan.facts if f.ref == ref and f.role == role and (subject is None or f.subject == subject)]
    assert len(found) == 1, found
    return found[0]


@pytest.mark.parametrize("ref, subject, value, unit", [
    ("二（一）1", "石化产业", 3400, "亿元"),
    ("二（一）7", "纺织产业", 1000, "亿元"),
    ("二（二）2", "轨道交通装备产业", 660, "亿元"),
    ("二（三）1", "汽车产业（含新能源汽车）", 4000, "亿元"),
    ("二（三）5", "新材料产业", 7700, "亿元"),
    ("二（三）8", "智能衡器计量产业", 2000, "亿元"),
])
def test_industry_revenue_targets(plan, ref, subject, value, unit):
    fact = _fact(plan, ref)
    assert (fact.subject, fact.value, fact.unit, fact.year, fact.aspiration) == (subject, value, unit, "2030", True)
    assert fact.span.startswith("力争")


def test_table_rows_give_base_and_target_with_bounds_and_notes(plan):
    base, target = _fact(plan, "专栏·指标11", Role.BASE), _fact(plan, "专栏·指标11")
    assert (base.value, base.year, target.value, target.bound, target.unit) == (593, "2025", 700, Bound.AT_LEAST, "家")
    assert _fact(plan, "专栏·指标7", Role.BASE).year == "2024"  # 加*表示为2024年数据
    assert "累计数" in _fact(plan, "专栏·指标8").span
    assert not [f for f in plan.facts if f.ref == "专栏·指标14" and f.role == Role.BASE]  # printed as /
    assert not [f for f in plan.facts if f.ref == "专栏·指标5" and f.role == Role.TARGET]  # 6~7 is a range


def test_counts_named_after_their_numbers_share_the_head_noun(plan):
    factories = {f.subject: (f.value, f.bound) for f in plan.facts if f.ref == "三（四）4"}
    assert factories == {"基础级智能工厂": (2000, Bound.AT_LEAST), "先进级智能工厂": (800, Bound.AT_LEAST),
                         "卓越级智能工厂": (50, Bound.AT_LEAST)}


def test_counts_named_before_their_numbers(plan):
    subjects = {f.subject: (f.value, f.unit, f.bound) for f in plan.facts if f.ref == "三（一）2"}
    assert subjects["国家专精特新“小巨人”企业"] == (700, "家", Bound.AT_LEAST)
    assert subjects["国家制造业单项冠军企业（产品）"] == (150, "个", Bound.AT_LEAST)


def test_item_catalogue_has_categories_from_the_outline(plan):
    category = {item.name: item.category for item in plan.items}
    assert category["新材料产业"] == "新兴产业" and category["工程机械产业"] == "优势产业"
    assert category["纺织产业"] == "传统产业" and category["量子科技"] == "未来产业"
    assert category_of("培育千亿级企业") == "培育千亿级企业"
    rail = next(i for i in plan.items if i.name == "轨道交通装备产业")
    assert "株洲" in rail.places


def test_a_fact_quoted_without_its_year_is_said_of_it(plan):
    """力争软件业务收入达到2500亿元 leaves 2030年 to the sentence around it: the quote carries it."""
    from rag.qa.answerers.quantitative import fact_statement

    fact = _fact(plan, "二（三）3", subject="软件")
    assert fact_statement(fact).text == "（2030年）力争软件业务收入达到2500亿元"

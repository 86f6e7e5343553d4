"""The support-measure finder on the real plan: extraction, vocabularies, and profiles → checklists.

Each profile lists clauses it MUST be shown, clauses it MUST NOT be shown and clauses that are only under
"more" (weak or broad matches), given as (ref, a phrase of the sentence), so that the right sentence of a
clause is checked (三（七）4 holds one sentence per region).
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import pytest

from rag.cli import main as cli_main
from rag.evaluation.profiles import evaluate_profiles
from rag.corpus.places import Gazetteer, load_counties, load_gazetteer
from rag.measures import EMPTY_PROFILE, NOT_IN_PLAN, PROFILE_TAGS, ProfileInput, load_finder
from rag.measures.render import checklist_as_markdown, checklist_as_text
from rag.measures.terms import SearchText, load_enterprise_types, load_goals, load_industry_terms


@pytest.fixture(scope="module")
def finder(settings):
    return load_finder(settings)


def _received(checklist, ref: str, phrase: str, items=None) -> bool:
    return any(item.ref == ref and phrase in item.text for item in (checklist.items if items is None else items))


@dataclass(frozen=True)
class Case:
    name: str
    profile: ProfileInput
    must: tuple[tuple[str, str], ...]
    must_not: tuple[tuple[str, str], ...]
    more: tuple[tuple[str, str], ...] = ()


CASES = [
    Case(
        "湘西凤凰县做腊肉的个体户",
        ProfileInput("腊肉加工", "湘西凤凰县", "个体户", "家里做腊肉，想扩大规模"),
        must=(("三（一）2", "个转企"), ("二（一）5", "食品"), ("三（二）2", "县域")),
        must_not=(("三（七）4", ""), ("三（六）4", ""), ("三（七）3", ""), ("三（五）3", "化工园区")),
        # 腊肉 is food, not the 特色轻工 of 大湘西; 民营 is only inferred from 个体户.
        more=(("三（七）4", "大湘西地区"), ("三（八）1", "民营经济")),
    ),
    Case(
        "株洲轨道交通装备配套企业",
        ProfileInput("轨道交通装备零部件", "株洲", "民营,规上", "给整车厂供货"),
        must=(("二（二）2", "株洲集群"), ("三（七）4", "长株潭地区"), ("三（一）2", "订单配套"),
              ("三（七）2", "株洲科创中城")),
        must_not=(("三（七）4", "大湘西地区"), ("三（七）3", ""), ("三（五）3", ""), ("三（六）4", ""),
                  ("二（三）6", "")),
    ),
    Case(
        "长沙人工智能初创企业",
        ProfileInput("人工智能", "长沙", "初创", "做工业视觉大模型，需要算力"),
        must=(("二（四）1", "具身智能"), ("三（四）2", "中小企业在算力"), ("三（四）3", "长沙、株洲"),
              ("三（四）1", "长沙人工智能创新中心")),
        must_not=(("三（六）4", ""), ("三（五）3", ""), ("三（七）3", ""), ("三（七）4", "大湘西地区"),
                  ("三（八）1", "国资国企")),
        more=(("三（一）2", "创业企业"),),
    ),
    Case(
        "想接军品订单的民营无人机零部件企业",
        ProfileInput("无人机零部件", "", "民营,专精特新", "想接军品订单，参与军工配套"),
        must=(("三（六）4", "民参军"), ("三（六）4", "军地成果"), ("三（六）4", "军工计量"), ("二（三）7", "低空经济"),
              ("三（八）1", "民营经济"), ("三（一）2", "专精特新企业培育力度")),
        must_not=(("三（二）3", "化工园区"), ("三（七）4", ""), ("三（八）3", "出海"), ("三（八）1", "国资国企")),
    ),
    Case(
        "留学归国回乡办厂的创业者",
        ProfileInput("", "", "初创", "留学归国，准备回乡创办一家工厂"),
        must=(("三（一）2", "留学归国人员"),),
        must_not=(("三（六）4", ""), ("三（五）3", ""), ("三（八）1", "国资国企"), ("三（八）3", "出海")),
        more=(("三（六）1", "青年人才创新创业"),),
    ),
    Case(
        "为新工厂选址的精细化工企业",
        ProfileInput("精细化工", "", "", "正在选址建设新工厂"),
        # Choosing a site: where the plan places its industry; chemical parks are for firms already in one.
        must=(("二（一）1", "精细化工"), ("三（七）3", "岳阳"), ("三（七）3", "盐卤化工"), ("三（七）4", "洞庭湖生态经济区")),
        must_not=(("三（七）4", "湘南地区"), ("三（六）4", ""), ("三（四）2", "中小企业"), ("二（一）5", ""),
                  ("三（二）3", "化工园区")),
    ),
    Case(
        "衡阳变压器企业",
        ProfileInput("变压器", "衡阳", "规上", ""),
        must=(("二（三）6", "特高压输变电装备"), ("三（七）3", "衡阳现代产业强市"), ("三（七）4", "湘南地区")),
        must_not=(("三（七）3", "岳阳"), ("三（七）4", "长株潭地区"), ("三（七）4", "洞庭湖"), ("二（一）1", "")),
    ),
    Case(
        "岳阳国有石化企业",
        ProfileInput("石油化工", "岳阳", "国有", ""),
        must=(("二（一）1", "石油化工"), ("三（七）3", "岳阳"), ("三（七）4", "洞庭湖生态经济区"),
              ("三（八）1", "国资国企")),
        # 北斗 pilot cities and chemical-park measures are not about a petrochemical firm as such.
        must_not=(("三（七）3", "衡阳"), ("三（七）4", "大湘西地区"), ("三（八）1", "民营经济"), ("三（三）2", ""),
                  ("三（二）3", "化工园区")),
    ),
    Case(
        "郴州有色金属冶炼企业",
        ProfileInput("有色金属冶炼", "郴州", "规上", ""),
        must=(("二（一）3", "铅锌"), ("三（七）4", "湘南地区"), ("三（五）1", "有色金属")),
        # 废有色金属 is recycling, not smelting; 郴州's computing cluster is not about metals.
        must_not=(("三（七）3", "衡阳"), ("三（七）4", "长株潭地区"), ("三（六）4", ""), ("三（五）2", "废有色金属"),
                  ("三（四）1", "郴州东江湖")),
        more=(("三（四）1", "郴州东江湖"),),
    ),
    Case(
        "益阳民营休闲食品企业",
        ProfileInput("休闲食品", "益阳", "民营", ""),
        must=(("二（一）5", "休闲食品"), ("三（七）4", "休闲食品"), ("三（七）2", "益阳、娄底"),
              ("三（八）1", "民营经济")),
        must_not=(("三（七）4", "大湘西地区"), ("三（七）4", "湘南地区"), ("三（一）2", "个转企"), ("三（七）3", "")),
    ),
    Case(
        "想问补贴的软件中小企业",
        ProfileInput("软件开发", "", "中小企业", "想申请数字化转型补贴，补贴多少？"),
        must=(("二（三）3", "工业软件"), ("三（四）4", "软件开发商"), ("三（六）3", "软件和信息服务"),
              ("三（四）3", "智赋万企")),
        must_not=(("三（五）3", ""), ("三（六）4", ""), ("三（七）4", ""), ("二（三）2", "")),
    ),
    Case(
        "邵东做打火机的个体户",
        ProfileInput("打火机", "邵东", "个体户", ""),
        must=(("二（一）6", "日用陶瓷"), ("三（七）4", "特色轻工"), ("三（一）2", "个转企"), ("三（二）2", "县域")),
        must_not=(("三（七）2", ""), ("三（五）3", ""), ("三（七）4", "长株潭地区"), ("三（四）2", "中小企业")),
    ),
    Case(
        "长沙做出口的工程机械企业",
        ProfileInput("挖掘机", "长沙", "出口,龙头", "海外市场占比高"),
        must=(("二（二）1", "国际市场"), ("三（八）3", "抱团出海"), ("三（八）3", "走出去"),
              ("三（七）4", "工程机械"), ("三（一）1", "千亿、百亿企业")),
        must_not=(("三（三）3", "北斗出海"), ("三（八）3", "引进来"), ("三（七）4", "湘南地区")),
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_profile_receives_its_clauses_and_not_others(finder, case):
    checklist = finder.match(case.profile)
    missing = [m for m in case.must if not _received(checklist, *m)]
    wrong = [m for m in case.must_not if _received(checklist, *m)]
    not_more = [m for m in case.more if _received(checklist, *m) or not _received(checklist, *m, checklist.more)]
    listing = checklist_as_text(checklist, more=True)
    assert not missing, f"{case.name}: missing {missing}\n{listing}"
    assert not wrong, f"{case.name}: should not receive {wrong}\n{listing}"
    assert not not_more, f"{case.name}: should be under more {not_more}\n{listing}"
    assert all(item.why.startswith("因为您") for item in checklist.items), "every item says why, to the owner"


def test_military_measures_need_the_wish_for_military_orders(finder):
    civil = finder.match(ProfileInput("无人机零部件", "", "民营,专精特新", ""))
    assert not _received(civil, "三（六）4", "民参军")
    assert _received(civil, "三（八）1", "民营经济")


def test_county_maps_to_its_city_and_region(finder):
    profile = finder.profile(ProfileInput(location="湘西凤凰县"))
    location = profile.location
    assert (location.county, location.city, location.region) == ("凤凰县", "湘西州", "大湘西地区")
    assert profile.location.in_county
    assert "大湘西地区" in "\n".join(profile.summary())


@pytest.mark.parametrize(
    "written, county, city, region",
    [
        ("凤凰", "凤凰县", "湘西州", "大湘西地区"),
        ("长沙县", "长沙县", "长沙", "长株潭地区"),
        ("武陵源区", "武陵源区", "张家界", "大湘西地区"),
        ("常德市武陵区", "武陵区", "常德", "洞庭湖生态经济区"),
        ("城步", "城步苗族自治县", "邵阳", "大湘西地区"),
        ("津市市", "津市市", "常德", "洞庭湖生态经济区"),
        ("大湘西", "", "", "大湘西地区"),
        ("湖南省郴州市", "", "郴州", "湘南地区"),
    ],
)
def test_gazetteer_resolves_places(written, county, city, region):
    location = Gazetteer().resolve(written)
    assert (location.county, location.city, location.region) == (county, city, region)


def test_county_table_covers_hunan():
    counties = load_counties()
    kinds = [c.kind for c in counties]
    assert len(counties) == 122 and len({c.name for c in counties}) == 122
    assert (kinds.count("区"), kinds.count("县级市"), kinds.count("县"), kinds.count("自治县")) == (36, 19, 60, 7)
    cities = {p.name for p in load_gazetteer() if p.kind == "city"}
    assert {c.city for c in counties} == cities and len(cities) == 14


def test_vocabularies_name_what_the_plan_has(finder):
    industry_names = {i.name for i in finder.industries}
    unknown = {t.industry for t in load_industry_terms()} - industry_names
    assert not unknown, f"industry_terms.tsv names industries the plan lacks: {unknown}"
    labels = {t.label for t in load_enterprise_types()}
    assert all(set(t.implies) <= labels and t.kind in ("type", "activity", "broad") for t in load_enterprise_types())
    assert all(t.plain for t in load_enterprise_types()), "every kind reads as a plain reason"
    plan = "".join(m.text for m in finder.measures)
    unknown_words = [w for goal in load_goals() for w in goal.plan_words if w not in plan]
    assert not unknown_words, f"measure_goals.tsv has plan words the plan lacks: {unknown_words}"
    for tag in PROFILE_TAGS:
        assert finder.profile(ProfileInput(tags=tag)).groups, f"tag {tag} names no kind of enterprise"


def test_industries_come_from_the_plans_own_chapters(finder):
    by_name = {i.name: i for i in finder.industries}
    # 21 items and the 同步布局 paragraph of 二（四）
    assert len([i for i in finder.industries if i.ref.startswith("二（")]) == 22
    assert by_name["石化产业"].ref == "二（一）1" and "精细化工" in by_name["石化产业"].focus
    assert "6300亿元" in by_name["食品产业"].goal
    assert "智能化" not in by_name["轨道交通装备产业"].focus  # directions are not focus areas
    assert by_name["人工智能"].goal == ""


def test_product_words_map_to_industries(finder):
    for words, industry, focus in [
        ("做辣条的", "食品产业", "休闲食品"),
        ("高铁配件", "轨道交通装备产业", "国铁"),
        ("锂电池正极材料", "新材料产业", "先进能源材料"),
        ("钨制品", "有色金属产业", "钨"),
    ]:
        hits = finder.profile(ProfileInput(industry=words)).industries
        assert any(h.industry.name == industry and h.focus == focus for h in hits), (words, hits)


def test_short_words_must_be_words_of_the_text(finder):
    assert not SearchText("强化工业产品低碳原料替代", finder.tokenizer).has("化工")
    assert not SearchText("培育一批服务型制造领军品牌", finder.tokenizer).has("军品")
    assert SearchText("推进化工园区规范建设", finder.tokenizer).has("化工")


def test_a_city_named_beside_its_region_is_the_subject(finder):
    yueyang = next(m for m in finder.measures if m.ref == "三（七）3" and "岳阳" in m.text)
    assert yueyang.places == ("岳阳",)
    pilot = next(m for m in finder.measures if m.ref == "三（三）2")
    assert pilot.places_open  # 支持有条件的市州…: the cities named are examples


def test_every_checklist_states_what_the_plan_does_not_give(finder):
    plain = finder.match(ProfileInput(industry="食品"))
    assert plain.not_in_plan == NOT_IN_PLAN
    assert NOT_IN_PLAN in checklist_as_text(plain) and "#### 规划未规定的事项" in checklist_as_markdown(plain)
    asking = finder.match(ProfileInput(industry="食品", description="有多少补贴？什么时候截止？"))
    assert asking.not_in_plan.startswith("您问到的资金金额或补贴标准、申报时间或截止日期，")
    procedure = finder.match(ProfileInput(industry="食品", description="要办什么手续？"))
    assert procedure.not_in_plan.startswith("您问到的申报条件和办理程序，")
    assert asking.not_in_plan in checklist_as_text(asking)


def test_bad_input_gets_a_message_not_a_traceback(finder):
    assert finder.match(ProfileInput()).notices == [EMPTY_PROFILE]
    huge = finder.match(ProfileInput(industry="食品" * 500, description="\x00想做辣条\ufeff" * 400))
    assert any("过长" in n for n in huge.notices) and huge.profile.industries
    unknown = finder.match(ProfileInput(industry="宇宙飞船维修", location="广东深圳"))
    assert any("未能识别地区" in n for n in unknown.notices)
    assert any("没有找到与“宇宙飞船维修”对应的产业" in n for n in unknown.notices) and not unknown.items


def test_markdown_links_citations_and_escapes_input(finder):
    checklist = finder.match(ProfileInput("辣条", "凤凰县", "个体户", "*<b>自家作坊</b>*"))
    markdown = checklist_as_markdown(checklist, link=lambda doc_id, ref: f"[{ref}](#clause={doc_id}/{ref})")
    assert f"(#clause={checklist.items[0].doc_id}/三（一）2)" in markdown
    assert "<b>" not in markdown
    assert "【三（一）2】" in checklist_as_markdown(checklist)


def test_measures_list_covers_the_target_groups(capsys):
    assert cli_main(["measures", "--list"]) == 0
    out = capsys.readouterr().out
    lines = [line for line in out.splitlines() if line.startswith("  ") and "：" in line]
    by_group = {line.split("（")[0].strip(): line for line in lines}
    for group, word, ref in [
        ("专精特新企业", "专精特新", "三（一）2"),
        ("中小企业", "中小企业", "三（四）2"),
        ("民营企业", "民营经济", "三（八）1"),
        ("个体工商户", "个转企", "三（一）2"),
        ("大学生与留学归国人员创业者", "留学归国人员", "三（一）2"),
        ("龙头企业与千亿级企业", "千亿", "三（一）1"),
        ("系统解决方案供应商", "系统解决方案供应商", "三（四）4"),
        ("化工企业与化工园区", "化工园区", "三（五）3"),
        ("出海与外贸企业", "出海", "三（八）3"),
    ]:
        line = by_group.get(group, "")
        assert word in line and ref in line, (group, line)
    assert "三（六）4·2 措施 [强化、完善、支持、培育]" in out  # every measure with its actions when --list


def test_cli_json_outputs(capsys):
    assert cli_main(["measures", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert any(m["ref"] == "三（一）2" and "加大…力度" in m["actions"] for m in data["measures"])
    assert cli_main(["match", "--industry", "变压器", "--region", "衡阳", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["profile"]["location"]["region"] == "湘南地区"
    assert any(item["ref"] == "二（三）6" for item in result["items"])
    assert cli_main(["match"]) == 1
    assert EMPTY_PROFILE in capsys.readouterr().err


def test_most_specific_first_and_at_most_the_limit(finder):
    given = ProfileInput("轨道交通装备零部件", "株洲", "民营,专精特新,规上,出口", "想上市，做自己的品牌，研发新产品，融资扩产")
    full = finder.match(given)
    assert 5 <= len(full.items) <= 12 and full.more
    assert full.items[0].ref == "二（二）2" and full.items[0].kind == "产业"  # its own industry first
    assert full.items[1].ref == "三（七）2"  # then the plan's words on its own city
    short = finder.match(given, limit=3)
    assert [i.ref for i in short.items] == [i.ref for i in full.items[:3]]
    assert [i.ref for i in short.more[: len(full.items) - 3]] == [i.ref for i in full.items[3:]]
    hidden = checklist_as_text(short)
    assert "更多可能相关的条款" in hidden and short.more[-1].text not in hidden
    assert short.more[-1].text in checklist_as_text(short, more=True)


def test_reasons_speak_to_the_owner(finder):
    checklist = finder.match(ProfileInput("轨道交通装备零部件", "株洲", "民营", "想把产品卖到国外"))
    reasons = "\n".join(item.why for item in checklist.items)
    assert "因为您是株洲的轨道交通装备企业：这一条把“轨道交通装备”列为株洲所在的长株潭地区的重点产业" in reasons
    assert "因为您在株洲：这一条是规划对株洲的安排" in reasons
    assert "因为您是民营企业" in reasons and "因为您想把产品卖到海外" in reasons
    assert "规划用语" not in reasons and "对象：" not in reasons


@pytest.mark.parametrize(
    "description, goal, ref",
    [
        ("我们一直贴牌，想做出自己的牌子", "打响自己的品牌", "三（六）1"),
        ("打算这两年上市", "上市", "三（一）2"),
        ("能耗太高，想把排放降下来", "节能降碳", "三（五）1"),
        ("想融资扩大产线", "融资", "三（八）2"),
    ],
)
def test_stated_goals_reach_the_plans_measures(finder, description, goal, ref):
    plain = finder.match(ProfileInput("箱包", "邵阳"))
    wanting = finder.match(ProfileInput("箱包", "邵阳", "", description))
    assert not _received(plain, ref, "")
    item = next(i for i in wanting.items if i.ref == ref)
    assert f"因为您想{goal}" in item.why


def test_a_business_outside_the_plan_gets_no_list(finder):
    checklist = finder.match(ProfileInput("湘菜餐馆", "长沙", "小微", "想找笔钱开到外省去"))
    assert not checklist.items and checklist.more
    assert any("没有找到与“湘菜餐馆”对应的产业" in n for n in checklist.notices)
    assert finder.match(ProfileInput("检验检测认证", "长沙")).items  # a service to manufacturing is in the plan


def test_precision_on_the_profile_set(settings):
    result = evaluate_profiles(settings)
    assert result["profiles"] == 47
    assert result["precision"] >= 0.9 and result["recall"] >= 0.85, result
    assert result["mean_items"] <= 12


def test_eval_profiles_command(capsys):
    assert cli_main(["eval-profiles"]) == 0
    assert capsys.readouterr().out.startswith("画像 47 个：precision 0.")


def test_tab_builds_in_the_app(assistant):
    import gradio as gr

    from rag.app.tabs.measures import render_tab

    with gr.Blocks() as ui:
        render_tab(assistant)
    assert any(getattr(block, "elem_id", None) == "measures-checklist" for block in ui.blocks.values())

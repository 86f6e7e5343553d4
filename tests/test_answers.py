"""Answers on the real corpus: exact numbers with citations, honest refusals, bad input, the CLI."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from dataclasses import replace

import pytest

from rag.config import PROJECT_ROOT
from rag.corpus.load import IndexUnavailable
from rag.index.nodes import chunk_text
from rag.index.store import open_index
from rag.qa.query import analyze, split_question


def _cli(*args: str, stdin: str | None = None, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "rag", *args], input=stdin, capture_output=True, text=True,
                          cwd=PROJECT_ROOT, env={**os.environ, **(env or {})}, timeout=300)


def test_revenue_target_is_exact_and_cited(assistant):
    answer = assistant.ask("到2030年新材料产业营收目标是多少？")
    assert not answer.refused
    assert "7700亿元" in answer.text and "【二（三）5】" in answer.text
    assert answer.citations[0].ref == "二（三）5"
    assert answer.citations[0].text == assistant.show("二（三）5").text


def test_figure_not_in_the_plan_is_refused(assistant):
    answer = assistant.ask("规划里2030年全省GDP目标是多少")
    assert answer.refused and answer.text.startswith("规划中")
    assert answer.citations, "a refusal lists the nearest clauses"


def test_indicator_answer_gives_base_target_and_unit(assistant):
    answer = assistant.ask("小巨人企业目标多少家？")
    assert "593家" in answer.text and "≥700家" in answer.text
    assert "专栏·指标11" in [c.ref for c in answer.citations]


def test_region_question_cites_the_regional_clause(assistant):
    answer = assistant.ask("湘南地区要承接哪些产业？")
    assert "新能源电力装备、有色金属、新材料" in answer.text
    assert answer.citations[0].ref == "三（七）4"


def test_explicit_references_go_straight_to_the_clause(assistant):
    assert assistant.ask("（三）第5项讲的什么").citations[0].ref == "二（三）5"
    assert assistant.ask("指标11是什么").citations[0].ref == "专栏·指标11"


def test_list_question_about_a_section_lists_its_items(assistant):
    answer = assistant.ask("改造提升传统产业包括哪些产业")
    for industry in ("石化产业", "冶金产业", "有色金属产业", "建材产业", "食品产业", "轻工产业", "纺织产业"):
        assert industry in answer.text


def test_false_premise_is_corrected_with_the_plan_figure(assistant):
    answer = assistant.ask("新材料产业目标是5000亿元对吧？")
    assert not answer.refused and "7700亿元" in answer.text and "5000亿元" in answer.text.split("\n")[0]


@pytest.mark.parametrize("question", ["湖北省的制造业增加值目标是多少", "专精特新企业能拿多少补贴", "省算力调度平台哪年建成"])
def test_out_of_scope_questions_are_refused(assistant, question):
    assert assistant.ask(question).refused


@pytest.mark.parametrize("question", ["", "   \n\t ", "\x00\x07\x1b"])
def test_empty_questions_get_a_prompt(assistant, question):
    answer = assistant.ask(question)
    assert answer.refused and "请输入问题" in answer.text


def test_huge_question_is_cut_with_a_notice(assistant):
    answer = assistant.ask("新材料产业营收目标是多少？" * 1600)
    assert "问题过长" in answer.text and answer.notice


def test_english_question_gets_a_clear_message(assistant):
    answer = assistant.ask("What is the revenue target for new materials?")
    assert answer.refused and "请用中文提问" in answer.text


def test_long_clause_is_split_at_sentence_ends_keeping_its_text(document):
    text = document.clause("三（六）1").text
    chunks = chunk_text(text, limit=120)
    assert len(chunks) > 1 and "".join(chunks) == text.replace("\n", "")
    assert all(chunk.endswith(("。", "；")) for chunk in chunks)


def test_corrupt_index_is_rebuilt(assistant, tmp_path):
    settings = replace(assistant.settings, data_dir=tmp_path)
    shutil.copytree(assistant.settings.index_dir, settings.index_dir)
    (settings.index_dir / "vectors.npy").write_bytes(b"not a vector file")
    index = open_index(settings, assistant.embedder, assistant.tokenizer, assistant.documents)
    assert index.store.count() == assistant.index.store.count() and not index.notice


def test_unwritable_index_dir_is_reported_with_the_fix(assistant, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    settings = replace(assistant.settings, data_dir=blocker)
    with pytest.raises(IndexUnavailable, match="python -m rag build"):
        open_index(settings, assistant.embedder, assistant.tokenizer, assistant.documents)


def test_cli_ask_json_and_show(assistant):
    result = _cli("ask", "--json", "到2030年新材料产业营收目标是多少？")
    data = json.loads(result.stdout)
    assert data["refused"] is False and "7700亿元" in data["answer"]
    assert data["citations"][0]["ref"] == "二（三）5" and {"ref", "title", "text", "score"} <= set(data["citations"][0])
    shown = _cli("show", "二（三）5")
    assert shown.returncode == 0 and "7700亿元" in shown.stdout
    missing = _cli("show", "九（九）9")
    assert missing.returncode == 1 and "没有条款" in missing.stderr


def test_cli_batch_reports_malformed_lines_and_answers_the_rest(assistant):
    lines = "\n".join([json.dumps({"id": "a", "question": "规划里2030年全省GDP目标是多少"}, ensure_ascii=False),
                       "not json", json.dumps({"id": "b"}), json.dumps({"id": "c", "question": ""})])
    result = _cli("batch", stdin=lines)
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["id"] for r in rows] == ["a", None, "b", "c"] and result.returncode == 2  # two bad lines
    assert [r["line"] for r in rows if "error" in r] == [2, 3]
    assert rows[0]["refused"] is True and "Traceback" not in result.stderr


def test_cli_reports_a_missing_corpus(tmp_path):
    result = _cli("ask", "新材料", env={"RAG_CORPUS_DIR": str(tmp_path)})
    assert result.returncode == 2 and "中没有文件（支持 .txt" in result.stderr and "Traceback" not in result.stderr


# -- questions that ask several things, or about a part of an item -----------------------------
def _revenue(document, heading: str) -> tuple[str, str]:
    """(ref, revenue target as written) of the item with this heading."""
    clause = next(c for c in document.clauses if c.heading == heading)
    return clause.ref, re.search(r"营收达到(\d+亿元)", clause.text).group(1)


def test_question_asking_two_things_answers_each_part(assistant, document):
    answer = assistant.ask("新材料产业营收目标多少？生物医药呢？")
    assert not answer.refused and answer.text.count("关于“") == 2
    for heading in ("新材料产业", "生物医药产业"):
        ref, target = _revenue(document, heading)
        assert target in answer.text and ref in [c.ref for c in answer.citations]


def test_a_part_that_names_nothing_new_stays_with_its_question(assistant):
    assert split_question("小巨人企业现在有多少家，到2030年要达到多少", assistant.tokenizer) == [
        "小巨人企业现在有多少家，到2030年要达到多少"]


def test_a_part_asking_what_plans_never_give_is_refused_on_its_own(assistant, document):
    """The answered part stays; the question as a whole is flagged as not all answered by the plan."""
    answer = assistant.ask("电子信息制造业营收目标多少？省里补贴多少钱？")
    ref, target = _revenue(document, "电子信息制造业")
    assert answer.refused and target in answer.text and "未规定具体的资金" in answer.text
    assert [c.ref for c in answer.citations] == [ref]  # not the nearest clauses of the refused part


def test_number_of_the_whole_item_is_given_as_such(assistant, document):
    answer = assistant.ask("酒饮料精制茶的营收目标是多少")
    ref, target = _revenue(document, "食品产业")
    first, *rest = answer.text.split("\n")
    assert first.startswith("规划没有单列“酒饮料精制茶”的数值") and "食品产业" in first
    assert any(target in line and f"【{ref}】" in line for line in rest)


def test_county_is_read_as_part_of_its_city_and_its_numbers_are_refused(assistant):
    county = next(c for c in analyze("宁乡的工程机械企业", assistant.tokenizer).concepts if c.word == "宁乡")
    assert county.qualifier and county.known and "长沙" in county.broader
    assert assistant.ask("宁乡市工程机械营收目标是多少").refused


def test_abbreviation_is_read_as_the_plans_phrase(assistant):
    assert assistant.tokenizer.unabbreviated("工机械") == ["工程机械"]
    assert assistant.tokenizer.unabbreviated("想做到") == []


def test_a_list_asked_of_a_place_is_the_places_not_the_provinces(assistant):
    answer = assistant.ask("衡阳有哪些优势产业要重点支持？")
    assert "盐卤化工" in answer.text and "三（七）3" in [c.ref for c in answer.citations]
    assert "二（二）1" not in [c.ref for c in answer.citations]


def test_the_parts_of_a_named_clause_are_listed_each_cited(assistant):
    answer = assistant.ask("第三部分下面分成哪几节？")
    assert "共分8部分" in answer.text and "培育千亿级企业【三（一）】" in answer.text
    assert {f"三（{n}）" for n in "一二三四五六七八"} <= {c.ref for c in answer.citations}


def test_a_claim_about_the_documents_date_and_number_is_checked(assistant, document):
    wrong = assistant.ask("规划文号是湘政发〔2025〕6号，2025年印发的吧？")
    assert wrong.text.startswith("不是") and document.meta.doc_number in wrong.text and document.meta.date in wrong.text
    assert assistant.ask(f"规划的文号是{document.meta.doc_number}吧？").text.startswith("是的")


def test_questions_about_the_document_itself(assistant, document):
    recipients = assistant.ask("这份通知下发给哪些单位")
    assert document.meta.recipients in recipients.text and recipients.citations[0].ref == "通知"
    purpose = assistant.ask("制定这个规划的目的是什么")
    assert purpose.citations[0].ref == "前言" and "编制目的" in purpose.text


@pytest.mark.parametrize("question, shown, not_shown", [
    # two computations asked in two sentences: both shown
    ("卓越级以上智能工厂要增加几家？目标是基期的几倍？", ["50－16＝34（家）", "50÷16≈"], []),
    ("目标5000亿元及以上的产业是哪些？", ["不低于5000亿", "有色金属产业：5000亿元"], ["4000亿元"]),  # 及以上 includes
    ("哪个产业营收目标最高？比排第二的高多少？", ["新材料产业：7700亿元", "7700－7500＝200"], []),  # the runner-up
    ("营收目标有没有一样的，是哪几个产业？", ["石化产业：3400亿元", "冶金产业：3400亿元"], []),
    # the levels one sentence counts, each with its target, the largest named (not an industry's 7700亿元)
    ("智能工厂分几级，各级分别建多少家，最多的是哪一级？", ["最高的是基础级智能工厂", "800家以上", "50家以上"], ["7700"]),
    # base values of the table category named, not targets of every row
    ("结构优化类比重指标中，基期值最高的是哪一项？", ["按规划所列基期值", "77.2%【专栏·指标4】"], ["≥78%"]),
    ("千亿企业数量从2025到2030年增长百分之几？", ["（8－5）÷5＝60%【专栏·指标9】"], []),  # growth in per cent
    ("营收目标在3600亿以上、不到4000亿的产业有哪些", ["新能源电力装备产业：3600亿元"], ["4000亿元"]),  # open upper bound
    ("新兴产业里营收目标最高和最低的各是哪个", ["新材料产业：7700亿元", "生物医药产业：1200亿元"], []),
    # only numbers of the thing the question names (not 6.5% of another 增加值 indicator)
    ("数字经济核心产业占GDP比重要提高多少", ["9－7.4＝1.6个百分点"], ["6.5"]),
    ("规上工业研发经费按目标年均增速算，五年累计增长多少", ["（1＋7.5%）^5", "累计增长约43.6%"], []),  # compounded
])
def test_computed_answers_show_their_working(assistant, question, shown, not_shown):
    answer = assistant.ask(question)
    assert not answer.refused
    assert all(text in answer.text for text in shown), answer.text
    assert not any(text in answer.text for text in not_shown), answer.text


def test_a_filter_reads_amounts_without_the_yuan_and_keeps_the_bound_itself(assistant):
    below = assistant.ask("营收目标不到1100亿的产业有哪些")
    assert "轨道交通装备产业：660亿元" in below.text and "1100亿元" not in below.text
    above = assistant.ask("营收目标6000亿以上的产业有哪些")
    assert "轻工产业：6000亿元" in above.text and "食品产业：6300亿元" in above.text
    assert "有色金属" not in above.text


def test_ranking_by_the_rise_from_base_to_target(assistant):
    answer = assistant.ask("比重类的指标里哪个提高得最多")
    assert "计算：" in answer.text and "个百分点" in answer.text
    assert "【专栏·指标" in answer.text


def test_a_sum_counts_only_the_numbers_the_question_names(assistant):
    named = assistant.ask("基础级和卓越级智能工厂加起来至少多少家")
    assert "2000＋50＝2050（家）" in named.text
    whole = assistant.ask("各级智能工厂总共要建多少家")
    assert "2000＋800＋50＝2850（家）" in whole.text


def test_a_sum_over_a_category_adds_one_target_per_item(assistant):
    answer = assistant.ask("培育壮大的新兴产业营收目标加起来一共多少亿元")
    assert "＝28200（亿元）" in answer.text  # 营收 of seven items
    assert "软件和信息技术服务业：力争软件业务收入达到2500亿元（口径不同，未计入合计）" in answer.text


def test_an_enterprise_describing_itself_gets_the_clauses_that_concern_it(assistant):
    answer = assistant.ask("我们是湘潭一家做风电装备零部件的民营企业，想开拓海外市场，规划里有哪些相关内容？")
    assert not answer.refused
    refs = [c.ref for c in answer.citations]
    assert "二（三）6" in refs, refs  # its industry: 新能源电力装备
    assert any(ref.startswith("三（八）") for ref in refs), refs  # going abroad, private enterprises


def test_a_place_alone_does_not_make_a_clause_an_answer(assistant):
    answer = assistant.ask("株洲的房价今年会涨吗")
    assert answer.refused


def test_a_claim_tying_something_to_the_wrong_place_also_gives_what_the_plan_says_of_that_place(assistant):
    answer = assistant.ask("衡阳要建港口型国家物流枢纽吧")
    assert answer.text.startswith("不是。")
    assert "岳阳港口型国家物流枢纽" in answer.text  # whose it is
    assert "规划对衡阳的相关表述是：" in answer.text and "陆港型国家物流枢纽" in answer.text  # what 衡阳 gets


def test_a_thing_described_in_lay_words_gets_the_clause_closest_in_meaning(assistant):
    answer = assistant.ask("能自己开、不用司机的那种车，规划里叫什么？")
    assert not answer.refused
    assert "意思最接近" in answer.text and "自动驾驶" in answer.text
    assert "二（三）1" in [c.ref for c in answer.citations]
    assert assistant.ask("长沙买房子的那种补贴，规划里怎么说？").refused  # a description is no licence to guess


def test_rows_of_the_target_table_with_a_property(assistant):
    no_base = assistant.ask("哪些指标没有基期值？")
    assert "共5项" in no_base.text and {"专栏·指标14", "专栏·指标21"} <= {c.ref for c in no_base.citations}
    below = assistant.ask("有哪些指标的目标值低于基期值？")
    assert [c.ref for c in below.citations] == ["专栏·指标1"] and "≥6.5%" in below.text
    none_below = assistant.ask("企业培育类指标里有没有目标值低于基期值的？")  # a category narrows the table
    assert none_below.text.startswith("目标表中没有") and [c.ref for c in none_below.citations] == ["专栏"]
    bounds = assistant.ask("企业培育类指标里，哪些目标是带≥的？")
    assert bounds.text.startswith("目标为下限（≥）的3项，直接给出目标值的2项")


def test_equal_targets_are_found_or_denied(assistant):
    assert assistant.ask("石化和冶金的营收目标相同吗？").text.startswith("目标相同")
    assert "没有相同的" in assistant.ask("新兴产业里有没有营收目标相同的？").text


def test_a_term_described_in_plain_words_is_found_through_its_meaning(assistant, document):
    answer = assistant.ask("把散装的货改用集装箱来运，规划里有这个说法吗？")
    assert not answer.refused and answer.text.startswith("规划中的说法是“散改集”")
    assert "三（八）2" in [c.ref for c in answer.citations]


def test_every_glossary_term_is_one_the_plan_uses(document):
    from rag.corpus.vocab import load_glossary

    text = "\n".join(c.text for c in document.clauses)
    assert [g.term for g in load_glossary() if g.term not in text] == []


def test_the_meanings_of_a_clauses_terms_are_searched_with_it(assistant):
    nodes = [n for n in assistant.index.store.get([f"{assistant.documents[0].doc_id}:三（八）2#{i}" for i in range(8)])]
    glossed = [n.text for n in nodes if n.kind == "gloss"]
    assert any(text.startswith("揭榜挂帅：") for text in glossed) and any(t.startswith("散改集：") for t in glossed)


def test_a_number_asked_of_an_item_that_states_none_is_refused_at_the_item(assistant):
    answer = assistant.ask("生命工程到2030年的产值目标是多少？")
    assert answer.refused and "【二（四）2】" in answer.text and "没有给出" in answer.text
    assert not assistant.ask("生物医药产业到2030年营收目标是多少？").refused


def test_a_part_asking_only_a_detail_asks_it_of_the_first_parts_subject(assistant):
    parts = split_question("绿色工厂怎么认定？需要满足哪些条件？", assistant.tokenizer)
    assert len(parts) == 2 and parts[1].startswith("绿色工厂")
    assert assistant.ask("绿色工厂怎么认定？需要满足哪些条件？").refused


def test_a_later_part_is_asked_of_the_first_parts_opening_phrase(assistant):
    parts = split_question("智能网联汽车，规划定了什么目标？长沙有份吗？", assistant.tokenizer)
    assert parts == ["智能网联汽车，规划定了什么目标", "智能网联汽车，长沙有份吗"]


def test_whether_something_counts_is_asked_of_the_first_parts_subject(assistant):
    parts = split_question("北斗产业有什么目标？卫星导航终端算不算？", assistant.tokenizer)
    assert parts == ["北斗产业有什么目标", "北斗卫星导航终端算不算"]


def test_a_part_whose_only_rare_word_is_a_verb_names_no_subject_of_its_own(assistant):
    """依托 is rare in the plan but a verb: 依托哪里的集群 asks it of the industry before it."""
    parts = split_question("工程机械产业到2030年营收目标是多少？依托哪里的集群？", assistant.tokenizer)
    assert parts == ["工程机械产业到2030年营收目标是多少，依托哪里的集群"]


def test_a_word_read_only_across_two_words_is_not_in_the_corpus(assistant):
    """企业主体 holds 业主, but reads 企业 + 主体; 新能源 holds 能源 and 上下游 holds 下游 as words."""
    tokenizer = assistant.tokenizer
    assert not tokenizer.in_corpus("业主") and tokenizer.in_corpus("企业")
    assert tokenizer.in_corpus("能源") and tokenizer.in_corpus("下游")


def test_the_kind_asked_and_the_whole_area_are_not_what_a_question_is_about(assistant):
    """哪几个地方/什么时候 name the kind of answer (words the plan never uses); 全省/全市 the whole issuing area."""
    concepts = {c.word: c for c in analyze("全市新能源汽车主要放在哪几个地方？什么时候建成？", assistant.tokenizer).concepts}
    assert concepts["地方"].generic and concepts["时候"].generic and concepts["全市"].generic
    assert not concepts["新能源汽车"].generic


def test_a_stated_value_with_no_word_that_asks_is_checked_not_asked(assistant):
    from rag.qa.answerers.extractive import asks_detail
    from rag.qa.intent import read_intent

    for question, asks in (("智能工厂奖励500万元？", False), ("智能工厂奖励多少？", True)):
        assert asks_detail(analyze(question, assistant.tokenizer), read_intent(question)) is asks


def test_the_slots_read_what_is_asked_not_every_word_that_names_it(assistant):
    """截止之后 names the deadline as a point in time, not asks its date; a 奖励标准 is an amount, not criteria."""
    from rag.corpus.vocab import unanswerable_kinds

    assert not analyze("材料提交截止之后几个工作日内公布结果？", assistant.tokenizer).unanswerable
    assert analyze("申报截止是哪天？", assistant.tokenizer).unanswerable
    criteria = next(needed for _, reason, needed in unanswerable_kinds() if "条件、标准" in reason)
    assert not re.search(criteria, "奖励标准按照第六条执行") and re.search(criteria, "认定标准由省里制定")


def test_a_detail_must_be_given_of_the_questions_own_topic(assistant):
    """Sentences that speak of 标准 in general do not give the criteria of 单项冠军."""
    answer = assistant.ask("单项冠军企业的认定有什么标准？")
    assert answer.refused and "未规定认定或申报的具体条件" in answer.text
    # 支持有条件的市州创建…: 有条件的 says which may apply (those able to), not the conditions
    answer = assistant.ask("北斗规模应用试点城市，要具备什么条件才能创建？")
    assert answer.refused and "未规定认定或申报的具体条件" in answer.text


def test_a_wrong_category_claim_is_answered_with_the_plans_heading(assistant):
    answer = assistant.ask("工程机械算新兴产业吧？")
    assert answer.text.startswith("不是") and "“巩固延伸优势产业”" in answer.text
    assert "二（二）1" in [c.ref for c in answer.citations]


def test_a_subsidy_is_not_given_by_a_revenue_figure(assistant):
    answer = assistant.ask("新能源汽车产业有多少补贴？")
    assert answer.refused and "未规定具体的资金" in answer.text and "4000" not in answer.text


def test_how_many_of_a_thing_promised_only_as_a_batch_is_refused_with_the_phrase(assistant):
    answer = assistant.ask("工业大模型要培育多少个？")
    assert answer.refused and "培育一批" in answer.text and "没有给出具体数量" in answer.text
    assert "【三（四）1】" in answer.text and "2500" not in answer.text
    assert not assistant.ask("国家级专精特新小巨人企业到2030年要达到多少家？").refused


def test_a_calculation_uses_the_row_the_question_names_not_a_row_sharing_a_shorter_run(assistant):
    """规模工业单位增加值能耗 is row 18 (its target is words); 规模工业增加值 of row 13 is not what is asked."""
    answer = assistant.ask("单位增加值能耗这项指标要下降几个百分点？")
    assert "完成国家下达任务" in answer.text and "专栏·指标13" not in [c.ref for c in answer.citations]


def test_which_are_the_counted_things_is_refused_with_the_count(assistant):
    answer = assistant.ask("千亿企业现有5家，分别是哪几个？")
    assert answer.refused and "5家" in answer.text and "【专栏·指标9】" in answer.text and "没有列出" in answer.text
    assert not assistant.ask("四大区域分别是哪些？").refused
    # a list beside the name is of other things (推动先进钢铁、北斗…等领域集群进入“国家队”): not the 5 counted
    answer = assistant.ask("国家先进制造业集群现有5个，具体都是哪些？")
    assert answer.refused and "【专栏·指标5】" in answer.text and "没有列出" in answer.text


def test_a_number_asked_of_a_part_of_an_item_is_refused_with_the_items_figure(assistant):
    """智慧配电 is one direction of 新能源电力装备: the item's 3600亿元 is shown, but the figure asked is not given."""
    answer = assistant.ask("智慧配电到2030年营收能做到多少？")
    assert answer.refused and "没有单列" in answer.text and "3600亿元" in answer.text
    assert answer.citations[0].ref == "二（三）6"


def test_a_question_stating_a_figure_asks_another_one(assistant):
    """The item's 1100亿 is what the asker already has; the part's figure is what the plan does not give."""
    answer = assistant.ask("工程机械1100亿里，农机装备单独能做到多少？")
    assert answer.refused and "没有单列" in answer.text and answer.citations[0].ref == "二（二）1"
    assert not assistant.ask("工程机械到2030年营收目标是1100亿，比现在多多少？").text.startswith("规划只给出了")


# a detail the plan does not give, refused with the clause that names the thing; and its answered counterpart
REFUSED_AND_ANSWERED = [
    # a figure asked of a row whose target is words; asked what the target is, the words are the answer
    ("规模工业单位增加值碳排放到2030年要降低百分之几？", "完成国家下达任务", "专栏·指标19",
     "万元工业增加值用水量下降的目标是什么？", "完成国家下达任务"),
    # the parts of a slogan the plan never lists; 企业、产业、产业链、产业生态“四个着力点” it lists where it uses it
    ("“三品”战略是哪三品？", "没有列出“三品”", "三（六）1", "“四个着力点”分别是什么？", "产业生态"),
    # a number asked of a thing named only without a figure; an item's figure stands in a sentence of its own,
    # its heading naming what the figure counts
    ("国家超算长沙中心的算力规模要建到多大？", "只说“建强国家超算长沙中心", "三（四）1",
     "新材料产业2030年营收力争做到多少？", "7700亿元"),
]


@pytest.mark.parametrize("refused, said, ref, answered, fact", REFUSED_AND_ANSWERED)
def test_a_detail_the_plan_does_not_give_is_refused_with_where_it_names_the_thing(assistant, refused, said, ref,
                                                                                  answered, fact):
    answer = assistant.ask(refused)
    assert answer.refused and said in answer.text and answer.citations[0].ref == ref
    counterpart = assistant.ask(answered)
    assert not counterpart.refused and fact in counterpart.text


def test_a_question_naming_only_a_year_is_answered_by_the_sentence_of_that_year(assistant):
    answer = assistant.ask("2035年的目标是啥？")
    assert not answer.refused and "到2035年全面建成制造强省" in answer.text and answer.citations[0].ref == "一"


def test_what_each_one_is_called_asks_for_the_list(assistant):
    answer = assistant.ask("前瞻布局的未来产业一共几个？每个叫什么？")
    assert "包括以下4项" in answer.text and all(f"【二（四）{n}】" in answer.text for n in "1234")


def test_a_few_in_a_yes_or_no_question_asks_no_number(assistant):
    assert not assistant.analyze("几家企业抱团出海，规划支不支持？").wants_number
    assert assistant.analyze("小巨人企业现在有几家？").wants_number


def test_a_year_is_answered_only_by_a_figure_for_that_year(assistant):
    answer = assistant.ask("2035年先进制造业占全部制造业比重要达到多少？")
    assert answer.refused and "2035年" in answer.text
    assert "54" in assistant.ask("2030年先进制造业占全部制造业比重要达到多少？").text


def test_asking_what_a_described_thing_is_called_asks_no_detail(assistant):
    answer = assistant.ask("谁能攻克难题就让谁来干的那种做法，规划里叫什么？")
    assert not answer.refused and "揭榜挂帅" in answer.text

"""The policy library: documents from several files and formats, which ones a question or a filter means,
document-qualified citations, and files that are not policy documents reported instead of indexed."""

from __future__ import annotations

import shutil
from dataclasses import replace
from pathlib import Path

import pytest

from rag.config import PROJECT_ROOT
from rag.corpus.library import add_file, remove_file, set_status
from rag.corpus.load import read_corpus
from rag.corpus.select import DocumentFilter, apply_filter, named_in, select, without_names
from rag.schema import REPEALED, DocumentKind

DOCS = PROJECT_ROOT / "evals" / "library" / "docs"
PLAN = PROJECT_ROOT / "corpus" / "hunan-manufacturing-15th-fyp.txt"
NEWS = "本报讯 近日，某市召开制造业发展座谈会。\n会议指出，今年全市新增企业300家。\n与会代表进行了交流。\n"


@pytest.fixture()
def corpus(tmp_path) -> Path:
    folder = tmp_path / "corpus"
    for path in [PLAN, *sorted(DOCS.iterdir())]:
        add_file(folder, path)
    return folder


def test_every_kind_of_document_is_read_with_its_metadata(corpus):
    documents, skipped = read_corpus(corpus)
    assert not skipped
    kinds = {d.meta.source: d.meta.kind for d in documents}
    assert kinds == {"hunan-manufacturing-15th-fyp.txt": DocumentKind.PLAN, "qinglan_manufacturing_plan.txt":
                     DocumentKind.PLAN, "qinglan_fund_measures.html": DocumentKind.REGULATION,
                     "qinglan_fund_notice.txt": DocumentKind.NOTICE}
    notice = next(d for d in documents if d.meta.kind == DocumentKind.NOTICE)
    assert notice.meta.issuers == ("青岚市工业和信息化局", "青岚市财政局") and notice.meta.date == "2026年7月6日"
    assert notice.clause("附件1·三2").parent == "附件1·三" and notice.clause("附件2·6").text.startswith("6｜数字化车间｜")
    assert notice.clause("附件2·6").parent == "附件2" and "｜支持标准｜" in notice.clause("附件2·6").title
    assert "2026年7月6日" in notice.clause("通知").text and "2026年7月6日" not in notice.clause("七").text
    measures = next(d for d in documents if d.meta.kind == DocumentKind.REGULATION)
    assert (measures.meta.effective, measures.meta.published) == ("2026年7月1日", "2026-05-22")
    assert measures.clause("第六条（二）").parent == "第六条"
    assert "按照差额补足奖励" in measures.clause("第六条").text  # a 款 after the 项 belongs to the article


def test_a_text_without_numbering_is_reported_not_indexed_unless_asked_for(corpus):
    (corpus / "news.txt").write_text(NEWS, encoding="utf-8")
    documents, skipped = read_corpus(corpus)
    assert "news" not in {d.doc_id for d in documents}
    assert [s.source for s in skipped] == ["news.txt"] and "没有条款编号" in skipped[0].reason
    included, _ = read_corpus(corpus, include_unstructured=True)
    news = next(d for d in included if d.doc_id == "news")
    assert news.meta.kind == DocumentKind.UNSTRUCTURED and [c.ref for c in news.clauses] == ["第1段", "第2段", "第3段"]
    add_file(corpus, corpus / "news.txt", unstructured=True)
    assert "news" in {d.doc_id for d in read_corpus(corpus)[0]}


def test_status_is_settable_and_remove_takes_the_file_out(corpus):
    documents, _ = read_corpus(corpus)
    plan = select(documents, "青政发〔2026〕12号")[0]
    set_status(corpus, plan, REPEALED)
    assert select(read_corpus(corpus)[0], plan.doc_id)[0].meta.status == REPEALED
    with pytest.raises(ValueError):
        set_status(corpus, plan, "作废了")
    remove_file(corpus, plan)
    assert plan.doc_id not in {d.doc_id for d in read_corpus(corpus)[0]}


def test_questions_name_documents_by_number_title_or_kind(corpus):
    documents, _ = read_corpus(corpus)
    names = lambda q: sorted(d.doc_id for d in named_in(documents, q))  # noqa: E731
    assert names("青工信联〔2026〕35号的申报时间？") == ["qinglan_fund_notice"]
    assert names("专项资金管理办法第九条怎么规定？") == ["qinglan_fund_measures"]
    assert names("湖南的规划里新材料产业的目标？") == ["hunan-manufacturing-15th-fyp"]
    assert names("新材料产业营收目标是多少？") == []
    assert names("有什么办法提高效率？") == []  # an everyday word is not a document's name


def test_filters_by_document_issuer_and_date(corpus):
    documents, _ = read_corpus(corpus)
    ids = lambda f: sorted(d.doc_id for d in apply_filter(documents, f))  # noqa: E731
    assert ids(DocumentFilter(docs=("湘政发〔2026〕6号",))) == ["hunan-manufacturing-15th-fyp"]
    assert ids(DocumentFilter(issuer="财政局")) == ["qinglan_fund_notice"]
    assert ids(DocumentFilter(since="2026-05-01")) == ["hunan-manufacturing-15th-fyp", "qinglan_fund_measures",
                                                      "qinglan_fund_notice"]


def test_citations_carry_the_document_and_answers_name_it(library):
    answer = library.ask("到2030年新材料产业营收目标是多少？")
    assert not answer.refused and "【湘政发〔2026〕6号 二（三）5】" in answer.text
    cited = answer.citations[0].to_dict()
    assert (cited["doc_id"], cited["doc_number"], cited["ref"]) == ("hunan-manufacturing-15th-fyp", "湘政发〔2026〕6号",
                                                                    "二（三）5")
    assert cited["doc_title"] == "湖南省推进新型工业化和制造强省建设“十五五”规划"


def test_a_question_naming_a_document_is_answered_from_it(library):
    answer = library.ask("专项资金管理办法第九条是怎么规定的？")
    assert not answer.refused and {c.doc_id for c in answer.citations} == {"qinglan_fund_measures"}
    assert "【青政办发〔2026〕21号 第九条】" in answer.text and "500万元" in answer.text


def test_a_filter_keeps_the_answer_inside_the_chosen_documents(library):
    answer = library.ask("专精特新“小巨人”企业的奖励是多少？", DocumentFilter(docs=("青政发〔2026〕12号",)))
    assert answer.citations and {c.doc_id for c in answer.citations} == {"qinglan_manufacturing_plan"}
    assert library.ask("小巨人奖励多少？", DocumentFilter(issuer="不存在的机关")).refused


def test_a_question_costs_one_embedding_and_one_search_whatever_the_number_of_documents(library, monkeypatch):
    """Each document's own best clauses come from the candidates of the one hybrid search, not a search each."""
    calls = {"queries": 0, "hybrid": 0}

    def counted(name, function):
        def call(*args, **kwargs):
            calls[name] += 1
            return function(*args, **kwargs)
        return call

    monkeypatch.setattr(library.embedder, "queries", counted("queries", library.embedder.queries))
    monkeypatch.setattr(library.index.store, "hybrid", counted("hybrid", library.index.store.hybrid))
    _, hits = library.retrieve("数字化改造有哪些支持政策？")
    assert len(library.documents) == 4 and calls == {"queries": 1, "hybrid": 1}
    assert len({hit.clause.doc_id for hit in hits}) >= 2  # the other documents' best clauses are still there


def test_show_takes_a_document_selector(library):
    assert library.show("第九条", "青政办发〔2026〕21号").doc_id == "qinglan_fund_measures"
    assert library.show("前言", "青岚市推进制造业").doc_id == "qinglan_manufacturing_plan"
    assert library.show("前言", "湘政发〔2026〕6号").doc_id == "hunan-manufacturing-15th-fyp"


def test_values_that_differ_between_documents_are_shown_with_their_dates_newest_first(library):
    asked = "青岚市级以上绿色工厂到2030年要有多少家？"
    answer = library.ask(asked)
    assert not answer.refused and "数值不同" in answer.text
    notice, plan = answer.text.index("2026年7月6日"), answer.text.index("2026年3月18日")
    assert notice < plan and answer.text.index("120家") < answer.text.index("100家")
    assert {"qinglan_fund_notice", "qinglan_manufacturing_plan"} <= {c.doc_id for c in answer.citations}
    one = library.ask(asked, DocumentFilter(docs=("青政发〔2026〕12号",)))
    assert "数值不同" not in one.text and {c.doc_id for c in one.citations} == {"qinglan_manufacturing_plan"}


def test_only_values_in_the_unit_asked_can_differ(library):
    """Rewards in 万元 that differ between documents are no difference in how many 家 there are."""
    answer = library.ask("上市企业现在几家？")
    assert not answer.refused and "数值不同" not in answer.text and "15家" in answer.text


def test_values_that_agree_are_not_called_different(library):
    answer = library.ask("对新认定的省级制造业创新中心奖励多少？")
    assert not answer.refused and "300万元" in answer.text and "数值不同" not in answer.text


def test_document_facts_come_from_the_document_asked_about(library):
    effect = library.ask("专项资金管理办法从哪天起施行？")
    assert "2026年7月1日" in effect.text and "有效期5年" in effect.text
    assert ("qinglan_fund_measures", "第三十二条") in {(c.doc_id, c.ref) for c in effect.citations}
    published = library.ask("青政办发〔2026〕21号在政府网站上的发布日期是哪天？")
    assert "2026年5月22日" in published.text and {c.doc_id for c in published.citations} == {"qinglan_fund_measures"}
    assert "2026年5月22日" in library.ask("专项资金管理办法是哪天挂到政府网上的？").text  # 挂网: put online
    issued = library.ask("申报通知是哪天印发的？")
    assert "2026年7月6日" in issued.text and {c.doc_id for c in issued.citations} == {"qinglan_fund_notice"}


def test_a_claimed_document_date_is_confirmed_or_corrected_with_the_documents_own(library):
    """5月20日 is the measures' date of issue, not their date of effect: 不是, both dates said."""
    wrong = library.ask("专项资金管理办法从5月20日起施行，对吧？")
    assert wrong.text.startswith("不是") and "2026年7月1日" in wrong.text and "2026年5月20日是它的成文日期" in wrong.text
    assert {c.doc_id for c in wrong.citations} == {"qinglan_fund_measures"}
    right = library.ask("申报通知是7月6日印发的吧？")
    assert right.text.startswith("是的") and "2026年7月6日" in right.text


def test_an_attachment_named_in_the_question_is_answered_from_its_rows(library):
    answer = library.ask("申报通知附件2里智能工厂奖多少？")
    assert not answer.refused and "100万元" in answer.text
    assert {(c.doc_id, c.ref) for c in answer.citations} == {("qinglan_fund_notice", "附件2·5")}


def test_refusals_in_a_library_speak_of_documents_not_the_plan(library):
    answer = library.ask("深海采矿的补贴标准是多少？")
    assert answer.refused and "规划" not in answer.text.split("最接近的条款")[0]


def test_the_api_chooses_documents_by_doc_issuer_and_since(library):
    from fastapi.testclient import TestClient

    from rag.app.server import create_api

    client = TestClient(create_api(library))
    ask = lambda **fields: client.post("/api/ask", json={"question": "小巨人企业的奖励是多少？", **fields})  # noqa: E731
    plan = ask(doc="青政发〔2026〕12号")
    assert plan.status_code == 200 and {c["doc_id"] for c in plan.json()["citations"]} == {"qinglan_manufacturing_plan"}
    notice = ask(issuer="财政局", since="2026-07-01")
    assert notice.status_code == 200 and {c["doc_id"] for c in notice.json()["citations"]} == {"qinglan_fund_notice"}
    both = ask(doc=["青政发〔2026〕12号", "qinglan_fund_measures"])
    assert both.status_code == 200 and {c["doc_id"] for c in both.json()["citations"]} <= {
        "qinglan_manufacturing_plan", "qinglan_fund_measures"}
    for fields, message in (({"doc": 12}, '"doc"'), ({"issuer": ["财政局"]}, '"issuer"'), ({"since": "去年"}, '"since"'),
                            ({"doc": "不存在的文件"}, "没有文件“不存在的文件”"), ({"issuer": "不存在的机关"}, "没有同时符合")):
        refused = ask(**fields)
        assert refused.status_code == 400 and message in refused.json()["error"], fields


def test_the_page_picker_passes_the_chosen_document_through_the_queue(library):
    from rag.app.chat import respond
    from rag.app.server import SerializedAssistant
    from rag.app.ui import picked_documents, picker_choices

    choices = picker_choices(library.documents)
    assert choices[0] == ("全部文件", "") and {value for _, value in choices[1:]} == {d.doc_id for d in library.documents}
    assert picker_choices(library.documents[:1]) == []
    shared = SerializedAssistant(library)
    *_, (history, turns) = respond(shared, "小巨人企业的奖励是多少？", [], [], None, picked_documents("qinglan_fund_measures"))
    assert {c.doc_id for c in turns[-1].answer.citations} == {"qinglan_fund_measures"}
    assert [t.label for t in shared.queue.timings] == ["小巨人企业的奖励是多少？"]  # answered in the queue's turn
    assert picked_documents("") is None


def test_adding_a_changed_document_re_embeds_only_that_document(library, tmp_path):
    """Runs last: it changes the library's corpus folder."""
    from rag.index.nodes import make_nodes
    from rag.index.store import update_index
    from rag.index.tokenize import Tokenizer

    source = (DOCS / "qinglan_fund_notice.txt").read_bytes()
    changed = tmp_path / "qinglan_fund_notice.txt"
    changed.write_bytes(source.replace("6628 9000".encode("gb18030"), "6628 9001".encode("gb18030")))
    document = add_file(library.settings.corpus_dir, changed)
    documents, _ = read_corpus(library.settings.corpus_dir)
    tokenizer = Tokenizer(documents)
    report = update_index(library.settings, library.embedder, tokenizer, documents)
    assert report.status.changed == ("qinglan_fund_notice",) and not report.status.added and not report.full
    assert report.embedded == len(make_nodes(document, tokenizer)) < report.nodes


def test_relative_years_are_the_years_of_the_documents(library):
    from rag.qa.query import analyze

    forms = {c.word: c.forms for c in analyze("今年和去年的申报", library.tokenizer).concepts}
    assert "2026年" in forms["今年"] and "2025年" in forms["去年"]  # the newest document is of 2026
    answer = library.ask("今年项目审定和公示什么时候前完成？")
    assert not answer.refused and "2026年10月底前" in answer.text


def test_a_two_character_abbreviation_expands_only_to_a_known_word(library):
    assert library.tokenizer.unabbreviated("技改") == ["技术改造"]
    assert library.tokenizer.unabbreviated("深海") == []  # 深远海装备 holds 深远海装, which is no word


def test_details_the_documents_do_not_give_are_refused(library):
    scoring = library.ask("专家评审各项的分值是多少？")
    assert scoring.refused and "评分标准或分值" in scoring.text
    address = library.ask("受理窗口的办公地址在哪？")
    assert address.refused and "地址或办公时间" in address.text


def test_a_clause_of_another_document_joins_the_answer_only_when_it_ties(library):
    from rag.qa.answerers.extractive import _ClauseMatch, _complementary

    measures = {d.doc_id: d for d in library.documents}["qinglan_fund_measures"]
    notice = {d.doc_id: d for d in library.documents}["qinglan_fund_notice"]
    best = _ClauseMatch(measures.clause("第九条"), [], frozenset({"技术改造"}), 0.6, 1.0)
    same = _ClauseMatch(measures.clause("第二十三条"), [], frozenset({"拨付"}), 0.4, 0.5)
    other = _ClauseMatch(notice.clause("附件1·七2"), [], frozenset({"拨付"}), 0.4, 0.5)
    weights = {"技术改造": 1.0, "拨付": 1.0}
    assert _complementary([best, other, same], weights) == [best, same]
    tie = replace(other, score=0.99)
    assert _complementary([best, tie], weights) == [best, tie]


def test_facts_measures_and_quiz_take_the_document_filters(tmp_path, monkeypatch, capsys):
    from rag.cli import main

    corpus = tmp_path / "corpus"
    shutil.copytree(DOCS, corpus)
    shutil.copy(PLAN, corpus)
    monkeypatch.setenv("RAG_CORPUS_DIR", str(corpus))
    assert main(["quiz", "-n", "2", "--seed", "1", "--doc", "青政发〔2026〕12号"]) == 0
    assert "《青岚市推进制造业高质量发展“十五五”规划》学习测验" in capsys.readouterr().out
    counts = []
    for argv in (["facts"], ["facts", "--doc", "青政办发〔2026〕21号"]):
        assert main(argv) == 0
        counts.append(int(capsys.readouterr().out.strip().splitlines()[-1].split(" 条")[0]))
    assert 0 < counts[1] < counts[0]
    for argv in (["facts"], ["measures"], ["match", "--industry", "电子信息"], ["quiz"]):
        assert main([*argv, "--issuer", "没有这个机关"]) == 1
        assert "文档库中没有符合筛选条件的文件" in capsys.readouterr().err


def test_the_library_tab_uploads_lists_and_removes_with_incremental_index_updates(tmp_path, settings):
    from rag.app.admin import authorized
    from rag.app.tabs.library import library_rows, remove, upload

    own = replace(settings, corpus_dir=tmp_path / "corpus", data_dir=tmp_path / "data")
    bad = tmp_path / "扫描件.pdf"
    bad.write_bytes(b"%PDF-1.4 not really a pdf")
    odd = tmp_path / "表格.xls"
    odd.write_bytes(b"\x00\x01")
    first = upload(own, [DOCS / "qinglan_fund_notice.txt", bad, odd])
    assert first.changed and "已添加 qinglan_fund_notice.txt" in first.message
    assert "未添加 扫描件.pdf：" in first.message and "未添加 表格.xls：" in first.message
    assert "不支持的文件格式" in first.message and "新增 1、修改 0、删除 0" in first.message
    second = upload(own, [DOCS / "qinglan_manufacturing_plan.txt"])
    assert "新增 1、修改 0、删除 0" in second.message  # the notice is not embedded again
    rows = library_rows(own)
    assert {row[0] for row in rows} == {"青工信联〔2026〕35号", "青政发〔2026〕12号"}
    assert {row[5] for row in rows} == {"通知", "规划"}
    assert not remove(own, "没有这个文件").changed
    gone = remove(own, "青工信联〔2026〕35号")
    assert gone.changed and "新增 0、修改 0、删除 1" in gone.message
    assert [row[0] for row in library_rows(own)] == ["青政发〔2026〕12号"]
    assert not upload(own, []).changed
    assert authorized("口令", "口令") and not authorized("错的", "口令") and not authorized("口令", None)


def test_a_cited_table_row_with_a_note_marker_cites_the_note_too(library):
    from rag.qa.answerers import with_table_notes
    from rag.schema import Answer, Citation

    def cited(*refs: str) -> list[str]:
        answer = Answer("问", "答", False, tuple(Citation("qinglan_manufacturing_plan", ref, "", "", 1.0) for ref in refs))
        return [c.ref for c in with_table_notes(answer, library.context).citations]

    assert cited("专栏1·指标14") == ["专栏1·指标14", "专栏1"]  # 基期值 58*: 加*表示为2024年数据
    assert cited("专栏1·指标7", "专栏1·指标14") == ["专栏1·指标7", "专栏1·指标14", "专栏1"]  # [≥1200]: 累计数
    assert cited("专栏1·指标9") == ["专栏1·指标9"]  # no marker, no note
    table = next(c for c in library.context.documents["qinglan_manufacturing_plan"].clauses if c.ref == "专栏1")
    assert "加*表示为2024年数据" in table.text


def test_each_part_of_a_question_is_answered_from_the_documents_it_names(library):
    parts = library.scoped_parts(["技术改造项目推荐名额怎么分配", "管理办法对拨付时限怎么规定", "验收后再拨付余款吗"],
                                 library.documents)
    assert parts[0][1] is None  # names none, none before it: every document
    assert parts[1][1] == parts[2][1] == frozenset({"qinglan_fund_measures"})  # named, then carried on


def test_a_document_named_by_a_short_name_is_chosen_and_the_name_left_out_of_the_search(library):
    question = "专项资金办法里资金不得用于哪些支出？"
    assert [d.doc_id for d in named_in(library.documents, question)] == ["qinglan_fund_measures"]
    assert without_names(question, named_in(library.documents, question)) == "办法里资金不得用于哪些支出？"
    assert not named_in(library.documents, "有什么好办法吗？")


def test_which_document_says_it_is_answered_with_every_document_that_does(library):
    answer = library.ask("设备购置额不含哪些费用，是哪个文件规定的？")
    assert {c.doc_id for c in answer.citations} == {"qinglan_fund_notice", "qinglan_fund_measures"}
    assert "不含土建和安装费用" in answer.text and not answer.refused


def test_a_claim_is_answered_from_the_clause_stating_its_value(library):
    answer = library.ask("补助设备验收后五年内不能迁出本市，对吗？")
    assert answer.citations[0].ref == "第二十七条" and "5年内" in answer.text


def test_an_attachment_named_is_searched_for_when_none_of_its_clauses_was_found(library):
    answer = library.ask("附件2的注里说哪些事项另行组织申报？")
    assert [c.ref for c in answer.citations] == ["附件2·注"] and "首台（套）" in answer.text


def test_differing_values_come_with_the_rule_on_which_prevails(library):
    answer = library.ask("国家级专精特新小巨人企业给多少奖励？")
    assert answer.text.startswith("注意：各文件对此规定的数值不同") and "与本办法不一致的，按照本办法执行" in answer.text
    assert ("qinglan_fund_measures", "第三十二条") in {(c.doc_id, c.ref) for c in answer.citations}


def test_whether_a_document_is_public_is_read_from_its_signature(library):
    notice = {d.doc_id: d for d in library.documents}["qinglan_fund_notice"]
    assert notice.meta.publicity == "主动公开"
    answer = library.ask("这个申报通知公开吗？")
    assert "公开方式：主动公开" in answer.text and answer.citations[0].ref == "通知"

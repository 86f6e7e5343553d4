"""The quiz builder on the real plan: every item re-checked against the clause text, independently of the
generator's own validator; determinism, selection, and the exports read back by their own readers."""

from __future__ import annotations

import csv
import io
import json
import os
import re
import tempfile
from itertools import combinations
from pathlib import Path
from types import SimpleNamespace

import docx
import gradio as gr
import pytest

from rag.corpus.places import Gazetteer
from rag.index.tokenize import Tokenizer
from rag.qa.query import analyze
from rag.quiz.facts import amount, stated
from rag.text import fold, quantities, quantity_occurs
from rag.quiz import QuizError, QuizRequest, build_quiz
from rag.quiz.model import BLANK, FALSE, TRUE
from rag.quiz.export import records, to_csv, to_docx, to_json, to_markdown
from rag.app.tabs.quiz import generate, render_tab

SEEDS = (1, 2, 3, 4, 5)
WHOLE_PLAN_ITEMS = 60
_QUANTITY = re.compile(r"(\d+(?:\.\d+)?)(亿元|家|个|%)")


@pytest.fixture(scope="module")
def quizzes(document):
    return {seed: build_quiz([document], QuizRequest(count=WHOLE_PLAN_ITEMS, seed=seed)) for seed in SEEDS}


@pytest.fixture(scope="module")
def tokenizer(document):
    return Tokenizer([document])


@pytest.fixture(scope="module")
def sample(document):
    return build_quiz([document], QuizRequest(count=16, seed=7))


# -- an independent reading of the plan ---------------------------------------------------------------

def descendants(document, ref):
    found = [ref]
    for clause in document.clauses:
        if clause.parent in found:
            found.append(clause.ref)
    return found


def under(document, ref, section):
    clause = document.clause(ref)
    while clause is not None and clause.ref != section:
        clause = document.clause(clause.parent) if clause.parent else None
    return clause is not None


def scope_text(document, ref):
    return "\n".join(document.clause(r).text for r in descendants(document, ref))


def child_headings(document, ref):
    return {c.heading for c in document.clauses if c.parent == ref}


def stated_quantities(text):
    return {(float(n), u) for n, u in _QUANTITY.findall(text)}


def as_quantity(option):
    match = _QUANTITY.fullmatch(option.lstrip("≥"))
    return (float(match.group(1)), match.group(2)) if match else None


def sentences_naming(document, name):
    return [s for c in document.clauses for s in re.split(r"[。；\n]", c.text) if name in s]


def unquote(text):
    return text.replace("‘", "“").replace("’", "”")


def check_item(item, document):
    """Why the item is wrong, read from the plan's text; empty when it is right."""
    clause = document.clause(item.ref)
    if clause is None:
        return ["cites no clause"]
    wrong = []
    scope = scope_text(document, item.ref)
    distractors = [o for o in item.options if o not in item.answers]
    if len(set(item.options)) != len(item.options):
        wrong.append("an option repeats")
    if item.focus == "section":
        if not set(item.evidence.splitlines()) <= {c.title_path[-1] for c in document.clauses if c.parent == item.ref}:
            wrong.append("the outline quoted is not the clause's")
    elif item.evidence not in clause.text:
        wrong.append("the quoted words are not in the cited clause")
    if item.ref not in item.explanation:
        wrong.append("the explanation does not cite the clause")

    if item.kind == "truefalse":
        if item.options != (TRUE, FALSE) or len(item.answers) != 1:
            return wrong + ["a true/false item needs 正确/错误 and one answer"]
        true = item.answers == (TRUE,)
        if item.focus == "section":
            if (item.claim in child_headings(document, item.ref)) != true:
                wrong.append("membership judged wrongly")
        elif true and item.claim not in item.evidence:
            wrong.append("a 'true' statement is not the plan's words")
        elif not true and (item.claim in scope or item.changed in item.evidence or item.changed not in item.stem
                           or item.claim.replace(item.changed, item.original, 1) not in item.evidence):
            wrong.append("a 'false' statement is not the plan's words with one change")
        return wrong

    if item.kind == "blank":
        (answer,) = item.answers
        if item.options or item.stem.count(BLANK) != 1:
            wrong.append("a blank needs one gap and no options")
        if answer not in item.evidence:
            wrong.append("the blank's answer is not in the cited words")
        before, after = item.stem.split(BLANK)
        filled = re.split(r"[，：]", before)[-1] + answer + re.split(r"[，。]", after)[0]
        # the plan's words, possibly after the subject the stem names first (根据规划，衡阳支持发展…)
        if item.focus in ("member", "term") and not any(
                filled[:k] in item.evidence and filled[k:] in item.evidence for k in range(len(before) + 1)):
            wrong.append("the filled sentence is not the plan's")
        if item.focus == "value" and clause.kind == "indicator" and clause.heading not in unquote(item.stem):
            wrong.append("the stem does not name the indicator asked about")
        return wrong

    expected_options = {"choice": (4, 4), "multi": (4, 5)}[item.kind]
    if not expected_options[0] <= len(item.options) <= expected_options[1]:
        wrong.append(f"{len(item.options)} options")
    if not set(item.answers) <= set(item.options):
        wrong.append("an answer is not an option")
    if item.kind == "choice" and len(item.answers) != 1:
        wrong.append("a single choice has one answer")
    if item.kind == "multi" and (len(item.answers) < 2 or not distractors):
        wrong.append("a multiple choice has two answers or more and a wrong option")

    if item.focus == "section":
        headings = child_headings(document, item.ref)
        if not set(item.answers) <= headings or any(d in headings or d in scope for d in distractors):
            wrong.append("the options do not match the sub-clauses")
    elif item.focus == "subject":
        if any(a not in item.evidence and a != clause.heading for a in item.answers) or item.probe not in item.evidence:
            wrong.append("the answer is not where the plan says it")
        for other in distractors:
            headed = [c for c in document.clauses if c.heading == other]
            texts = [scope_text(document, c.ref) for c in headed] or sentences_naming(document, other)
            if any(item.probe in text for text in texts):
                wrong.append(f"{other} also fits")
    else:
        if any(a not in item.evidence for a in item.answers):
            wrong.append("an answer is not in the cited words")
        stated = stated_quantities(scope)
        for other in distractors:
            quantity = as_quantity(other)
            if quantity is not None and item.focus == "value":
                if quantity in stated:
                    wrong.append(f"{other} is also stated in the clause")
            elif other in item.evidence:
                wrong.append(f"{other} is also in the cited words")
    return wrong


# -- items --------------------------------------------------------------------------------------------

def test_every_item_of_five_whole_plan_quizzes_is_right(quizzes, document):
    for seed, quiz in quizzes.items():
        assert len(quiz.items) == WHOLE_PLAN_ITEMS, seed
        for item in quiz.items:
            assert check_item(item, document) == [], (seed, item)


def test_whole_plan_quizzes_mix_kinds_facts_and_parts(quizzes, document):
    for quiz in quizzes.values():
        assert {item.kind for item in quiz.items} == {"blank", "choice", "multi", "truefalse"}
        assert {"value", "member", "term"} <= {item.focus for item in quiz.items}
        for part in ("一", "二", "三"):
            assert any(under(document, item.ref, part) for item in quiz.items), part
        answers = [item.answers for item in quiz.items if item.kind == "truefalse"]
        assert (TRUE,) in answers and (FALSE,) in answers


def test_no_two_items_test_the_same_fact(quizzes):
    for quiz in quizzes.values():
        assert len({item.fact for item in quiz.items}) == len(quiz.items)
        asked = [(item.evidence, item.answers) for item in quiz.items if item.kind != "truefalse"]
        assert len(set(asked)) == len(asked)


def test_a_target_stated_in_a_clause_and_in_the_table_is_asked_once(document):
    def asks_700(item):
        return "小巨人" in item.stem and any(answer.lstrip("≥").startswith("700") for answer in item.answers)

    for section in ("三（一）", "一"):  # 三（一）2 states it, and so does row 11 of the table
        assert any(asks_700(i) for i in build_quiz([document], QuizRequest(40, section, ("blank",), seed=3)).items)
    quiz = build_quiz([document], QuizRequest(count=200, kinds=("blank",), seed=3))
    assert sum(asks_700(item) for item in quiz.items) == 1


def test_distractors_come_from_the_same_category(document):
    quiz = build_quiz([document], QuizRequest(count=200, kinds=("choice",), seed=4))
    revenue = [item for item in quiz.items if item.focus == "value" and "营收达到" in item.stem]
    assert revenue
    for item in revenue:
        assert all(option.endswith("亿元") for option in item.options)
    subjects = [item for item in quiz.items if item.focus == "subject"]
    assert subjects
    places = Gazetteer()
    for item in subjects:  # all industries, or all places of one kind
        industries = all(option.endswith(("产业", "制造业", "服务业")) for option in item.options)
        kinds = {found[2].kind if (found := places.first_place(option)) else None for option in item.options}
        assert industries or (len(kinds) == 1 and None not in kinds), item.options


def test_same_seed_same_quiz_and_different_seeds_differ(quizzes, document):
    again = build_quiz([document], QuizRequest(count=WHOLE_PLAN_ITEMS, seed=3))
    assert again == quizzes[3]
    for a, b in combinations(SEEDS, 2):
        assert [i.stem for i in quizzes[a].items] != [i.stem for i in quizzes[b].items]


def heads_meet(a, b):
    """An independent reading of 'broader or narrower': one contains the other, or the last two characters
    (the head noun: 装备, 材料) of one appear in the other; category words (产业, 地区) left out."""
    a, b = (re.sub(r"(产业|制造业|服务业|地区|经济区)$", "", x) or x for x in (a, b))
    return a in b or b in a or a[-2:] in b or b[-2:] in a


def test_no_distractor_is_broader_or_narrower_than_an_answer(quizzes):
    places = Gazetteer()
    checked = 0
    for quiz in quizzes.values():
        for item in quiz.items:
            if item.focus in ("value", "section"):
                continue
            pairs = [(d, a) for d in item.distractors for a in item.answers]
            if item.kind == "truefalse" and item.changed:
                pairs = [(item.changed, item.original)]
            for distractor, answer in pairs:
                checked += 1
                assert not heads_meet(distractor, answer), item
                found = [places.first_place(x) for x in (distractor, answer)]
                if all(found):
                    (_, _, one), (_, _, other) = found
                    assert one != other and one.name != other.region and other.name != one.region, item
    assert checked > 100


def test_a_distractor_is_not_stated_for_the_same_subject(quizzes, document):
    for quiz in quizzes.values():
        for item in quiz.items:
            if item.focus == "member" and item.kind in ("choice", "multi"):
                subject = item.stem.removeprefix("根据规划，").split("（")[0]
                place = Gazetteer().first_place(subject)
                said = (sentences_naming(document, place[1]) if place and item.stem.startswith("根据规划，")
                        else [scope_text(document, item.ref)])
                assert not any(d in text for d in item.distractors for text in said), item


def test_a_blank_keeps_the_subject_of_its_sentence(document):
    quiz = build_quiz([document], QuizRequest(count=200, section="二（四）", kinds=("blank", "choice", "truefalse"),
                                              seed=5))
    cut = [item for item in quiz.items if "拓展电力物联网" in item.evidence and "规模化应用" in item.stem]
    assert cut
    assert all("空天信息" in item.stem for item in cut)
    beidou = build_quiz([document], QuizRequest(count=200, section="三（三）1", kinds=("blank",), seed=5))
    plus = [item for item in beidou.items if item.answers == ("北斗+",)]
    assert plus and all("北斗" in item.stem.replace(BLANK, "") for item in plus)  # the part names the subject
    parallel = build_quiz([document], QuizRequest(count=200, section="三（二）", kinds=("blank", "choice"), seed=5))
    assert parallel.items
    assert not any("为目标" in answer for item in parallel.items for answer in item.answers)


def test_difficulty_follows_the_stated_rule(quizzes):
    items = [item for quiz in quizzes.values() for item in quiz.items]
    assert {item.difficulty for item in items} == {"easy", "medium", "hard"}
    for item in items:
        if item.kind == "truefalse":  # a true statement is easy, a false one at most medium
            assert item.difficulty == "easy" if item.answers == (TRUE,) else item.difficulty != "hard"
        elif item.kind == "blank":
            assert item.difficulty == ("medium" if item.focus == "value" else "hard")
        elif item.kind == "multi":
            assert item.difficulty != "easy"
        if item.kind == "choice" and item.focus == "value" and item.difficulty == "hard":
            units = {re.sub(r"[\d.≥≤]", "", option) for option in item.options}
            assert len(units) == 1, item  # close distractors share the answer's unit


@pytest.mark.parametrize("written, value", [
    ("7700亿元", (7700.0, "亿元")), ("≥54%", (54.0, "%")), ("6.5%", (6.5, "%")), ("3000家", (3000.0, "家")),
    ("7,700亿元", (7700.0, "亿元")), ("51.7%", (51.7, "%")),
])
def test_quiz_question_analysis_and_verifier_read_quantities_alike(written, value, tokenizer):
    asked = analyze(f"规划提出的目标是{written}吗？", tokenizer).quantities
    verified = quantities(f"到2030年，目标为{written}。")
    assert list(asked) == [q for q in verified if not q.endswith("年")] == [fold(written)]
    assert amount(written) == amount(asked[0]) == value
    assert quantity_occurs(written, f"目标为{fold(written)}以上")
    assert stated(f"目标为{written}") == {value}


# -- selection ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("section", ["二", "二（三）", "三（七）", "一"])
def test_section_keeps_to_its_part_of_the_plan(document, section):
    quiz = build_quiz([document], QuizRequest(count=12, section=section, seed=1))
    assert quiz.items
    for item in quiz.items:
        assert under(document, item.ref, section), item.ref
        assert check_item(item, document) == []


def test_types_difficulty_and_count(document):
    quiz = build_quiz([document], QuizRequest.parse(20, "二", "choice,填空", "", 1))
    assert len(quiz.items) == 20
    assert {item.kind for item in quiz.items} == {"choice", "blank"}
    hard = build_quiz([document], QuizRequest.parse(10, "", "", "hard", 2))
    assert hard.items and all(item.difficulty == "hard" for item in hard.items)


def test_a_narrow_request_says_how_many_it_found(document):
    quiz = build_quiz([document], QuizRequest.parse(50, "二（一）1", "blank", "", 1))
    assert 0 < len(quiz.items) < 50
    assert str(len(quiz.items)) in quiz.note


@pytest.mark.parametrize("arguments", [
    {"count": 0}, {"count": 10_000}, {"count": "ten"}, {"types": "essay"}, {"difficulty": "extreme"},
])
def test_bad_requests_are_refused_with_a_message(arguments):
    with pytest.raises(QuizError):
        QuizRequest.parse(**{"count": 10, **arguments})


def test_an_unknown_section_is_refused(document):
    with pytest.raises(QuizError, match="九"):
        build_quiz([document], QuizRequest.parse(5, "九（一）"))
    assert QuizRequest.parse(5, "二(三)").section == "二（三）"


# -- exports ------------------------------------------------------------------------------------------

def docx_text(data: bytes) -> str:
    return "\n".join(p.text for p in docx.Document(io.BytesIO(data)).paragraphs)


def test_docx_holds_the_items_and_the_key(sample):
    text = docx_text(to_docx(sample, answers=True))
    for item in sample.items:
        assert item.stem in text
        assert all(option in text for option in item.options if item.kind != "truefalse")
        assert item.explanation in text
    assert text.index("参考答案") > max(text.index(item.stem) for item in sample.items)


def test_participants_docx_holds_no_answers(sample):
    text = docx_text(to_docx(sample, answers=False))
    assert all(item.stem in text for item in sample.items)
    assert "参考答案" not in text and "依据" not in text
    assert not any(item.explanation in text for item in sample.items)


def test_markdown_puts_the_key_at_the_end(sample):
    trainer = to_markdown(sample).replace("\\", "")
    key = trainer.index("## 参考答案")
    assert all(trainer.index(item.stem) < key for item in sample.items)
    assert all(item.explanation in trainer[key:] for item in sample.items)
    participants = to_markdown(sample, answers=False).replace("\\", "")
    assert "参考答案" not in participants and not any(i.explanation in participants for i in sample.items)


def test_csv_round_trip(sample):
    rows = list(csv.DictReader(io.StringIO(to_csv(sample))))
    read = [{**{k: v for k, v in row.items() if not k.startswith("option_")}, "number": int(row["number"]),
             "options": [v for k, v in row.items() if k.startswith("option_") and v]} for row in rows]
    assert read == records(sample)
    participants = list(csv.DictReader(io.StringIO(to_csv(sample, answers=False))))
    assert "answer" not in participants[0] and "explanation" not in participants[0]


def test_json_round_trip(sample):
    data = json.loads(to_json(sample))
    assert data["items"] == records(sample)
    assert data["settings"]["seed"] == 7
    assert all(set(item) >= {"answer", "explanation", "ref"} for item in data["items"])
    participants = json.loads(to_json(sample, answers=False))["items"]
    assert all(not {"answer", "answer_text", "explanation", "ref"} & set(item) for item in participants)


def test_answer_letters_point_at_the_answers(sample):
    for row, item in zip(records(sample), sample.items, strict=True):
        if item.kind in ("choice", "multi"):
            assert [row["options"][ord(letter) - ord("A")] for letter in row["answer"]] == list(item.answers)


# -- interfaces ---------------------------------------------------------------------------------------

def test_command_writes_a_docx_without_loading_the_model(tmp_path, monkeypatch):
    import rag.embedding.embedder
    from rag.cli import main

    def refuse(*_args, **_kwargs):
        raise AssertionError("the quiz must not load the embedding model")

    monkeypatch.setattr(rag.embedding.embedder, "load_embedder", refuse)
    out = tmp_path / "quiz.docx"
    argv = ["quiz", "-n", "20", "--section", "二", "--types", "choice,blank", "--seed", "1", "--format", "docx",
            "-o", str(out)]
    assert main(argv) == 0
    text = docx_text(out.read_bytes())
    assert "单项选择题" in text and "填空题" in text and "参考答案" in text
    assert main(argv[:-2] + ["--no-answers", "-o", str(out)]) == 0
    assert "参考答案" not in docx_text(out.read_bytes())


def test_command_explains_bad_input(capsys, tmp_path):
    from rag.cli import main

    assert main(["quiz", "--format", "docx"]) == 2
    assert "-o" in capsys.readouterr().err
    assert main(["quiz", "--section", "九"]) == 2
    assert "没有条款" in capsys.readouterr().err
    assert main(["quiz", "--format", "pdf"]) == 2
    assert main(["quiz", "-n", "3", "--format", "json", "-o", str(tmp_path / "missing" / "q.json")]) == 1


def test_the_tab_previews_and_offers_files(document, tmp_path, monkeypatch):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    preview, files = generate([document], None, "二（三）", ["choice", "truefalse"], "", 6, 2)
    assert "参考答案" in preview and len(files) == 6
    assert all(tmp_path in Path(f).parents and Path(f).stat().st_size > 0 for f in files)
    stale = Path(files[0]).parent
    os.utime(stale, (0, 0))  # a bundle from long ago is deleted when the next quiz is made
    generate([document], None, "二（三）", ["choice"], "", 2, 3)
    assert not stale.exists()
    message, none = generate([document], None, "九", [], "", 6, 2)
    assert "无法生成" in message and none == []
    with gr.Blocks(), gr.Tab("测验生成"):
        render_tab(SimpleNamespace(documents=[document], tokenizer=None))

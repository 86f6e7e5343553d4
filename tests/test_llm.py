"""Generative answers end in the right answer for the user, whatever the endpoint does.

A real OpenAI-compatible HTTP server on 127.0.0.1 (tests/fake_openai.py) plays the model. Its answers
are built at request time from the clauses the prompt actually carries, as a model would, so nothing
here states a fact of the plan."""

from __future__ import annotations

import re
import socket
import time
from dataclasses import replace

import pytest

from fake_openai import CHUNK_CHARS, FakeOpenAI, Reply
from rag.evaluation.harness import EvalQuestion, evaluate_pipeline
from rag.evaluation.llm_check import recorder, summarize_attempts, table
from rag.app.chat import GENERATED_NOTE, STREAMING_MARK, answer_markdown, clause_link, escape_markdown, respond
from rag.text import split_sentences
from rag.qa.answerers.generative import REFUSAL, GenerativeAnswerer, Outcome
from rag.qa.answerers.prompt import context_clauses
from rag.qa.verify import Check, Verifier
from rag.schema import Answer, Generation
from rag.text import quantities, quantity_occurs

TIMEOUT = 3.0  # generous: the test machine may be busy
REF = re.compile(r"【(?P<ref>[^】\n]+)】")
MODES = ("answer", "stream")


# -- the scripted "model" ----------------------------------------------------------------------


def prompt_blocks(body: dict) -> list[str]:
    """The clause blocks of the request's prompt: each under its section's heading, its sentences closed
    by 【ref】."""
    prompt = body["messages"][-1]["content"]
    return prompt.split("条款：\n\n", 1)[1].split("\n\n问题：", 1)[0].split("\n\n")


def prompt_clauses(body: dict) -> list[tuple[str, str]]:
    """(ref, text) of each clause the request's prompt carries (the lines that cite it)."""
    clauses = []
    for block in prompt_blocks(body):
        lines = [line for line in block.split("\n") if REF.search(line)]
        refs = {m.group("ref") for line in lines for m in REF.finditer(line)}
        assert len(refs) == 1, block  # every sentence of a clause cites that clause
        clauses.append((refs.pop(), REF.sub("", "\n".join(lines))))
    return clauses


def measured(text: str) -> str | None:
    """A quantity of the text that is not a date (7700亿元, ≥700家, 6.5%)."""
    return next((q for q in quantities(text) if q[-1] not in "年月日"), None)


def quoted_statements(clauses: list[tuple[str, str]], count: int = 1) -> list[tuple[str, str, str]]:
    """(ref, sentence, quantity) for the first sentence with a measured quantity in each of the first
    `count` clauses that have one."""
    found = []
    for ref, text in clauses:
        sentences = [s.strip() for line in text.split("\n") for s in split_sentences(line)]
        match = next(((ref, s, measured(s)) for s in sentences if measured(s)), None)
        if match:
            found.append(match)
        if len(found) == count:
            return found
    assert found, "no clause with a quantity in the prompt"
    return found


def quoted_statement(clauses: list[tuple[str, str]]) -> tuple[str, str, str]:
    return quoted_statements(clauses)[0]


def fabricate(quantity: str, sources: str) -> str:
    """The same kind of quantity with a number that none of `sources` contains."""
    number = re.search(r"\d+(?:\.\d+)?", quantity).group(0)
    value = int(float(number)) * 10 + 3
    while quantity_occurs(quantity.replace(number, str(value), 1), sources):
        value += 1
    return quantity.replace(number, str(value), 1)


def asked_clauses(body: dict) -> list[tuple[str, str]]:
    """The prompt's clauses that speak of what the question asks about (its words before 的目标), as a
    model answers from; all of them when none does."""
    clauses = prompt_clauses(body)
    asked = re.search(r"问题：(.+?)的目标", body["messages"][-1]["content"])
    return [c for c in clauses if asked and asked.group(1) in c[1]] or clauses


def cited_answer(body: dict) -> str:
    """Two statements quoted from the prompt's clauses about the question, each with its reference: the
    first sentence with a quantity of each of the first two, or of the only one and another of its sentences."""
    clauses = asked_clauses(body)
    statements = [(ref, sentence) for ref, sentence, _ in quoted_statements(clauses, 2)]
    if len(statements) == 1:
        ref, first = statements[0]
        text = dict(clauses)[ref]
        statements += [(ref, s.strip()) for s in split_sentences(text) if len(s) > 8 and s.strip() != first][:1]
    return "\n".join(f"{sentence}【{ref}】" for ref, sentence in statements)


def fabricated_quantity(body: dict) -> tuple[str, str]:
    """(true quantity, a fabricated one of the same kind) for the prompt's first quoted statement."""
    clauses = prompt_clauses(body)
    quantity = quoted_statement(clauses)[2]
    return quantity, fabricate(quantity, "\n".join(t for _, t in clauses))


def fabricated_answer(body: dict) -> str:
    """A true statement, then the same statement with its number changed, both citing the clause."""
    ref, sentence, _ = quoted_statement(prompt_clauses(body))
    quantity, wrong = fabricated_quantity(body)
    return f"{sentence}【{ref}】\n{sentence.replace(quantity, wrong, 1)}【{ref}】"


# -- fixtures ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def server():
    with FakeOpenAI() as fake:
        yield fake


@pytest.fixture(scope="module")
def answerer(settings, assistant, server):
    configured = replace(settings, llm_base_url=server.base_url, llm_model="fake-model", llm_api_key=None,
                         llm_timeout=TIMEOUT)
    return GenerativeAnswerer(configured, assistant)


@pytest.fixture(scope="module")
def question(document) -> str:
    """A question about a clause that states a measured target, asked by its heading."""
    clause = next(c for c in document.clauses
                  if c.kind == "clause" and c.level >= 3 and c.heading and measured(c.text))
    return f"{clause.heading}的目标是多少？"


def run(answerer: GenerativeAnswerer, question: str, mode: str) -> tuple[Answer, list[str]]:
    """The final answer shown to the user and, when streaming, the partial texts shown before it."""
    if mode == "answer":
        return answerer.answer(question), []
    items = list(answerer.stream(question))
    final = items[-1]
    assert isinstance(final, Generation) and (final.source == "llm") == (final.outcome == Outcome.ANSWERED)
    assert bool(final.reason) == (final.outcome not in (Outcome.ANSWERED, Outcome.PLAN_SILENT, Outcome.NOT_ASKED))
    assert all(isinstance(item, str) for item in items[:-1])
    return final.answer, items[:-1]


def assert_fallback(answer: Answer, assistant, question: str, *phrases: str) -> None:
    extractive = assistant.ask(question)
    notice = answer.text.split("\n", 1)[0]
    assert notice.startswith("（") and notice.endswith("已改用原文摘录）"), answer.text
    for phrase in phrases:
        assert phrase in notice
    assert answer.text == f"{notice}\n{extractive.text}"
    assert notice in answer.notice
    assert answer.refused == extractive.refused
    assert [c.ref for c in answer.citations] == [c.ref for c in extractive.citations]


# -- through the endpoint ----------------------------------------------------------------------


@pytest.mark.parametrize("mode", MODES)
def test_well_cited_answer_is_shown_as_written(answerer, server, question, mode):
    server.script(Reply(cited_answer))
    answer, partials = run(answerer, question, mode)
    expected = cited_answer(server.requests[0])
    assert answer.text == expected and not answer.notice and not answer.refused
    statements = [line.rsplit("【", 1) for line in expected.split("\n")]
    assert [(s.text, s.ref) for s in answer.statements] == [(text, ref[:-1]) for text, ref in statements]
    assert [c.ref for c in answer.citations] == list(dict.fromkeys(ref[:-1] for _, ref in statements))
    if mode == "stream":  # verified statements appear one by one, each display a prefix of the final text
        assert len(statements) == 1 or partials
        assert all(answer.text.startswith(p) and p != answer.text for p in partials)


def test_request_carries_the_needed_clauses_rules_and_a_token_limit(answerer, server, assistant, document, question):
    server.script(Reply(cited_answer))
    answerer.answer(question)
    body = server.requests[0]
    assert body["model"] == "fake-model" and body["stream"] is True  # streamed, so a timeout can cancel it
    assert body["max_tokens"] == answerer.settings.llm_max_tokens
    _, hits = assistant.retrieve(question)
    quoted = [document.clause(c.ref) for c in assistant.ask(question).citations]
    clauses = prompt_clauses(body)
    refs = [ref for ref, _ in clauses]
    assert refs == [c.ref for c in context_clauses(hits, quoted)]
    assert set(refs) >= {c.ref for c in quoted}  # every clause the extracted answer quotes
    ranks = [next((i for i, h in enumerate(hits) if h.clause.ref == ref), len(hits)) for ref in refs]
    assert ranks == sorted(ranks)  # in retrieval order: a small model answers from the first it reads
    for block, ref in zip(prompt_blocks(body), refs, strict=True):  # the text unchanged, under its section
        clause = document.clause(ref)
        parent = clause.title_path[-2] if len(clause.title_path) > 1 else ""
        assert REF.sub("", block) == "\n".join(filter(None, [parent, clause.text]))
        sentences = [s for line in block.split("\n")[1:] for s in split_sentences(line)]
        assert all(f"【{ref}】" in s for s in sentences if s.rstrip("。；") != clause.title_path[-1])
    assert question in body["messages"][-1]["content"]
    assert REFUSAL in body["messages"][0]["content"]
    # the worked example is a finished exchange before the question, citing refs the question's clauses lack
    assert [m["role"] for m in body["messages"]] == ["system", "user", "assistant", "user"]
    assert re.search(r"【[^】]+】", body["messages"][2]["content"])


@pytest.mark.parametrize("mode", MODES)
def test_fabricated_number_falls_back_and_is_never_shown(answerer, server, assistant, question, mode):
    server.script(Reply(fabricated_answer))
    answer, partials = run(answerer, question, mode)
    _, wrong = fabricated_quantity(server.requests[0])
    assert_fallback(answer, assistant, question, "未通过核验", wrong)
    assert not any(wrong in p for p in partials)
    if mode == "stream":  # the verified first statement was already on screen; the second never was
        assert partials == [fabricated_answer(server.requests[0]).split("\n")[0]]


@pytest.mark.parametrize("mode", MODES)
def test_a_calculation_the_question_does_not_ask_for_is_left_out(answerer, server, question, mode):
    def calculating(body: dict) -> str:  # a wrong calculation: it would fail, were it checked
        return f"{cited_answer(body)}\n计算：1+1=3【{prompt_clauses(body)[0][0]}】"

    server.script(Reply(calculating))
    answer, partials = run(answerer, question, mode)
    assert answer.text == cited_answer(server.requests[0]) and not answer.notice
    assert not any("1+1=3" in p for p in partials)


@pytest.mark.parametrize("mode", MODES)
def test_citing_a_clause_not_retrieved_falls_back(answerer, server, assistant, document, question, mode):
    def unretrieved_answer(body: dict) -> str:
        given = {ref for ref, _ in prompt_clauses(body)}
        others = [(c.ref, c.text) for c in document.clauses if c.ref not in given and measured(c.text)]
        ref, sentence, _ = quoted_statement(others)  # a true sentence of the plan, from a clause not given
        return f"{sentence}【{ref}】"

    server.script(Reply(unretrieved_answer))
    answer, partials = run(answerer, question, mode)
    cited = unretrieved_answer(server.requests[0])
    assert_fallback(answer, assistant, question, "未检索到的条款", cited[cited.rindex("【"):])
    assert partials == []


@pytest.mark.parametrize("mode", MODES)
def test_answer_without_citation_falls_back(answerer, server, assistant, question, mode):
    server.script(Reply(lambda body: quoted_statement(prompt_clauses(body))[1]))
    answer, _ = run(answerer, question, mode)
    assert_fallback(answer, assistant, question, "没有标注引用")


UNCOVERED = "规划对海底隧道掘进机的采购补贴标准是多少？"  # nothing in the plan answers it


@pytest.mark.parametrize("mode", MODES)
def test_when_the_plan_is_silent_its_refusal_is_the_answer_and_the_model_is_not_asked(answerer, server, assistant,
                                                                                      mode):
    expected = assistant.ask(UNCOVERED)
    assert expected.refused
    server.script(Reply(cited_answer))
    answer, partials = run(answerer, UNCOVERED, mode)
    assert answer.to_dict() == expected.to_dict() and partials == [] and server.requests == []
    assert answerer.generate(UNCOVERED).outcome == Outcome.PLAN_SILENT


@pytest.mark.parametrize("mode", MODES)
def test_refusal_is_overridden_when_the_plan_answers(answerer, server, assistant, question, mode):
    assert not assistant.ask(question).refused
    server.script(Reply(f"{REFUSAL}。所给条款没有提到这个问题。"))
    answer, _ = run(answerer, question, mode)
    assert_fallback(answer, assistant, question, "大模型称规划中没有相关内容")
    assert not answer.refused and answerer.generate(question).outcome == Outcome.REFUSAL_OVERRIDDEN


@pytest.mark.parametrize("mode", MODES)
def test_answer_from_clauses_the_extracted_answer_does_not_quote_falls_back(answerer, server, assistant, question,
                                                                            mode):
    quoted = {c.ref for c in assistant.ask(question).citations}
    server.script(Reply(lambda body: "\n".join(f"{s}【{ref}】" for ref, s, _ in
                                               quoted_statements([c for c in prompt_clauses(body)
                                                                  if c[0] not in quoted]))))
    answer, _ = run(answerer, question, mode)
    # those clauses do not speak of what the question names, so no statement is left (the verifier tests
    # check an answer on topic that cites none of the quoted clauses)
    assert_fallback(answer, assistant, question, "回答没有一句说到问题所问的")
    assert answerer.generate(question).check == Check.OFF_TOPIC


@pytest.mark.parametrize("mode", MODES)
def test_partial_refusal_is_overridden_when_the_plan_answers(answerer, server, assistant, question, mode):
    assert not assistant.ask(question).refused
    server.script(Reply(lambda body: cited_answer(body) + "。其他方面所给条款没有提到。"))
    answer, _ = run(answerer, question, mode)
    assert_fallback(answer, assistant, question, "只涉及问题的一部分")


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("body", ["this is not json", '{"result": "ok"}', '{"choices": []}'])
def test_malformed_output_falls_back(answerer, server, assistant, question, mode, body):
    server.script(Reply(raw_body=body))
    answer, _ = run(answerer, question, mode)
    if body == '{"choices": []}':  # a well-formed stream that says nothing
        assert_fallback(answer, assistant, question, "回答为空")
    else:
        assert_fallback(answer, assistant, question, "无法解析")


@pytest.mark.parametrize("mode", MODES)
def test_http_error_falls_back(answerer, server, assistant, question, mode):
    server.script(Reply(status=503))
    answer, _ = run(answerer, question, mode)
    assert_fallback(answer, assistant, question, "HTTP 503")


@pytest.mark.parametrize("mode", MODES)
def test_hanging_endpoint_times_out_and_falls_back(answerer, server, assistant, question, mode):
    server.script(Reply(cited_answer, delay=TIMEOUT * 10))  # e.g. a server still reading a long prompt
    answer, partials = run(answerer, question, mode)
    assert time.monotonic() - server.received[0] < TIMEOUT + 1.0  # the budget counts the wait for the first token
    assert_fallback(answer, assistant, question, "超时")
    assert partials == []


def test_slow_generation_is_cut_at_the_deadline_and_cancelled_upstream(answerer, server, assistant, question):
    server.script(Reply(lambda body: cited_answer(body) * 20, chunk_delay=0.05))  # would take far longer
    attempt = answerer.generate(question)
    assert time.monotonic() - server.received[0] < TIMEOUT + 1.0
    assert attempt.outcome == Outcome.TIMEOUT
    assert_fallback(attempt.answer, assistant, question, "超时")
    assert server.hung_up.wait(3)  # the stream was closed, so the server stops generating


def test_stream_that_stalls_midway_keeps_only_verified_text(answerer, server, assistant, question):
    server.script(Reply(cited_answer))
    answerer.answer(question)
    first = cited_answer(server.requests[0]).split("\n")[0]
    # the endpoint hangs once the first statement and the start of a second one have arrived
    server.script(Reply(f"{first}\n{first}", stall_after=len(first) // CHUNK_CHARS + 2))
    answer, partials = run(answerer, question, "stream")
    assert partials and partials[-1] == first
    assert_fallback(answer, assistant, question, "超时")


def test_endpoint_down_falls_back(settings, assistant, question):
    with socket.socket() as probe:  # a port with nothing listening
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    down = replace(settings, llm_base_url=f"http://127.0.0.1:{port}/v1", llm_model="m", llm_timeout=TIMEOUT)
    answerer = GenerativeAnswerer(down, assistant)
    for mode in MODES:
        answer, partials = run(answerer, question, mode)
        assert_fallback(answer, assistant, question, "无法连接")
        assert partials == []


def test_without_configuration_the_extractive_answer_is_unchanged(settings, assistant, question):
    plain = GenerativeAnswerer(replace(settings, llm_base_url=None, llm_model=None), assistant)
    assert not plain.enabled
    expected = assistant.ask(question).to_dict()
    assert plain.answer(question).to_dict() == expected
    assert [(item.answer.to_dict(), item.source) for item in plain.stream(question)] == [(expected, "extractive")]


def test_empty_question_gets_the_usual_prompt_without_a_request(answerer, server, assistant):
    server.script(Reply(cited_answer))
    assert answerer.answer("  \n").to_dict() == assistant.ask("  \n").to_dict()
    assert server.requests == []


# -- the checks themselves, on real clauses ----------------------------------------------------


@pytest.fixture(scope="module")
def measured_clause(document):
    return next(c for c in document.clauses if c.kind == "clause" and re.search(r"\d\d+(?:\.\d+)?亿元", c.text))


def test_number_checks_respect_digit_boundaries(measured_clause):
    quantity = re.search(r"\d\d+(?:\.\d+)?亿元", measured_clause.text).group(0)
    verifier = Verifier([measured_clause])
    assert verifier.check(f"营收{quantity}【{measured_clause.ref}】").ok
    for wrong in ("1" + quantity, quantity[1:]):  # a digit added, or the leading digit dropped
        verdict = verifier.check(f"营收{wrong}【{measured_clause.ref}】")
        assert not verdict.ok and wrong in verdict.reason


def test_comparators_must_match(document):
    row = next(c for c in document.clauses if c.kind == "indicator" and re.search(r"≥\d", c.text))
    bound = re.search(r"≥(\d+(?:\.\d+)?\S?)", row.text)
    verifier = Verifier([row])
    assert verifier.check(f"目标为≥{bound.group(1)}【{row.ref}】").ok
    assert not verifier.check(f"目标为≤{bound.group(1)}【{row.ref}】").ok


def test_citation_forms_are_canonicalised(document, measured_clause):
    row = next(c for c in document.clauses if c.kind == "indicator")
    verifier = Verifier([measured_clause, row])
    half_width = measured_clause.ref.replace("（", "(").replace("）", ")")
    loose_row = row.ref.replace("·", "")
    verdict = verifier.check(f"见条款【{half_width}；{loose_row}】")
    assert verdict.ok
    assert verdict.text == f"见条款【{measured_clause.ref}】【{row.ref}】"
    assert [c.ref for c in verdict.cited] == [measured_clause.ref, row.ref]


def test_list_markers_and_reasoning_are_not_numbers(measured_clause):
    quantity = re.search(r"\d\d+(?:\.\d+)?亿元", measured_clause.text).group(0)
    ref = measured_clause.ref
    raw = f"<think>也许是99999亿元？</think>\n1. 营收{quantity}【{ref}】\n2. {measured_clause.heading}【{ref}】"
    verdict = Verifier([measured_clause]).check(raw)
    assert verdict.ok, verdict.reason
    assert "99999" not in verdict.text and verdict.text.startswith("1. 营收")
    assert len(verdict.statements) == 2


def test_refusal_may_repeat_the_questions_number_but_not_invent_one(measured_clause):
    verifier = Verifier([measured_clause], question="营收目标是不是12345亿元？")
    refusal = verifier.check(f"{REFUSAL}。规划中没有12345亿元的说法。")
    assert refusal.ok and refusal.refused
    assert not verifier.check(f"{REFUSAL}。但预计会达到54321亿元。").ok


# -- verification that means it: lax cases rejected, false rejections gone ----------------------

AMOUNT = r"\d\d+(?:\.\d+)?亿元"
_CN = "零一二三四五六七八九"


def chinese(number: int) -> str:
    """An integer below 10000 in Chinese characters (7700 → 七千七百, 1050 → 一千零五十)."""
    out, zero = "", False
    for value, unit in ((1000, "千"), (100, "百"), (10, "十"), (1, "")):
        digit = number // value % 10
        if digit:
            out += ("零" if zero and out else "") + _CN[digit] + unit
            zero = False
        elif out:
            zero = True
    return out


@pytest.fixture(scope="module")
def two_targets(document):
    """Two clauses that each state one amount in 亿元 (different ones), with their amounts."""
    found = []
    for clause in document.clauses:
        amounts = re.findall(AMOUNT, clause.text)
        if clause.kind == "clause" and clause.heading and len(set(amounts)) == 1:
            if not found or amounts[0] != found[0][1]:
                found.append((clause, amounts[0]))
        if len(found) == 2:
            return found
    raise AssertionError("the plan has no two clauses with a single amount each")


def rows(document, predicate):
    return [row for row in document.indicators if predicate(row)]


def test_a_number_from_another_cited_clause_is_rejected(two_targets):
    (first, mine), (second, other) = two_targets
    verifier = Verifier([first, second], question=f"{first.heading}的目标是多少？")
    for answer in (f"目标是{other}【{first.ref}】【{second.ref}】",  # names no subject: the question's
                   f"{first.heading}目标是{other}【{first.ref}】【{second.ref}】",  # names the first's subject
                   f"{first.heading}目标是{other}【{second.ref}】【{first.ref}】"):
        verdict = verifier.check(answer)
        assert verdict.check == Check.WRONG_CLAUSE and other in verdict.reason, answer
    both = f"{first.heading}目标是{mine}，{second.heading}目标是{other}【{first.ref}】【{second.ref}】"
    assert verifier.check(both).ok
    assert verifier.check(f"目标是{mine}【{second.ref}】【{first.ref}】").ok


def test_a_base_value_given_as_the_target_is_rejected(document):
    row = rows(document, lambda r: r.base_value and r.base_value.replace(".", "").isdigit()
               and r.base_value not in r.target_value)[0]
    clause = document.clause(row.ref)
    base, target = row.base_value + row.unit, row.target_value + row.unit
    verifier = Verifier([clause])
    verdict = verifier.check(f"{row.name}目标为{base}【{row.ref}】")
    assert verdict.check == Check.ROLE and "基期值" in verdict.reason
    assert verifier.check(f"{row.name}2030年为{base}【{row.ref}】").check == Check.ROLE
    assert verifier.check(f"{row.name}基期值为{base}，目标值为{target}【{row.ref}】").ok
    # unlabelled, a base value reads as the plan's target: it must say what it is
    verdict = verifier.check(f"{row.name}为{base}【{row.ref}】")
    assert verdict.check == Check.ROLE and "基期值" in verdict.reason
    year = re.search(r"基期值（(\d{4})年）", clause.text).group(1)
    assert verifier.check(f"{row.name}{year}年为{base}【{row.ref}】").ok
    assert verifier.check(f"{row.name}为{target}【{row.ref}】").ok


def test_a_bound_must_be_kept(document):
    row = rows(document, lambda r: r.target_value.startswith("≥"))[0]
    bare = row.target_value[1:] + row.unit
    verifier = Verifier([document.clause(row.ref)])
    verdict = verifier.check(f"目标值为{bare}【{row.ref}】")
    assert verdict.check == Check.BOUND and "≥" in verdict.reason
    for kept in (f"目标值为≥{bare}", f"目标值不低于{bare}", f"目标值为{bare}以上"):
        assert verifier.check(f"{kept}【{row.ref}】").ok, kept


def test_a_bound_stated_once_for_an_enumeration_may_be_repeated_or_left_off(document):
    clause, match = next((c, m) for c in document.clauses
                         if (m := re.search(r"不少于(\d+)家[^，。；、]*、(\d+)家", c.text)))
    second = match.group(2) + "家"
    verifier = Verifier([clause])
    assert verifier.check(f"建设{second}【{clause.ref}】").ok
    assert verifier.check(f"建设不少于{second}【{clause.ref}】").ok
    assert verifier.check(f"建设不超过{second}【{clause.ref}】").check == Check.BOUND


def test_numbers_in_chinese_characters_and_with_separators_are_checked(two_targets):
    (clause, amount), (_, other) = two_targets
    number = int(float(amount.removesuffix("亿元")))
    verifier = Verifier([clause])
    accepted = [f"营收{chinese(number)}亿元", f"营收{number:,}亿元", f"营收{number:,}亿元".replace(",", "，")]
    for answer in accepted:
        verdict = verifier.check(f"{answer}【{clause.ref}】")
        assert verdict.ok, (answer, verdict.reason)
    wrong = chinese(int(float(other.removesuffix("亿元"))))
    verdict = verifier.check(f"营收{wrong}亿元【{clause.ref}】")
    assert verdict.check == Check.NUMBER and other in verdict.reason


def test_computed_numbers_must_follow_from_the_cited_numbers(document):
    row = rows(document, lambda r: r.unit == "%" and r.base_value and re.fullmatch(r"\d+(?:\.\d+)?", r.base_value)
               and re.fullmatch(r"≥?\d+(?:\.\d+)?", r.target_value))[0]
    base, target = float(row.base_value), float(row.target_value.lstrip("≥"))
    gap = f"{abs(target - base):.1f}"
    verifier = Verifier([document.clause(row.ref)], question=f"{row.name}要提高多少？")
    working = f"{max(base, target):g}%−{min(base, target):g}%={gap}个百分点"
    assert verifier.check(f"计算：{working}【{row.ref}】").ok
    assert verifier.check(f"两者相差{gap}个百分点【{row.ref}】").ok
    wrong = f"{abs(target - base) + 0.3:.1f}"
    assert verifier.check(f"计算：{working.replace(gap, wrong)}【{row.ref}】").check == Check.WORKING
    assert verifier.check(f"两者相差{wrong}个百分点【{row.ref}】").check == Check.NUMBER
    # a span of years between the row's base and target years is a computation too; another span is not
    span = int(re.search(r"\d{4}", row.target_label).group(0)) - int(re.search(r"\d{4}", row.base_label).group(0))
    stated = f"{row.base_label}{row.base_value}%，{row.target_label}{row.target_value}%"
    assert verifier.check(f"{span}年间，{stated}【{row.ref}】").ok
    assert verifier.check(f"{span + 2}年间，{stated}【{row.ref}】").check == Check.NUMBER


def test_citing_one_quoted_clause_or_a_clause_inside_one_is_enough(document, two_targets):
    (first, mine), (second, other) = two_targets
    child = next(c for c in document.clauses if c.parent not in (None, first.ref, second.ref)
                 and c not in (first, second) and re.search(AMOUNT, c.text))
    parent = document.clause(child.parent)
    amount = re.search(AMOUNT, child.text).group(0)
    verifier = Verifier([first, second, parent, child], required=[first, second, parent])
    assert verifier.check(f"{first.heading}目标是{mine}【{first.ref}】").ok  # one of two quoted clauses
    assert verifier.check(f"营收{amount}【{child.ref}】").ok  # inside a quoted clause
    only_elsewhere = Verifier([first, second, child], required=[first, second])
    verdict = only_elsewhere.check(f"营收{amount}【{child.ref}】")
    assert verdict.check == Check.INCOMPLETE and f"【{first.ref}】【{second.ref}】" in verdict.reason
    # citing one quoted clause does not let a number through from a clause the statement does not cite
    assert not verifier.check(f"{first.heading}目标是{other}【{first.ref}】").ok


def long_sentence(clause) -> str:
    return next((s.strip("。；，") for line in clause.text.split("\n") for s in split_sentences(line)
                 if len(s) >= 25 and not re.search(r"\d", s)), "")


def test_a_statement_cited_to_a_clause_that_does_not_say_it_is_rejected(document):
    mine = next(c for c in document.clauses if c.kind == "clause" and c.level == 3 and long_sentence(c))
    other = next(c for c in document.clauses
                 if c.kind == "clause" and c.level == 3 and c.title_path[0] != mine.title_path[0])
    sentence = long_sentence(mine)
    verifier = Verifier([mine, other])
    assert verifier.check(f"{sentence}【{mine.ref}】").ok
    assert verifier.check(f"{sentence}【{other.ref}】【{mine.ref}】").ok  # its own clause among those cited
    verdict = verifier.check(f"{sentence}【{other.ref}】")
    assert verdict.check == Check.UNSUPPORTED and other.ref in verdict.reason


def test_a_statement_may_name_things_as_the_question_does(document):
    row = next(r for r in document.indicators if r.target_value)
    clause = document.clause(row.ref)
    asked = "大家关心的那项投入指标每年增长要求"  # the question's own wording for the indicator
    statement = f"{asked}为{row.target_value}{row.unit}【{row.ref}】"
    assert Verifier([clause], question=f"{asked}是多少？").check(statement).ok
    assert Verifier([clause], question="是多少？").check(statement).check == Check.UNSUPPORTED


def test_a_cited_section_of_headings_stands_for_the_clause_inside_it_that_says_it(document):
    def headings_only(clause) -> bool:
        return all(line.strip() in clause.title_path for line in clause.text.split("\n") if line.strip())

    section = next(c for c in document.clauses if c.kind == "clause" and headings_only(c)
                   and len([k for k in document.clauses if k.parent == c.ref and re.search(AMOUNT, k.text)]) >= 2)
    children = [k for k in document.clauses if k.parent == section.ref and re.search(AMOUNT, k.text)]
    amounts = [re.search(AMOUNT, k.text).group(0) for k in children]
    verifier = Verifier([section, *children])
    for child, amount in zip(children, amounts):
        sentence = next(s for s in split_sentences(child.text) if amount in s)
        verdict = verifier.check(f"{sentence}【{section.ref}】")
        if amounts.count(amount) > 1:  # said by two clauses inside: which one is meant is not known
            assert not verdict.ok
            continue
        assert verdict.ok and verdict.text == f"{sentence}【{child.ref}】" and verdict.cited == (child,)
        wrong = fabricate(amount, "\n".join(k.text for k in children))
        assert not verifier.check(f"{sentence.replace(amount, wrong)}【{section.ref}】").ok


@pytest.fixture(scope="module")
def shared_word(document) -> tuple[str, list]:
    """A word that exactly two clauses of different sections use, and those two clauses."""
    clauses = [c for c in document.clauses if c.kind == "clause" and c.level == 3]
    for clause in clauses:
        for word in dict.fromkeys(re.findall(r"(?=([\u4e00-\u9fff]{4}))", clause.text)):
            holders = [c for c in clauses if word in c.text + "".join(c.title_path)]
            if len(holders) == 2 and holders[0].parent != holders[1].parent:
                return word, holders
    raise AssertionError("no word shared by exactly two clauses")


def unrelated(document, word: str, *avoid):
    """A clause that does not speak of `word`, in another section than any of `avoid`."""
    return next(c for c in document.clauses if c.kind == "clause" and c.level == 3 and long_sentence(c)
                and word not in c.text + "".join(c.title_path) and all(c.parent != a.parent for a in avoid))


def test_a_statement_whose_clause_does_not_speak_of_what_is_asked_is_left_out(document, shared_word):
    word, (mine, _) = shared_word
    other = unrelated(document, word, mine)
    sentence = next(s.rstrip("。；") for s in split_sentences(mine.text) if word in s)
    heading = other.title_path[-2]  # a section's heading cited to a clause in it: says nothing of the question
    verifier = Verifier([mine, other], f"哪里提到{word}", [mine], topics=((word,),))
    verdict = verifier.check(f"{sentence}【{mine.ref}】\n{heading}【{other.ref}】")
    assert verdict.ok and verdict.text == f"{sentence}【{mine.ref}】" and verdict.cited == (mine,)
    alone = verifier.check(f"{heading}【{other.ref}】")
    assert alone.check == Check.OFF_TOPIC and word in alone.reason
    # a question whose words no clause given holds sets no topic: the statement is judged as before
    assert Verifier([mine, other], "哪里提到海底隧道", topics=(("海底隧道",),)).check(f"{heading}【{other.ref}】").ok
    # the statement's clause may speak of it in another form the plan uses for the question's word
    assert Verifier([other], "问题", topics=(("海底隧道", heading),)).check(f"{heading}【{other.ref}】").ok


def test_an_answer_from_a_clause_that_misses_what_the_best_quoted_clause_names_is_incomplete(document, shared_word):
    word, (mine, theirs) = shared_word
    other = unrelated(document, word, mine, theirs)
    own = next(w for w in re.findall(r"(?=([\u4e00-\u9fff]{2}))", other.heading) if w in mine.text)
    topics = ((word,), (own,))  # both the quoted clause holds; the answer's clause only the second
    sentence = long_sentence(other)
    verifier = Verifier([mine, other], f"{own}和{word}", [mine, other], topics)
    verdict = verifier.check(f"{sentence}【{other.ref}】")
    assert verdict.check == Check.INCOMPLETE and word in verdict.reason and f"【{mine.ref}】" in verdict.reason
    assert verifier.check(f"{long_sentence(mine)}【{mine.ref}】").ok
    # only the best quoted clause (given first) sets what must be covered
    assert Verifier([mine, other], f"{own}和{word}", [other, mine], topics).check(f"{sentence}【{other.ref}】").ok


def test_a_list_that_misses_a_quoted_item_is_incomplete(document, shared_word):
    word, (first, second) = shared_word
    statements = [f"{next(s.rstrip('。；') for s in split_sentences(c.text) if word in s)}【{c.ref}】"
                  for c in (first, second)]
    listing = Verifier([first, second], f"哪几个地方提到{word}", [first, second], ((word,),), listing=True)
    verdict = listing.check(statements[0])
    assert verdict.check == Check.INCOMPLETE and f"【{second.ref}】" in verdict.reason
    assert listing.check("\n".join(statements)).ok
    # not a list question: one of the quoted clauses is enough
    assert Verifier([first, second], f"{word}怎么做", [first, second], ((word,),)).check(statements[0]).ok


def test_a_list_of_the_items_inside_a_quoted_section_is_complete(document):
    section = next(c for c in document.clauses if c.kind == "clause"
                   and len([k for k in document.clauses if k.parent == c.ref]) >= 3)
    items = [k for k in document.clauses if k.parent == section.ref]
    word = section.heading[-2:]  # every item's headings hold the section's heading
    verifier = Verifier([section, *items], f"{word}有哪些", [section, *items], ((word,),), listing=True)
    answer = "\n".join(f"{k.heading}【{k.ref}】" for k in items)
    assert verifier.check(answer).ok
    for partial in (f"{section.heading}【{section.ref}】", "\n".join(answer.split("\n")[:-1])):
        assert verifier.check(partial).check == Check.INCOMPLETE  # the section alone names no item


def test_a_statement_that_only_repeats_the_question_is_left_out(document):
    clause = next(c for c in document.clauses if c.kind == "clause" and c.level == 3 and len(c.heading) >= 4
                  and long_sentence(c))
    verifier = Verifier([clause], f"{clause.heading}主要围绕哪些方向", [clause], ((clause.heading,),))
    verdict = verifier.check(f"{clause.heading}【{clause.ref}】")
    assert verdict.check == Check.OFF_TOPIC and "复述" in verdict.reason
    sentence = long_sentence(clause)
    verdict = verifier.check(f"{clause.heading}【{clause.ref}】\n{sentence}【{clause.ref}】")
    assert verdict.ok and verdict.text == f"{sentence}【{clause.ref}】"


def test_a_place_the_question_names_must_be_in_the_statements_own_clause(document, assistant):
    level3 = [c for c in document.clauses if c.kind == "clause" and c.level == 3 and long_sentence(c)]
    place, mine = next((p, c) for p in assistant.tokenizer.places if p.kind == "city" for c in level3
                       if p.name in c.text)
    places = ((*place.forms, place.region),)
    other = next(c for c in level3 if not any(f in c.text + "".join(c.title_path) for f in places[0]))
    verifier = Verifier([mine, other], f"我们是{place.name}的企业，有什么支持", places=places)
    verdict = verifier.check(f"{place.name}{long_sentence(other)}【{other.ref}】")
    assert verdict.check == Check.UNSUPPORTED and place.name in verdict.reason and other.ref in verdict.reason
    assert verifier.check(f"{long_sentence(other)}【{other.ref}】").ok  # not said of the place
    said = next(s.rstrip("。；") for s in split_sentences(mine.text) if place.name in s)
    assert verifier.check(f"{said}【{mine.ref}】").ok


def test_text_that_repeats_the_prompts_form_is_cut_off(measured_clause):
    quantity = re.search(AMOUNT, measured_clause.text).group(0)
    answer = f"营收{quantity}【{measured_clause.ref}】\n\n问题：还有什么？营收99999亿元"
    verdict = Verifier([measured_clause]).check(answer)
    assert verdict.ok and verdict.text == f"营收{quantity}【{measured_clause.ref}】"


def test_an_unrequested_calculation_is_left_out_and_a_requested_one_checked(measured_clause):
    quantity = re.search(AMOUNT, measured_clause.text).group(0)
    ref, number = measured_clause.ref, float(quantity.removesuffix("亿元"))
    answer = f"营收{quantity}【{ref}】\n计算：{number:g}÷5={number / 5 + 1:g}亿元【{ref}】"
    verdict = Verifier([measured_clause], question=f"{measured_clause.heading}的目标是多少？").check(answer)
    assert verdict.ok and verdict.text == f"营收{quantity}【{ref}】" and len(verdict.statements) == 1
    asked = Verifier([measured_clause], question=f"{measured_clause.heading}平均每年增加多少？").check(answer)
    assert not asked.ok and asked.check in (Check.NUMBER, Check.WORKING)
    uncited = answer.rsplit("【", 1)[0] + "。"  # the calculation after the last citation, citing nothing
    verdict = Verifier([measured_clause], question=f"{measured_clause.heading}的目标是多少？").check(uncited)
    assert verdict.ok and verdict.text == f"营收{quantity}【{ref}】"
    asked = Verifier([measured_clause], question=f"{measured_clause.heading}平均每年增加多少？").check(uncited)
    assert not asked.ok


def test_an_answer_gives_what_the_question_asks_for(document, measured_clause):
    notice = next(c for c in document.clauses if c.kind == "notice")
    dated = next(line for line in notice.text.split("\n") if re.search(r"\d{4}年\d{1,2}月\d{1,2}日", line))
    undated = next(line for line in notice.text.split("\n") if len(line) >= 10 and not re.search(r"\d", line))
    when = Verifier([notice], question="这份文件是什么时候印发的？")
    verdict = when.check(f"{undated}【{notice.ref}】")
    assert verdict.check == Check.UNANSWERED and "日期" in verdict.reason
    assert when.check(f"{dated}【{notice.ref}】").ok
    quantity = re.search(AMOUNT, measured_clause.text).group(0)
    amount = Verifier([measured_clause], question=f"{measured_clause.heading}的目标是多少？")
    assert amount.check(f"{long_sentence(measured_clause)}【{measured_clause.ref}】").check == Check.UNANSWERED
    assert amount.check(f"营收{quantity}【{measured_clause.ref}】").ok


def test_an_opening_citation_is_not_a_statement(measured_clause):
    quantity = re.search(AMOUNT, measured_clause.text).group(0)
    ref = measured_clause.ref
    verifier = Verifier([measured_clause])
    for answer in (f"根据条款编号【{ref}】，营收达到{quantity}。", f"根据条款编号【{ref}】，营收达到{quantity}【{ref}】。"):
        verdict = verifier.check(answer)
        assert verdict.ok and [s.text for s in verdict.statements] == [f"营收达到{quantity}"], answer
    assert verifier.check(f"根据【{ref}】，营收达到1{quantity}。").check == Check.NUMBER


def test_loose_citation_forms_are_accepted(document, measured_clause):
    row = next(c for c in document.clauses if c.kind == "indicator")
    verdict = Verifier([measured_clause, row]).check(f"见[{measured_clause.ref}]和【{row.ref.split('·')[1]}】")
    assert verdict.ok and verdict.text == f"见【{measured_clause.ref}】和【{row.ref}】"


# -- in the chat -------------------------------------------------------------------------------


def chat(assistant, answerer, question: str) -> tuple[list[str], list[dict], list]:
    """Each reply the chat displayed while answering, then the final history and turns."""
    shown, history, turns = [], [], []
    for history, turns in respond(assistant, question, [], [], answerer):
        assert history[0]["role"] == "user" and len(history) <= 2
        shown.append(history[-1]["content"])
    return shown, history, turns


def test_chat_streams_verified_statements_then_the_linked_answer(answerer, server, assistant, question):
    server.script(Reply(cited_answer))
    shown, history, turns = chat(assistant, answerer, question)
    expected = cited_answer(server.requests[0])
    *partials, last = shown
    assert partials and all(p.endswith(STREAMING_MARK) for p in partials)
    assert escape_markdown(expected.split("\n")[0]) in partials[-1]
    assert last == f"{answer_markdown(turns[0].answer)}\n\n{GENERATED_NOTE}"
    assert turns[0].answer.text == expected and turns[0].message_index == 1
    for citation in turns[0].answer.citations:
        assert clause_link(citation.doc_id, citation.ref) in last


def test_chat_never_shows_a_rejected_statement(answerer, server, assistant, question):
    server.script(Reply(fabricated_answer))
    shown, _, turns = chat(assistant, answerer, question)
    _, wrong = fabricated_quantity(server.requests[0])
    assert not any(wrong in text for text in shown[:-1])
    assert shown[-1] == answer_markdown(turns[0].answer) and GENERATED_NOTE not in shown[-1]
    assert "未通过核验" in shown[-1] and "已改用原文摘录" in shown[-1]
    assert turns[0].answer.citations == assistant.ask(question).citations


@pytest.mark.parametrize("reply", [Reply(status=503), Reply(raw_body="garbage"), Reply(cited_answer, delay=TIMEOUT * 10)])
def test_chat_shows_the_extractive_answer_when_the_endpoint_fails(answerer, server, assistant, question, reply):
    server.script(reply)
    shown, history, turns = chat(assistant, answerer, question)
    assert len(shown) == 1 and "已改用原文摘录" in shown[0] and "Traceback" not in shown[0]
    assert turns[0].answer.text.endswith(assistant.ask(question).text)


# -- in the evaluation -------------------------------------------------------------------------


def test_eval_counts_verified_model_answers_and_fallbacks_by_reason(answerer, server, assistant, question):
    questions = [EvalQuestion("a", question, "industry", [], [], False),
                 EvalQuestion("b", UNCOVERED, "out_of_scope", [], [], True),
                 EvalQuestion("c", question, "industry", [], [], False)]
    # the warm-up and a get a cited answer, c a refusal; b is never asked (the plan is silent on it)
    server.script(Reply(lambda body: cited_answer(body) if len(server.requests) < 3 else f"{REFUSAL}。"))
    answer, attempts = recorder(answerer)
    llm = evaluate_pipeline(assistant, questions, answer)
    summary = summarize_attempts(attempts[-3:], llm, evaluate_pipeline(assistant, questions, assistant.ask))
    assert summary["verified_model_answers"] == 1 and summary["verified_share"] == round(1 / 3, 4)
    assert summary["fallbacks"] == {"plan_silent": 1, "refusal_overridden": 1}
    assert summary["model_refusals_overridden"] == 1 and summary["answered_turned_into_refusals"] == 0
    assert "| verified model answers | 1/3 (0.33) | – |" in table(summary)

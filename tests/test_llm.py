"""Generative answers end in the right answer for the user, whatever the endpoint does.

A real OpenAI-compatible HTTP server on 127.0.0.1 (tests/fake_openai.py) plays the model. Its answers
are built at request time from the clauses the prompt actually carries, as a model would, so nothing
here states a fact of the plan."""

from __future__ import annotations

import re
import socket
from dataclasses import replace

import pytest

from fake_openai import CHUNK_CHARS, FakeOpenAI, Reply
from rag.app.chat import GENERATED_NOTE, STREAMING_MARK, answer_markdown, clause_link, escape_markdown, respond
from rag.text import split_sentences
from rag.qa.answerers.generative import REFUSAL, GenerativeAnswerer, Verifier, context_clauses, quantities, quantity_occurs
from rag.schema import Answer, Generation

TIMEOUT = 1.5
CLAUSE_BLOCK = re.compile(r"【(?P<ref>[^】\n]+)】[^\n]*\n(?P<text>.*?)(?=\n\n【|\n\n问题：)", re.S)
MODES = ("answer", "stream")


# -- the scripted "model" ----------------------------------------------------------------------


def prompt_clauses(body: dict) -> list[tuple[str, str]]:
    """(ref, text) of each clause the request's prompt carries."""
    prompt = body["messages"][-1]["content"]
    return [(m.group("ref"), m.group("text")) for m in CLAUSE_BLOCK.finditer(prompt)]


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


def cited_answer(body: dict) -> str:
    """One or two statements quoted from the prompt's clauses, each with its reference."""
    return "\n".join(f"{sentence}【{ref}】" for ref, sentence, _ in quoted_statements(prompt_clauses(body), 2))


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
    assert isinstance(final, Generation) and final.source == ("extractive" if final.reason else "llm")
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


def test_request_carries_the_retrieved_clauses_and_rules(answerer, server, assistant, question):
    server.script(Reply(cited_answer))
    answerer.answer(question)
    body = server.requests[0]
    assert body["model"] == "fake-model" and not body.get("stream")
    _, hits = assistant.retrieve(question)
    assert [ref for ref, _ in prompt_clauses(body)] == [c.ref for c in context_clauses(hits)]
    assert question in body["messages"][-1]["content"]
    assert REFUSAL in body["messages"][0]["content"]


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


@pytest.mark.parametrize("mode", MODES)
def test_refusal_is_shown_as_refused_with_the_nearest_clauses(answerer, server, question, mode):
    server.script(Reply(f"{REFUSAL}。所给条款没有提到这个问题。"))
    answer, _ = run(answerer, question, mode)
    assert answer.refused and answer.text.startswith(REFUSAL) and not answer.notice
    given = [ref for ref, _ in prompt_clauses(server.requests[0])]
    assert [c.ref for c in answer.citations] == given[:3]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("body", ["this is not json", '{"result": "ok"}', '{"choices": []}'])
def test_malformed_output_falls_back(answerer, server, assistant, question, mode, body):
    server.script(Reply(raw_body=body))
    answer, _ = run(answerer, question, mode)
    if body == '{"choices": []}' and mode == "stream":  # a well-formed stream that says nothing
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
    server.script(Reply(cited_answer, delay=TIMEOUT * 10))
    answer, partials = run(answerer, question, mode)
    assert_fallback(answer, assistant, question, "超时")
    assert partials == []


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

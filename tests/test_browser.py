"""The running app in headless Chromium (Debian's /usr/bin/chromium, driven by Playwright): ask, see a
cited answer, click the citation, see the clause. Screenshots and timings go to artifacts/browser/."""

from __future__ import annotations

import json
import socket
import time
from dataclasses import replace
from pathlib import Path
from urllib.parse import urljoin

import pytest

from fake_openai import CHUNK_CHARS, FakeOpenAI, Reply
from rag.app.chat import STREAMING_MARK
from rag.config import Settings
from rag.app.feedback import FeedbackStore
from rag.qa.answerers.generative import GenerativeAnswerer
from rag.app.server import SerializedAssistant, serving_in_background

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts" / "browser"
ANSWER_TIMEOUT_MS = 60_000
BOT = '#chat [data-testid="bot"]'


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def feedback(tmp_path_factory) -> FeedbackStore:
    return FeedbackStore(tmp_path_factory.mktemp("browser") / "feedback.sqlite3")


ADMIN_TOKEN = "browser-admin-token"


def app_serving(assistant, feedback, answerer=None):
    from app import build_app  # the app module at the repository root

    settings = replace(Settings.from_env(), admin_token=ADMIN_TOKEN)  # the page offers the feedback export
    app = build_app(SerializedAssistant(assistant), feedback, answerer, settings)
    return serving_in_background(app, "127.0.0.1", free_port())


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        pytest.skip("Chromium is not installed: apt-get install -y chromium")
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def open_page(browser, url: str):
    page = browser.new_page(viewport={"width": 1400, "height": 1000}, locale="zh-CN")
    page.goto(url)
    page.wait_for_selector("#question textarea")
    return page


@pytest.fixture(scope="module")
def page(browser, assistant, feedback):
    with app_serving(assistant, feedback) as url:
        page = open_page(browser, url)
        yield page
        page.close()


def ask(page, question: str) -> float:
    """Type a question, press send; seconds from the click until the answer is shown."""
    before = page.locator(BOT).count()
    page.fill("#question textarea", question)
    started = time.perf_counter()
    page.click("#send")
    page.wait_for_function(f"document.querySelectorAll('{BOT}').length > {before}", timeout=ANSWER_TIMEOUT_MS)
    return time.perf_counter() - started


def wait_for_note(page, text: str) -> None:
    script = "text => document.querySelector('#feedback-note').innerText.includes(text)"
    page.wait_for_function(script, arg=text, timeout=ANSWER_TIMEOUT_MS)


def test_ask_click_citation_and_see_the_clause(page, assistant):
    questions = ["到2030年新材料产业营收目标是多少？", "那2025年呢？", "未来产业包括哪些领域？"]
    timings = {q: round(ask(page, q), 3) for q in questions}

    answers = page.locator(BOT)
    assert answers.count() == len(questions)
    assert "结合上一问，理解为" in answers.nth(1).inner_text()
    first = answers.nth(0)
    expected = assistant.ask(questions[0])
    assert expected.statements[0].text.rstrip("。")[:10] in first.inner_text()

    citation = first.locator('a[href^="#clause="]').first
    ref = citation.inner_text().strip("【】")
    clause = assistant.show(ref)
    assert clause is not None, f"citation {ref!r} is not a clause"
    started = time.perf_counter()
    citation.click()
    page.wait_for_function(
        "text => document.querySelector('#clause-panel').innerText.includes(text)",
        arg=clause.text.split("\n")[-1][-20:],
        timeout=ANSWER_TIMEOUT_MS,
    )
    timings["点击引用→条款显示"] = round(time.perf_counter() - started, 3)
    panel = page.inner_text("#clause-panel")
    assert clause.title_path[-1] in panel and clause.title_path[0] in panel  # its place in the outline

    first.locator("summary").click()  # the evidence, collapsed until asked for
    assert first.locator("details[open] mark").first.is_visible()

    page.screenshot(path=str(ARTIFACTS / "chat.png"), full_page=True)
    (ARTIFACTS / "timings.json").write_text(json.dumps(timings, ensure_ascii=False, indent=1), encoding="utf-8")
    print("click-to-answer seconds:", timings)
    assert page.url.endswith("/")  # the link opened the panel, not a new page


def test_bad_input_shows_a_message_in_the_chat(page):
    before = page.locator(BOT).count()
    page.fill("#question textarea", "")
    page.click("#send")
    page.wait_for_function(f"document.querySelectorAll('{BOT}').length > {before}", timeout=ANSWER_TIMEOUT_MS)
    assert "请输入问题" in page.locator(BOT).last.inner_text()

    ask(page, "新材料产业的发展" * 2500)
    assert "问题过长" in page.locator(BOT).last.inner_text()


def test_feedback_from_the_page_is_stored(page, feedback):
    ask(page, "到2030年新材料产业营收目标是多少？")
    page.locator('#chat button[aria-label="踩"]').last.click()  # 👎 under that answer (zh-CN labels)
    wait_for_note(page, "已记录")
    page.fill("#feedback-comment textarea", "希望注明数据年份")
    page.click("#feedback-submit")
    wait_for_note(page, "意见已保存")
    [record] = feedback.records()
    assert (record.rating, record.comment) == ("down", "希望注明数据年份")
    assert record.question == "到2030年新材料产业营收目标是多少？"

    page.get_by_text("反馈记录").click()
    page.fill("#admin-token input", ADMIN_TOKEN)
    page.click("#feedback-export")
    link = page.locator("#feedback-file a").first
    link.wait_for(timeout=ANSWER_TIMEOUT_MS)
    exported = page.request.get(urljoin(page.url, link.get_attribute("href"))).body().decode("utf-8-sig")
    assert "希望注明数据年份" in exported


def test_browse_outline_and_indicator_table(page, document):
    page.get_by_role("tab", name="浏览规划").click()
    table = page.locator(".indicators").first
    table.wait_for()
    for indicator in (document.indicators[0], document.indicators[-1]):
        assert indicator.name in table.inner_text()
    clause = next(c for c in document.clauses if c.kind == "clause" and c.level == 2)
    page.locator(".outline a", has_text=clause.title_path[-1]).first.click()
    page.wait_for_function(
        "text => document.querySelector('#clause-panel').innerText.includes(text)",
        arg=clause.text.split("\n")[0][:15],
        timeout=ANSWER_TIMEOUT_MS,
    )
    page.screenshot(path=str(ARTIFACTS / "browse.png"), full_page=True)


# -- with a model (the fake OpenAI-compatible server of tests/fake_openai.py) ----------------------
LLM_TIMEOUT = 4.0


@pytest.fixture(scope="module")
def model():
    with FakeOpenAI() as fake:
        yield fake


@pytest.fixture(scope="module")
def llm_page(browser, settings, assistant, feedback, model):
    configured = replace(settings, llm_base_url=model.base_url, llm_model="fake-model", llm_timeout=LLM_TIMEOUT)
    with app_serving(assistant, feedback, GenerativeAnswerer(configured, assistant)) as url:
        page = open_page(browser, url)
        yield page
        page.close()


def wait_for_reply(page, text: str) -> str:
    script = f"text => [...document.querySelectorAll('{BOT}')].some(e => e.innerText.includes(text))"
    page.wait_for_function(script, arg=text, timeout=ANSWER_TIMEOUT_MS)
    return page.locator(BOT).last.inner_text()


def test_generated_answer_streams_in_and_is_checked(llm_page, model, assistant):
    question = "到2030年新材料产业营收目标是多少？"
    quoted = assistant.ask(question).statements[0]  # a true sentence of a retrieved clause, as a model would write
    statement = f"{quoted.text}【{quoted.ref}】"

    model.script(Reply(statement))
    ask(llm_page, question)
    shown = wait_for_reply(llm_page, "本回答由大模型")
    assert quoted.text[:10] in shown and STREAMING_MARK.strip() not in shown

    # the model stalls after one statement: it stays on screen, marked unfinished, until the timeout
    model.script(Reply(f"{statement}\n{statement}", stall_after=len(statement) // CHUNK_CHARS + 2))
    llm_page.fill("#question textarea", question)
    llm_page.click("#send")
    partial = wait_for_reply(llm_page, STREAMING_MARK.strip())
    assert quoted.text[:10] in partial
    final = wait_for_reply(llm_page, "已改用原文摘录")
    assert "超时" in final and STREAMING_MARK.strip() not in final
    llm_page.screenshot(path=str(ARTIFACTS / "llm.png"), full_page=True)

"""The running app in headless Chromium (Debian's /usr/bin/chromium, driven by Playwright): ask, see a
cited answer, click the citation, see the clause; on a desktop (1400 px) and on a phone (390 px) every tab
on view, the clause opened where the user is, whole numbers in the target table, nothing over text or links,
downloads under Chinese names, no footer. Screenshots and timings go to artifacts/browser/."""

from __future__ import annotations

import json
import socket
import time
from dataclasses import replace
from pathlib import Path
from urllib.parse import unquote, urljoin

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
    from rag.app.ui import build_app

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


DESKTOP = {"width": 1400, "height": 1000}
PHONE = {"width": 390, "height": 844}


def open_page(browser, url: str, viewport: dict = DESKTOP):
    page = browser.new_page(viewport=viewport, locale="zh-CN")
    page.goto(url)
    page.wait_for_selector("#question textarea")
    return page


@pytest.fixture(scope="module")
def url(assistant, feedback):
    with app_serving(assistant, feedback) as url:
        yield url


@pytest.fixture(scope="module")
def page(browser, url):
    page = open_page(browser, url)
    yield page
    page.close()


@pytest.fixture(params=[PHONE, DESKTOP], ids=["390px", "1400px"])
def screen(request, browser, url):
    """A fresh page at a phone's and at a desktop's width."""
    page = open_page(browser, url, request.param)
    page.name = f"{request.param['width']}px"
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


# -- layout at 390 px and 1400 px ------------------------------------------------------------------
TABS = ("政策问答", "浏览规划", "企业政策匹配", "测验生成")
CITATION = '#chat a[href^="#clause="]'


def shot(page, name: str, full_page: bool = False) -> None:
    page.screenshot(path=str(ARTIFACTS / f"{name}-{page.name}.png"), full_page=full_page)


def in_view(page, selector: str) -> bool:
    """Whether the element is shown and some of it lies inside the window (not scrolled away)."""
    script = """selector => { const e = document.querySelector(selector); if (!e) return false;
      const r = e.getBoundingClientRect();
      return r.width > 0 && r.top < innerHeight - 40 && r.bottom > 40 && r.left < innerWidth && r.right > 0; }"""
    return page.evaluate(script, selector)


def wait_for_panel(page, text: str) -> None:
    script = "text => document.querySelector('#clause-panel').innerText.includes(text)"
    page.wait_for_function(script, arg=text, timeout=ANSWER_TIMEOUT_MS)


def test_every_tab_is_on_view_and_no_footer(screen):
    assert screen.locator(".overflow-menu").filter(visible=True).count() == 0  # no tab hidden behind "…"
    for title in TABS:
        tab = screen.get_by_role("tab", name=title)
        box = tab.bounding_box()
        assert tab.is_visible() and box["x"] >= 0 and box["x"] + box["width"] <= screen.viewport_size["width"]
    assert screen.evaluate("document.documentElement.scrollWidth <= innerWidth")  # nothing wider than the screen
    assert screen.locator("footer").filter(visible=True).count() == 0
    text = screen.inner_text("body")
    assert "Runs" not in text and "Gradio" not in text and "右侧" not in text  # and no wording for a wide layout only
    shot(screen, "tabs")


def test_a_citation_opens_the_clause_where_the_user_is(screen, assistant):
    question = "到2030年新材料产业营收目标是多少？"
    ask(screen, question)
    citation = screen.locator(CITATION).filter(visible=True).last  # in the 引用条款 line
    ref = citation.inner_text().strip("【】").split("】")[0]
    clause = assistant.show(ref)
    citation.click()
    wait_for_panel(screen, clause.text.split("\n")[-1][-15:])
    assert in_view(screen, "#clause-panel")
    shot(screen, "clause")
    if screen.viewport_size["width"] < 768:  # a sheet over the page: the close button takes it away
        screen.click("#clause-close")
        screen.wait_for_function("() => !document.querySelector('#clause-column').checkVisibility()")
    else:  # beside the tabs, also from far down the outline
        screen.get_by_role("tab", name="浏览规划").click()
        last = screen.locator(".outline a").last
        last.scroll_into_view_if_needed()
        last.click()
        wait_for_panel(screen, last.inner_text()[:6])
        assert in_view(screen, "#clause-panel")
        shot(screen, "clause-from-outline")


def test_indicator_table_scrolls_and_never_breaks_a_value(screen, document):
    screen.get_by_role("tab", name="浏览规划").click()
    box = screen.locator(".indicator-scroll").first
    box.scroll_into_view_if_needed()
    lines = """cells => cells.map(cell => { const range = document.createRange(); range.selectNodeContents(cell);
      return new Set([...range.getClientRects()].map(r => Math.round(r.top))).size; })"""
    values = box.locator("td.value")
    assert values.count() == 4 * len(document.indicators)  # number, unit, base, target
    assert set(values.evaluate_all(lines)) == {1}  # 51.7 and ≥6.5 stay whole
    assert set(box.locator("th").evaluate_all(lines)) == {1}  # headers on one line, not cut
    assert box.evaluate("e => e.getBoundingClientRect().right <= innerWidth")
    if screen.viewport_size["width"] < 768:
        assert box.evaluate("e => e.scrollWidth > e.clientWidth")  # wider than a phone: it scrolls sideways
    assert screen.evaluate("document.documentElement.scrollWidth <= innerWidth")
    shot(screen, "indicators")


def test_nothing_covers_the_answer_text_or_its_links(screen):
    ask(screen, "未来产业包括哪些领域？")
    ask(screen, "到2030年新材料产业营收目标是多少？")
    messages = screen.locator("#chat .bubble-wrap")
    messages.hover()
    screen.mouse.wheel(0, -400)  # away from the newest message: the ↓ button shows
    down = """() => { const button = document.querySelector('#chat .scroll-down-button-container button');
      return button && [button.getBoundingClientRect().top, document.querySelector('#chat .bubble-wrap').getBoundingClientRect().bottom]; }"""
    button_top, messages_bottom = screen.wait_for_function(down, timeout=ANSWER_TIMEOUT_MS).json_value()
    assert button_top >= messages_bottom  # in a strip of its own, under the messages
    area = messages.bounding_box()
    for button in screen.locator("#chat .top-panel button").all():  # 清空对话, above them
        assert button.bounding_box()["y"] + button.bounding_box()["height"] <= area["y"]
    covered = """links => { const area = document.querySelector('#chat .bubble-wrap').getBoundingClientRect();
      const shown = links.filter(a => { const r = a.getBoundingClientRect();
        return a.checkVisibility() && r.top >= area.top && r.bottom <= Math.min(area.bottom, innerHeight); });
      const hit = (e, x, y) => e.contains(document.elementFromPoint(x, y));
      const clear = a => [...a.getClientRects()].every(r =>
        hit(a, r.left + 2, r.top + r.height / 2) && hit(a, r.right - 2, r.top + r.height / 2));
      return [shown.length, shown.filter(a => !clear(a)).map(a => a.innerText)]; }"""
    shown, hidden = screen.locator(CITATION).evaluate_all(covered)
    assert shown > 0 and hidden == []
    shot(screen, "chat")

    screen.mouse.wheel(0, -10_000)  # back to the first question: no label over its first line
    uncovered = """() => { const e = document.querySelector('#chat [data-testid="user"]');
      const r = e.getBoundingClientRect(); return e.contains(document.elementFromPoint(r.left + 8, r.top + 8)); }"""
    screen.wait_for_function(uncovered, timeout=5_000)  # once the scroll has come to rest
    assert screen.locator('#chat [data-testid="block-label"]').filter(visible=True).count() == 0


def test_quiz_files_download_under_chinese_names(screen):
    screen.get_by_role("tab", name="测验生成").click()
    screen.get_by_role("button", name="生成测验").click()
    files = screen.locator(".rag-downloads a")
    files.first.wait_for(timeout=ANSWER_TIMEOUT_MS)
    names = screen.locator(".rag-downloads .filename").all_inner_texts()
    assert any("测验_教师版" in name and "docx" in name for name in names), names
    assert any("测验_学员版" in name for name in names), names
    assert screen.locator(".rag-downloads .label-clear-button").filter(visible=True).count() == 0  # no ×
    link = files.first
    response = screen.request.get(urljoin(screen.url, link.get_attribute("href")))
    assert response.ok and "测验" in unquote(link.get_attribute("href"))
    shot(screen, "quiz")


def test_start_page_lists_the_stages_as_they_come(browser):
    import logging

    from rag.app.startup import StartupLog, startup_app

    progress = StartupLog()
    with serving_in_background(startup_app(progress, "湖南制造强省规划问答助手"), "127.0.0.1", free_port()) as url:
        page = browser.new_page(viewport=PHONE, locale="zh-CN")
        page.name = "390px"
        page.goto(url)
        assert "正在启动" in page.inner_text("body")
        progress.handle(logging.makeLogRecord({"name": "rag.index.store", "msg": "向量化：16/89 个片段", "levelno": 20}))
        page.wait_for_function("() => document.querySelector('#stages').innerText.includes('16/89')", timeout=10_000)
        shot(page, "start-page")
        page.close()


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
    extract = assistant.ask(question)  # true sentences of the retrieved clauses, cited as a model would write them
    quoted = extract.statements[0]
    statement = "".join(f"{s.text}【{s.ref}】" for s in dict.fromkeys(extract.statements))

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

"""Web pages saved from a government site: the article's text only (navigation, breadcrumbs, sharing links and
footers dropped), its title from <h1>, and the labelled facts of the page's information table (文号, 发布日期…)."""

from __future__ import annotations

import re
from pathlib import Path

import lxml.html
from lxml.etree import ParserError

from ...text import decode_bytes
from .base import Block, Extract, ParseError, clean_line, table

_CHROME = re.compile(r"nav|menu|header|footer|breadcrumb|crumb|share|related|top-?bar|search|toolbar|print|"
                     r"sidebar|copyright|xxgk|info", re.I)
_DROP = ("script", "style", "noscript", "nav", "header", "footer", "form", "iframe", "button", "select")
_BLOCKS = {"p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "li", "table", "section", "article", "blockquote",
           "pre", "ul", "ol", "dl", "dt", "dd", "center"}
_SPACE = re.compile(r"[ \t\r\n\xa0]+")  # HTML white space; the ideographic space U+3000 is text
_LABEL = re.compile(r"^(?P<label>[^：:]{2,12})[：:]$")


def read_html_file(path: Path) -> Extract:
    return html_extract(decode_bytes(path.read_bytes()))


def html_extract(markup: str) -> Extract:
    try:
        root = lxml.html.document_fromstring(markup)
    except (ParserError, ValueError) as error:
        raise ParseError(f"网页无法解析（{error}）") from error
    facts = _info_facts(root)
    for element in root.xpath("//*"):
        if element.tag in _DROP or _CHROME.search(f"{element.get('class', '')} {element.get('id', '')}"):
            if element.getparent() is not None:
                element.drop_tree()
    main = _main_container(root)
    if main is None:
        raise ParseError("网页中没有找到正文")
    blocks: list[Block] = []
    heading = root.find(".//h1")
    if heading is not None and not _inside(heading, main):
        blocks.append(_text(heading))
    _walk(main, blocks)
    return Extract(tuple(b for b in blocks if b), facts)


def _text(element) -> str:
    return clean_line(_SPACE.sub(" ", element.text_content()).strip())


def _inside(element, container) -> bool:
    return any(ancestor is container for ancestor in element.iterancestors())


def _info_facts(root) -> tuple[tuple[str, str], ...]:
    """Label/value pairs of the page's information tables: a cell ending with a colon labels the next cell."""
    facts = []
    for row in root.iter("tr"):
        cells = [re.sub(r"\s+", "", _text(cell)) for cell in row if cell.tag in ("td", "th")]
        for label, value in zip(cells, cells[1:]):
            match = _LABEL.match(label)
            if match and value and not _LABEL.match(value):
                facts.append((match.group("label"), value))
    return tuple(facts)


def _main_container(root):
    """The element whose own paragraphs hold the most text: the article body."""
    best, best_size = None, 0
    for element in root.iter("div", "article", "section", "td", "body"):
        size = sum(len(_text(child)) for child in element if child.tag in ("p", "h1", "h2", "h3", "table"))
        if size > best_size:
            best, best_size = element, size
    return best


def _walk(element, blocks: list[Block]) -> None:
    if element.tag == "table":
        rows = [[_text(cell) for cell in row if cell.tag in ("td", "th")] for row in element.iter("tr")]
        found = table(rows)
        if found:
            blocks.append(found)
        return
    if not any(child.tag in _BLOCKS for child in element):
        for line in _lines(element):
            blocks.append(line)
        return
    if element.text and element.text.strip():
        blocks.append(clean_line(_SPACE.sub(" ", element.text).strip()))
    for child in element:
        if isinstance(child.tag, str):
            _walk(child, blocks)
        if child.tail and child.tail.strip():
            blocks.append(clean_line(_SPACE.sub(" ", child.tail).strip()))


def _lines(element) -> list[str]:
    """A leaf block's text; <br> starts a new line."""
    for br in element.iter("br"):
        br.tail = "\n" + (br.tail or "")
    raw = element.text_content()
    return [clean_line(_SPACE.sub(" ", part).strip()) for part in raw.split("\n") if part.strip()]

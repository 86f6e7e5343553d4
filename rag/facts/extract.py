"""Reading facts out of a parsed document, by the general patterns of Chinese plan writing.

- Target tables (专栏): each row gives a base fact and a target fact, the table's notes applied (加* → the
  base is of another year; [ ] → cumulative).
- Sentences: 到2030年，力争营收达到7700亿元 (subject before a verb of reaching); 不少于2000家基础级、800家先进级、
  50家卓越级以上智能工厂 (subjects after the numbers, sharing the last one's head noun); 以上 / 不少于 / ≥ as bounds.
- The item catalogue: each numbered item with a subject of its own, its category from its parent's heading
  (改造提升传统产业 → 传统产业) and the places it names.
"""

from __future__ import annotations

import re
from dataclasses import asdict
from functools import partial

from ..corpus.derived import DerivedCache
from ..corpus.places import Gazetteer
from ..schema import Clause, ClauseKind, Document, Indicator
from ..text import clause_body, parse_quantities, split_sentences
from .model import Bound, Fact, Item, PlanFacts, Role

_YEAR = re.compile(r"(?:到|至|在)?(\d{4})年(?:底|末)?")
_LABEL_YEAR = re.compile(r"(\d{4})年")
_NOTE_YEAR = re.compile(r"(\d{4})年数据")
_NUMBER = re.compile(r"\d+(?:\.\d+)?")
_REACH = re.compile(r"(?:达到|达|为|突破|提高到|提升到|增长到|增至|保持在|超过|不少于|不低于)$")
_OPENING = re.compile(r"^(?:力争|争取|预计|全省|确保)+")
_AT_LEAST_BEFORE = ("不少于", "不低于", "超过", "≥")
_AT_LEAST_AFTER = ("以上",)
_AT_MOST_AFTER = ("以下", "以内")
MEASURE_WORDS = ("营业收入", "营收", "业务收入", "收入", "总产值", "产值", "总数", "数量", "规模", "比重", "增加值")
_ITEM_SEPARATORS = "、"
_GRADE = re.compile(r"^(?P<grade>.+?[级类型])(?:以上|以下)?(?P<head>.+)$")
_CATEGORY = re.compile(r"^[\u4e00-\u9fff]{4}(?P<category>[\u4e00-\u9fff]{2,4}产业)$")


def extract_facts(documents: list[Document], cache: DerivedCache | None = None) -> PlanFacts:
    """Facts and items of every document; each document's are read from the cache when it has them."""
    gazetteer = Gazetteer()
    facts: list[Fact] = []
    items: list[Item] = []
    cache = cache or DerivedCache(None)
    for document in documents:
        found, catalogue = cache.get("facts", document, partial(_document_facts, document, gazetteer), _record, _read)
        facts.extend(found)
        items.extend(catalogue)
    return PlanFacts(tuple(facts), tuple(items))


def _record(derived: tuple[list[Fact], list[Item]]) -> dict:
    return {"facts": [asdict(f) for f in derived[0]], "items": [asdict(i) for i in derived[1]]}


def _read(record: dict) -> tuple[list[Fact], list[Item]]:
    return [Fact.from_record(row) for row in record["facts"]], [Item.from_record(row) for row in record["items"]]


def _document_facts(document: Document, gazetteer: Gazetteer) -> tuple[list[Fact], list[Item]]:
    catalogue = _items(document, gazetteer)
    category_of = {item.ref: item.category for item in catalogue}
    facts = [fact for row in document.indicators for fact in _row_facts(row)]
    for clause in document.clauses:
        if clause.kind in (ClauseKind.CLAUSE, ClauseKind.PREAMBLE):
            facts.extend(_sentence_facts(document, clause, category_of.get(clause.ref, "")))
    return facts, catalogue


def category_of(heading: str) -> str:
    """改造提升传统产业 → 传统产业; a heading without that shape is its own category."""
    match = _CATEGORY.match(heading)
    return match.group("category") if match else heading


def _items(document: Document, gazetteer: Gazetteer) -> list[Item]:
    items = []
    for clause in document.clauses:
        if clause.kind != ClauseKind.CLAUSE or clause.level < 3 or not clause.heading or not clause.parent:
            continue
        parent = document.clause(clause.parent)
        places = tuple(dict.fromkeys(location.name for _, location in gazetteer.find_all(clause.text)))
        items.append(Item(document.doc_id, clause.ref, clause.heading, category_of(parent.heading if parent else ""),
                          clause.parent, places))
    return items


# -- table rows --------------------------------------------------------------------------------------------
def _row_facts(row: Indicator) -> list[Fact]:
    facts = []
    cells = ((Role.BASE, row.base_value, row.base_label, row.base_notes, row.base_raw),
             (Role.TARGET, row.target_value, row.target_label, row.target_notes, row.target_raw))
    for role, value, label, notes, raw in cells:
        number = _NUMBER.search(value or "")
        if not number or re.search(r"\d[~\-—–]\d", value):  # a range (6~7) is no single value
            continue
        year = _year_of(label, notes)
        bound = Bound.AT_LEAST if value.startswith("≥") else Bound.AT_MOST if value.startswith("≤") else Bound.EXACT
        span = f"{row.name}{label}{raw}{row.unit}" + "".join(f"（{note}）" for note in notes)
        facts.append(Fact(row.doc_id, row.ref, row.name, row.name, year, float(number.group(0)), number.group(0),
                          row.unit, bound, role, span, category=row.category, table=True))
    return facts


def _year_of(label: str, notes: tuple[str, ...]) -> str:
    for note in notes:
        match = _NOTE_YEAR.search(note)
        if match:
            return match.group(1)
    match = _LABEL_YEAR.search(label)
    return match.group(1) if match else ""


# -- sentences ---------------------------------------------------------------------------------------------
def _sentence_facts(document: Document, clause: Clause, category: str) -> list[Fact]:
    heading = clause.heading if clause.level >= 3 else ""
    facts = []
    for sentence in split_sentences(clause_body(clause)):
        year_match = _YEAR.search(sentence)
        year = year_match.group(1) if year_match else ""
        for segment in re.split(r"[，；：]", sentence.rstrip("。；")):
            facts.extend(_segment_facts(document.doc_id, clause.ref, segment, year, heading, category))
    return facts


def _segment_facts(doc_id: str, ref: str, segment: str, year: str, heading: str, category: str) -> list[Fact]:
    amounts = [q for q in parse_quantities(segment) if q.is_amount and q.value is not None]
    if not amounts:
        return []
    first = segment.find(amounts[0].text)
    before = _YEAR.sub("", segment[:first]).strip()
    facts = []
    if len(amounts) == 1 and _REACH.search(before):
        phrase = _OPENING.sub("", _REACH.sub("", before))
        measure = next((w for w in MEASURE_WORDS if phrase.endswith(w)), "")
        subject = phrase[: len(phrase) - len(measure)] or heading or phrase
        after = segment[first + len(amounts[0].text):]
        bound = _bound(before, after, amounts[0].comparator)
        facts.append(_fact(doc_id, ref, subject, measure or subject, year, amounts[0], bound, segment, category))
        return facts
    # subjects after the numbers: 不少于2000家基础级、800家先进级、50家卓越级以上智能工厂
    parts = _after_each(segment, amounts)
    head = _head_noun(parts[-1])
    lead_bound = _bound(before, "", "")
    for amount, words in zip(amounts, parts):
        subject = words.replace("以上", "").replace("以下", "").strip() or _OPENING.sub("", before)
        if head and not subject.endswith(head):
            subject += head
        bound = _bound("", words, amount.comparator)
        bound = bound if bound != Bound.EXACT else lead_bound
        facts.append(_fact(doc_id, ref, subject, subject, year, amount, bound, segment, category))
    return facts


def _after_each(segment: str, amounts) -> list[str]:
    """The words after each number, up to the next number or list separator."""
    parts, position = [], 0
    starts = []
    for amount in amounts:
        at = segment.find(amount.text, position)
        starts.append((at, at + len(amount.text)))
        position = at + len(amount.text)
    for i, (_, end) in enumerate(starts):
        stop = starts[i + 1][0] if i + 1 < len(starts) else len(segment)
        parts.append(segment[end:stop].strip(_ITEM_SEPARATORS + "和及与 "))
    return parts


def _head_noun(words: str) -> str:
    """The noun a list of graded items shares: 卓越级以上智能工厂 → 智能工厂."""
    match = _GRADE.match(words)
    return match.group("head") if match else ""


def _bound(before: str, after: str, comparator: str) -> Bound:
    if comparator.startswith("≥") or comparator == ">" or before.endswith(_AT_LEAST_BEFORE) or \
            after.startswith(_AT_LEAST_AFTER) or "以上" in after[:6]:
        return Bound.AT_LEAST
    if comparator.startswith("≤") or comparator == "<" or after.startswith(_AT_MOST_AFTER):
        return Bound.AT_MOST
    return Bound.EXACT


def _fact(doc_id, ref, subject, measure, year, amount, bound, segment, category) -> Fact:
    return Fact(doc_id, ref, subject.strip("“”，、 "), measure.strip("“”，、 "), year, amount.value, amount.number,
                amount.unit, bound, Role.TARGET if year else Role.BASE, segment.strip(), "力争" in segment, category)

"""A detail asked of something the documents name without giving it: a number of an item of the outline that
states none (人工智能 among the 未来产业 has no 营收 target), of a table row whose target is words (完成国家下达任务),
of a thing they quantify only as 一批/若干 (培育一批工业大模型) or name only without a figure (提升全省智能算力占比);
the members of a thing they only count (那5家千亿企业), or the parts of a slogan they never list (“五好”). The
answer says where the thing is named and that the detail is not given, instead of quoting another thing's."""

from __future__ import annotations

import re
from difflib import SequenceMatcher

from ...facts import Item, Role
from ...facts.lookup import stems
from ...schema import Answer, Hit, Query
from ...text import clause_sentences, normalize, parse_quantities, quoted_terms
from ...text.numerals import numeral_value
from ...text.quantities import digits
from ..intent import Intent
from .base import AnswerContext, refusal
from .extractive import CANDIDATE_CLAUSES, matches_concept, most_specific

# 一批/若干/一系列 and the words they count, up to the end of the phrase
_VAGUE_COUNT = re.compile(r"(?:一大?批|若干|一系列|一些)([^，。；：]{1,20})")
_COUNT = re.compile(r"(?<![\d.])\d+(?:\.\d+)?(?![\d.]|年)")  # a figure, not a year
MIN_RUN = 4  # characters of the question a sentence must write to name what it asks in the same words
_ASKS_PARTS = re.compile(r"哪|什么|啥|指的?是|意思|分别|包括|具体")
# a figure asked for, not the target whatever it is (目标是什么)
_ASKS_FIGURE = re.compile(r"百分之(?:几|多少)|(?:几|多少)个?百分点|具体(?:的)?(?:数字|数值|比例)|具体[^，。？?]{0,6}多少")
_COUNTED = re.compile(r"(?:多少|几)(?:个|家|项|座|所|条|种|批)([\u4e00-\u9fff]{2,8})")  # 多少个工业大模型


def answer_unstated_number(query: Query, intent: Intent, hits: list[Hit], context: AnswerContext) -> Answer | None:
    if not (query.wants_number and query.mentions_target) or intent.describes:
        return None
    items = _named_items(query, context)
    # a fact the question names in its own words (not through an alias: 营收 would name every 营业收入 row)
    if not items or context.facts.named_in(query.text, by_name=True):
        return None
    if any(context.facts.states_number(item) for item in items):
        return None
    item = items[0]
    where = f"“{item.category}”中的" if item.category and item.category != item.name else ""
    reason = f"规划在【{item.ref}】把“{item.name}”列为{where}一项，但没有给出它的具体数值目标。"
    named_first = [h for h in hits if (h.clause.doc_id, h.clause.ref) == (item.doc_id, item.ref)]
    return refusal(query, named_first + [h for h in hits if h not in named_first], reason)


def answer_unfigured_row(query: Query, intent: Intent, hits: list[Hit], context: AnswerContext) -> Answer | None:
    """A figure asked (百分之几, 几个百分点, 具体数字) of a table row whose target is words (完成国家下达任务): the row,
    cited, and that it gives no figure."""
    if not query.wants_number or intent.claim or not _ASKS_FIGURE.search(normalize(query.text)):
        return None
    topic = most_specific([c for c in query.key_concepts if c.salient], context)  # 能耗, not 规上
    for hit in hits[:CANDIDATE_CLAUSES]:
        row = context.row(hit.clause.doc_id, hit.clause.ref)
        if row is None or topic is None or not matches_concept(topic, normalize(row.name).lower()):
            continue
        if any(ch.isdigit() for ch in row.target_value + (row.base_value or "")):
            return None
        reason = f"规划在【{row.ref}】对“{row.name}”只写明“{row.target_value}”，没有给出具体数值。"
        return refusal(query, [hit] + [h for h in hits if h is not hit], reason)
    return None


def _named_items(query: Query, context: AnswerContext) -> list[Item]:
    """The items the question names by their whole name (量子科技, 人工智能), not by a part of another's."""
    named = context.facts.items_named_in(query.text)
    return [item for item in named if not any(other is not item and item.name in other.name for other in named)]


def answer_vague_count(query: Query, intent: Intent, hits: list[Hit], context: AnswerContext) -> Answer | None:
    """How many of a thing the documents promise only 一批 of: the sentence that says so, and that it gives no
    number. Only when no sentence of the top clauses naming the thing states a figure (an indicator row)."""
    if not query.wants_number or intent.describes or intent.claim:
        return None
    topic = most_specific(query.key_concepts or query.concepts, context)
    if topic is None:
        return None
    asked = _COUNTED.search(normalize(query.text))
    vague = None
    for hit in hits[:CANDIDATE_CLAUSES]:
        for sentence in clause_sentences(hit.clause):
            original = normalize(sentence)
            text = original.lower()
            if not matches_concept(topic, text):
                continue
            if _COUNT.search(text):
                return None
            said = [m for m in _VAGUE_COUNT.finditer(text)
                    if (asked.group(1) in m.group(1) if asked else matches_concept(topic, m.group(1)))]
            if vague is None and said:
                vague = (hit, _phrase(original, said[0].start()))
    if vague is None or context.facts.named_in(query.text, by_name=True):  # a thing with a figure of its own
        return None
    hit, phrase = vague
    reason = f"规划在【{hit.clause.ref}】只说“{phrase}”，没有给出具体数量。"
    return refusal(query, [hit] + [h for h in hits if h is not hit], reason)


def answer_unquantified(query: Query, intent: Intent, hits: list[Hit], context: AnswerContext) -> Answer | None:
    """A number asked of a thing the documents speak of only without a figure (提升全省智能算力占比): the sentence
    that names it in the question's own words, and that no figure is given. Not when a top clause naming it the
    same way states any figure (its title counts: an item's heading names what its 到2030年 sentence counts)."""
    if not query.wants_number or query.wants_list or intent.claim or intent.describes or intent.operation:
        return None
    topic = most_specific(query.key_concepts or query.concepts, context)
    if topic is None:
        return None
    question = normalize(query.text).lower()
    named = None  # the longest run of the question a sentence writes, with the sentence
    for hit in hits[:CANDIDATE_CLAUSES]:
        for sentence in clause_sentences(hit.clause):
            text = normalize(sentence)
            run = _longest_run(question, text.lower())
            if len(run) >= MIN_RUN and matches_concept(topic, run) and (named is None or len(run) > len(named[0])):
                named = (run, hit, text)
    if named is None:
        return None
    run, hit, sentence = named
    if any(run in body and _COUNT.search(body) for body in (
            normalize(h.clause.title + "\n" + h.clause.text).lower() for h in hits[:CANDIDATE_CLAUSES])):
        return None
    reason = f"规划在【{hit.clause.ref}】只说“{_phrase(sentence, sentence.lower().find(run))}”，没有给出具体数值。"
    return refusal(query, [hit] + [h for h in hits if h is not hit], reason)


def _longest_run(question: str, text: str) -> str:
    match = SequenceMatcher(None, question, text, autojunk=False).find_longest_match(0, len(question), 0, len(text))
    return question[match.a:match.a + match.size]


def answer_unlisted_members(query: Query, intent: Intent, hits: list[Hit], context: AnswerContext) -> Answer | None:
    """Which are the N things (那5家千亿企业分别是哪几家), where the documents only count them: the count, cited,
    and that they are not named. Not when a sentence about them lists that many (三大集群：A、B、C)."""
    if not query.wants_list or intent.claim:
        return None
    stated = [q for q in parse_quantities(digits(normalize(query.text)))
              if q.unit and q.value is not None and context.facts.states_value(q.value, q.unit)]
    if not stated:
        return None
    counted = [f for f in context.facts.named_in(query.text, query.concepts)
               if any(f.value == q.value and f.unit == q.unit for q in stated)]
    if not counted:
        return None
    fact = counted[0]
    names = stems(fact.subject)
    for hit in hits[:CANDIDATE_CLAUSES]:
        for sentence in clause_sentences(hit.clause):
            text = normalize(sentence).lower()
            if any(_lists(text, name, int(fact.value)) for name in names):
                return None
    when = f"{fact.year}年{'基期' if fact.role == Role.BASE else '目标'}" if fact.year else ""
    reason = f"规划只给出了{fact.subject.removesuffix('数量')}的数量（{when}{fact.quantity}【{fact.ref}】），没有列出具体是哪些。"
    stating = [h for h in hits if (h.clause.doc_id, h.clause.ref) == (fact.doc_id, fact.ref)]
    return refusal(query, stating + [h for h in hits if h not in stating], reason)


def answer_unexplained_label(query: Query, intent: Intent, hits: list[Hit], context: AnswerContext) -> Answer | None:
    """What the parts of a numbered slogan are (“五好”是哪五好, “三同时”指什么), where the documents use the
    slogan without listing its parts: where it is used, and that its parts are not given. Not when a list of that
    many stands with it anywhere in the document (生产、生活、生态“三生融合”)."""
    if query.wants_number or not _ASKS_PARTS.search(query.text):
        return None
    for label in quoted_terms(normalize(query.text)):
        count = _label_count(label)
        documents = {h.clause.doc_id for h in hits}
        using = [c for doc_id in documents for c in context.documents[doc_id].clauses if f"“{label}”" in c.text]
        if not count or not using:
            continue
        if any(_lists(normalize(sentence).lower(), f"“{label}”", count) for clause in using
               for sentence in clause_sentences(clause)):
            return None
        reason = f"规划在【{using[0].ref}】提到“{label}”，但没有列出“{label}”具体指哪些。"
        cited = [h for h in hits if h.clause in using]
        return refusal(query, cited + [h for h in hits if h not in cited], reason)
    return None


def _label_count(label: str) -> int:
    """How many parts a slogan counts (五好 → 5, 四算一体 → 4); 0 for none or for several counts (三高四新)."""
    numerals = [value for value in map(numeral_value, label) if value]
    if not numerals or any(value != 1 for value in numerals[1:]):
        return 0
    return numerals[0]


def _lists(text: str, name: str, count: int) -> bool:
    """Whether the text lists `count` or more members of what `name` names, the list standing with the name
    (A、B、C等三大集群; 三大集群：A、B、C): a list beside it (推动A、B等领域集群进入国家队) is of other things."""
    if name not in text:
        return False
    item, more = r"[^、，。；：:]{1,15}", max(count - 1, 1)
    before = rf"(?:{item}、){{{more},}}{item}(?:等)?(?:[\d一二两三四五六七八九十]+[个家项类大种条])?{re.escape(name)}"
    after = rf"{re.escape(name)}[^，。；]{{0,8}}?(?:：|:|包括|包含|分别是|分别为|即|为)(?:{item}、){{{more},}}"
    return bool(re.search(before, text) or re.search(after, text))


def _phrase(text: str, at: int) -> str:
    """The part of a sentence between the punctuation around position `at`."""
    start = max(text.rfind(mark, 0, at) for mark in "，。；：") + 1
    ends = [i for i in (text.find(mark, at) for mark in "，。；") if i >= 0]
    return text[start:min(ends, default=len(text))]

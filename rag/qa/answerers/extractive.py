"""Extractive answers: the best sentences of the retrieved clauses, each followed by its citation.

Numbers are never rewritten: every statement is a sentence of the plan (or an indicator row stated from
its cells). When no clause covers what the question asks, the answer says so and lists the nearest ones.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace

from ...corpus.vocab import glosses_in, unanswerable_kinds
from ...schema import Answer, Clause, ClauseKind, Concept, Hit, Query, Route, Statement
from ...text import clause_sentences, normalize, parse_quantities, quantity_occurs
from ...text.quantities import digits, mentions
from ..intent import ASKS_BASE, Intent, asked_bound, asked_unit, unit_family
from ..query import ASKS
from .base import AnswerContext, build_answer, refusal

MIN_COVERAGE = 0.4  # share of the question's concepts the cited clauses (with their titles) must cover
MIN_CLAUSE_COVERAGE = 0.2  # ... and each cited clause at least this much
UNKNOWN_WEIGHT = 0.5  # a noun the corpus never uses still counts (uncovered) at this share of its weight
CONTEXT_WEIGHT = 0.7  # a concept found only in the clause's titles counts for this much
BROADER_WEIGHT = 0.6  # ... and one found only as what contains it (a city's region) for this much
NEW_CONCEPT_SHARE = 0.2  # a further clause is cited when it covers this much that the others do not
TIE_RATIO = 0.97  # ... or when it scores as well as the best (two industries with the same target)
MAX_CLAUSES = 4
SENTENCES_PER_CLAUSE = 2
CANDIDATE_CLAUSES = 6
NEAREST_IN_MEANING = 2  # clauses quoted, one sentence each, for a thing described rather than named
_YEAR = re.compile(r"\d{4}年")
_WH = r"啥|什么|哪些|哪几|哪个|哪类|怎样|怎么样"
_STATES_VALUE = re.compile(r"\d|[一二两三四五六七八九十百千万]+(?:个|项|家|年|月|日|号|天|倍|成|万|亿|%)")
_RATIO_BASE = re.compile(r"占[^，。；、]{1,24}?(?:比重|比例)")  # "A占B比重": the number is about A, not B


@dataclass(frozen=True)
class _Sentence:
    text: str
    covered: frozenset[str]  # words of the concepts it names (its clause's titles count too)
    coverage: float
    has_quantity: bool
    subject_match: bool  # a concept is the subject of the sentence's number, not its ratio base
    scope_match: bool  # the sentence itself names every scope the question sets (全国, a city, 十四五)
    bound_match: bool  # it states a number with the bound asked (最少多少: 不低于10万元)
    bound_against: bool  # ... or only with the other bound (最高不超过20万元): the most paid, not the least

    @property
    def states_number(self) -> bool:
        return self.has_quantity and self.subject_match and self.scope_match


@dataclass(frozen=True)
class _ClauseMatch:
    clause: Clause
    sentences: list[_Sentence]
    covered: frozenset[str]
    coverage: float
    score: float

    @property
    def states_number(self) -> bool:
        return any(s.states_number for s in self.sentences)

    @property
    def states_bound(self) -> bool:
        """It states the number with the bound the question asks for (any number, when it asks none)."""
        return any(s.states_number and s.bound_match for s in self.sentences)

    @property
    def states_other_bound(self) -> bool:
        """Its numbers are bounds the other way from the one asked."""
        stating = [s for s in self.sentences if s.states_number]
        return bool(stating) and all(s.bound_against for s in stating)

    @property
    def states_whole_number(self) -> bool:
        """An item of the outline (an industry) that names what the question asks about only as a part of
        itself (酒饮料精制茶 in 食品产业): its numbers are the whole item's, which the answer must say."""
        return is_item(self.clause) and bool(self.covered) and any(
            s.has_quantity and s.scope_match for s in self.sentences)


def _counts_in(clause: Clause, unit: str, context: AnswerContext) -> bool:
    """Whether a clause states a number in the unit family asked (家; 元 for 万元 and 亿元)."""
    row = context.row(clause.doc_id, clause.ref)
    units = ([row.unit] if row else []) + [q.unit for q in parse_quantities(normalize(clause.text)) if q.unit]
    return any(unit_family(u) == unit for u in units)


def _states_base(clause: Clause, context: AnswerContext) -> bool:
    """A table row with a base value (基期值), the value a question about now asks for."""
    row = context.row(clause.doc_id, clause.ref) if clause.kind == ClauseKind.INDICATOR else None
    return row is not None and row.base_value is not None


def quoted(words: list[str]) -> str:
    return "、".join(f"“{w}”" for w in words[:3])


def with_meanings(text: str) -> str:
    """A text followed by the plain meanings of the terms it uses (揭榜挂帅 → 公开张榜…), normalized and
    lowered: what it says in the words a question may use."""
    text = normalize(text)
    return "\n".join([text, *(g.meaning for g in glosses_in(text))]).lower()


def _terms_meant(known: tuple[Concept, ...], statements: list[Statement]) -> str:
    """The documents' terms the question described in its own words (运货改走水路 → “公转水”): a lead naming
    them, when a quoted sentence covers a word of the question only through a term's plain meaning."""
    terms = []
    for statement in statements:
        text = normalize(statement.text).lower()
        for gloss in glosses_in(normalize(statement.text)):
            meaning = normalize(gloss.meaning).lower()
            if any(matches_concept(c, meaning) and not matches_concept(c, text) for c in known):
                terms.append(gloss.term)
    return f"规划中的说法是{quoted(list(dict.fromkeys(terms)))}：" if terms else ""


def has_quantity(text: str) -> bool:
    return bool(re.search(r"\d", _YEAR.sub("", text)))


def matches_concept(concept: Concept, text: str, broader: bool = True) -> bool:
    forms = (*concept.forms, *concept.broader) if broader else concept.forms
    return any(form.lower() in text for form in forms)


def _weighted(covered, weights, total, titles, known, text=None, body="") -> float:
    """Share of the concepts' weight covered; one named only in the titles counts CONTEXT_WEIGHT, one named
    only by what contains it BROADER_WEIGHT. `text` is a sentence; without one, `body` is the whole clause."""
    if not total:
        return 1.0
    weight = 0.0
    for concept in known:
        if concept.word in covered:
            in_text = text is None or matches_concept(concept, text)
            itself = matches_concept(concept, f"{titles}\n{text or body}", broader=False)
            share = (1.0 if in_text else CONTEXT_WEIGHT) * (1.0 if itself else BROADER_WEIGHT)
            weight += weights[concept.word] * share
    return weight / total


def _union_coverage(chosen: list[_ClauseMatch], weights: dict[str, float]) -> float:
    total = sum(weights.values())
    covered = frozenset().union(*(m.covered for m in chosen))
    return sum(weights[w] for w in covered) / total if total else 1.0


def _asked_attribute(word: str, question: str) -> bool:
    """The word stands beside a question word (啥角色, 什么定位, 主攻哪些): it is what is asked of the
    question's subject, not a subject of its own."""
    return bool(re.search(rf"(?:{_WH}){re.escape(word)}|{re.escape(word)}(?:是)?(?:{_WH})", question))


def _only_scope(query: Query, chosen: list[_ClauseMatch], key: tuple[Concept, ...]) -> bool:
    """The clauses share only the question's scope (a place, 全省) while what it asks about is nowhere in
    them (长沙 + 二套房限购): the place is where, not what. A word that asks something of the place
    (岳阳主攻哪些产业, 娄底是啥角色) leaves the place as the subject."""
    covered = frozenset().union(*(m.covered for m in chosen))
    question = normalize(query.text).lower()
    topic = [c for c in key if not (c.qualifier or c.proper or c.generic or _asked_attribute(c.word, question))]
    return any(c.salient for c in topic) and not any(c.word in covered for c in topic)


def _complementary(matches: list[_ClauseMatch], weights: dict[str, float],
                   every_document: bool = False) -> list[_ClauseMatch]:
    """The best clause, then those of its document that add concepts the chosen ones miss, or any that tie
    with the best: another document's clause that matches only a part of the question is not its answer.
    With every_document (哪个文件规定的) each other document's best clause that covers what the best covers."""
    total = sum(weights.values()) or 1.0
    best = matches[0]
    chosen, covered = [best], set(best.covered)
    for match in matches[1:]:
        new = sum(weights[w] for w in match.covered - covered) / total
        adds = new >= NEW_CONCEPT_SHARE and match.clause.doc_id == best.clause.doc_id
        says_too = every_document and match.covered >= best.covered and all(
            c.clause.doc_id != match.clause.doc_id for c in chosen)
        if adds or says_too or match.score >= TIE_RATIO * best.score:
            chosen.append(match)
            covered |= match.covered
        if len(chosen) == MAX_CLAUSES:
            break
    return chosen


def is_item(clause: Clause) -> bool:
    """A numbered item with a subject of its own (5.食品产业): its sentences speak of that subject."""
    return clause.kind == ClauseKind.CLAUSE and clause.level >= 3 and bool(clause.heading)


def _statement_text(clause: Clause, sentence: str) -> str:
    """Name the clause's subject when the sentence does not (到2030年，力争营收… → 新材料产业：到2030年…)."""
    if is_item(clause) and clause.heading not in sentence:
        return f"{clause.heading}：{sentence}"
    return sentence


def answer_reference(query: Query, intent: Intent, hits: list[Hit], context: AnswerContext) -> Answer | None:
    """A question that names clauses (二（三）5, 指标11) gets them quoted whole."""
    if not hits or hits[0].route != Route.REFERENCE:
        return None
    named = [h.clause for h in hits if h.route == Route.REFERENCE]
    listed = intent.wants_list and not query.mentions_target  # 各自目标多少: the clause with its numbers
    parts = [child for clause in named for child in context.children(clause)] if listed else []
    if parts:  # 第三部分有哪几节: the parts it is divided into, each cited
        lead = "".join(f"【{c.ref}】{c.heading.strip()}共分{len(context.children(c))}部分" for c in named) + "："
        return build_answer(query, [Statement(c.heading.strip(), c.ref) for c in parts], named + parts, hits, lead)
    statements = [Statement(h.clause.text.replace("\n", " "), h.clause.ref) for h in hits]
    return build_answer(query, statements, [h.clause for h in hits], hits)


def answer_out_of_scope(query: Query, intent: Intent, hits: list[Hit], context: AnswerContext) -> Answer | None:
    """Nothing to look up, or a name or scope (全国, 湖北, 十四五) the documents never use."""
    if not query.concepts:
        return refusal(query, hits, "请提出与规划内容相关的问题，例如：“到2030年新材料产业营收目标是多少？”")
    key = query.key_concepts or query.concepts
    names = [c.word for c in key if not c.known and c.proper and (query.wants_number or query.unanswerable)]
    scopes = [c.word for c in query.concepts if not c.known and c.qualifier]
    if names or scopes:
        return refusal(query, hits, f"规划中没有关于{quoted(list(dict.fromkeys(scopes + names)))}的内容。")
    return None


def asks_detail(query: Query, intent: Intent) -> bool:
    """Whether the question asks a detail (an amount, a date): not when it states one itself and asks only
    whether it is right (拿了奖补五年内迁出要追回吧, or 首次拨70%？ with no word that asks): the documents then
    confirm or correct it; nor when it asks what the documents call a thing it describes (谁有本事谁来干，这叫什么):
    the name is what is asked."""
    text = normalize(query.text)
    return bool(query.unanswerable) and not intent.source and not (
        (intent.claim or not ASKS.search(text)) and _STATES_VALUE.search(text)) and not intent.asks_name


def _only_figures_stated(query: Query, intent: Intent, statements: list[Statement]) -> list[str]:
    """The amounts a number question states itself (那3000家, 4000亿里面), when they are all the figures its
    answer's sentences give: it asks another figure (a part's, a year's share, a city's), which they do not give."""
    if not query.wants_number or intent.claim or intent.operation or not statements:
        return []
    stated = [q for q in query.quantities if not _YEAR.fullmatch(q)]
    figures = [m.quantity.text for s in statements for m in mentions(s.text) if m.quantity.is_amount]
    if not stated or not figures:
        return []
    return stated if all(any(quantity_occurs(q, f) or quantity_occurs(f, q) for q in stated) for f in figures) else []


def _claimed_values(query: Query) -> list[str]:
    """The values with a unit a claim states (五年内 → 5年, 20万, 70%)."""
    return [q.text for q in parse_quantities(digits(normalize(query.text))) if q.unit]


def nearest_clauses(hits: list[Hit]) -> list[Clause]:
    """The clauses an answer by meaning quotes (a thing described, not named): the top ones searched for."""
    return [h.clause for h in hits if h.route != Route.REFERENCE][:NEAREST_IN_MEANING]


def fill_slots(query: Query, matches: list[_ClauseMatch], context: AnswerContext) -> tuple[list[_ClauseMatch], str]:
    """Keep the clauses with a sentence that names the question's topic and gives the detail it asks for
    (an amount, a date, a body, a procedure, criteria); also say which detail is missing when none does.
    The topic is the question's most specific known word besides those that ask the detail: a sentence
    about 标准 in general does not give the 标准 of 小巨人. A word of the document's own title or issuer (专项资金
    of a 专项资金管理办法) is the topic of every clause of that document."""
    key = query.key_concepts or query.concepts
    asking = {reason: pattern for pattern, reason, _ in unanswerable_kinds()}
    for reason, needed in query.unanswerable:
        topic = most_specific([c for c in key if not re.search(needed, c.word) and not asking[reason].search(c.word)],
                              context)
        matches = [m for m in matches if any(
            s.coverage >= MIN_COVERAGE and re.search(needed, s.text)
            and (topic is None or topic.word in s.covered or _titled(topic, m.clause, context))
            for s in m.sentences)]
        if not matches:
            return [], reason
    return matches, ""


def most_specific(concepts, context: AnswerContext) -> Concept | None:
    """The question's most specific word the documents use (工业大模型 rather than 培育), as rare as the most
    common form the documents write it in (规上 is as common as 规模以上)."""
    return max((c for c in concepts if c.known and not (c.generic or c.qualifier)),
               key=lambda c: min(context.idf(form) for form in c.forms), default=None)


def _titled(concept: Concept, clause: Clause, context: AnswerContext) -> bool:
    document = context.documents.get(clause.doc_id)
    return bool(document) and matches_concept(concept, normalize(document.meta.title + document.meta.issuer).lower())


class MissingDetailAnswerer:
    """A question about something the plan names, asking a detail it does not give (规划提到…，但未规定…).
    Tried before the answerers that would otherwise answer it with a list or a passage about the topic."""

    def __init__(self, passages: PassageAnswerer):
        self.passages = passages

    def __call__(self, query: Query, intent: Intent, hits: list[Hit], context: AnswerContext) -> Answer | None:
        if not asks_detail(query, intent):
            return None
        matches = self.passages.covering(query, hits, context)
        topic = matches[0].clause if matches else None
        _, missing = fill_slots(query, matches, context)
        if not missing or (intent.describes and self._nearest_give(query, hits)):
            return None
        said = f"规划在【{topic.ref}】提到了相关内容，但" if topic else "规划"
        return refusal(query, hits, f"{said}未规定{missing}，请咨询主管部门。")

    @staticmethod
    def _nearest_give(query: Query, hits: list[Hit]) -> bool:
        """A thing described in lay words covers few words of any sentence, so the detail is looked for in
        the clauses nearest in meaning instead (the ones such an answer quotes)."""
        sentences = [s for clause in nearest_clauses(hits) for s in clause_sentences(clause)]
        return all(any(re.search(needed, s) for s in sentences) for _, needed in query.unanswerable)


class PassageAnswerer:
    """The best sentences of the clauses that cover the question; a refusal when none does, or when the
    question asks a detail (an amount, a date, a procedure) that no covering sentence gives."""

    def __call__(self, query: Query, intent: Intent, hits: list[Hit], context: AnswerContext) -> Answer | None:
        key = query.key_concepts or query.concepts
        known = tuple(c for c in key if c.known)
        weights = self._weights(key, context.idf)
        claimed = _claimed_values(query) if intent.claim else []
        matches = self.covering(query, hits, context, intent.source, claimed)
        filled, _ = fill_slots(query, matches, context)  # a missing detail was refused earlier
        # a claim that states the detail itself is answered from the clauses giving one, else from any
        matches = filled if filled or asks_detail(query, intent) else matches
        if query.wants_number:
            # 现在几家: a table row covering the question as fully gives the base value a sentence lacks
            full = max((m.coverage for m in matches), default=0.0) if ASKS_BASE.search(query.text) else 2.0
            matches.sort(key=lambda m: (2 if m.states_number else int(m.states_whole_number), m.states_bound,
                                        m.coverage >= full and _states_base(m.clause, context)), reverse=True)
        if claimed:  # 五年内迁出要追回吧: the clause that states the value put up for confirmation, first
            matches.sort(key=lambda m: not any(quantity_occurs(v, normalize(m.clause.text)) for v in claimed))
        chosen = _complementary(matches, weights, intent.source) if matches else []
        unit = asked_unit(query.text) if query.wants_number else ""
        if unit:  # 几家: another document's clause that ties on the words but counts 万元 is no answer
            chosen = [m for m in chosen
                      if m.clause.doc_id == chosen[0].clause.doc_id or _counts_in(m.clause, unit, context)]
        if chosen and chosen[0].states_bound:  # ... nor one whose number is bounded the other way (最高 for 最少)
            chosen = [m for m in chosen if m.clause.doc_id == chosen[0].clause.doc_id or not m.states_other_bound]
        lead = ""
        if query.wants_number and not any(m.states_number for m in chosen):
            chosen = [m for m in chosen[:1] if m.states_whole_number]
            if chosen:
                titles = normalize(chosen[0].clause.title).lower()
                parts = [c.word for c in known if not c.qualifier and not matches_concept(c, titles)]
                lead = (f"规划没有单列{quoted(parts or [c.word for c in known])}的数值，"
                        f"以下是其所在条款“{chosen[0].clause.heading}”的整体目标：")
        scope_only = bool(chosen) and _only_scope(query, chosen, key)
        # every word that says what the question is about is one the documents never use (粮食产量)
        unheard = not known and any(c.dictionary and not c.qualifier for c in key)
        if not chosen or _union_coverage(chosen, weights) < MIN_COVERAGE or scope_only or unheard:
            if intent.describes and not scope_only:
                nearest = self._nearest_in_meaning(query, hits, context)
                if nearest:
                    return nearest
            missing = [c.word for c in known if not any(matches_concept(c, self._context(h.clause)) for h in hits[:3])]
            if scope_only:
                missing = [c.word for c in key if c.salient and not (c.qualifier or c.proper or c.generic)]
            subject = quoted(missing or [c.word for c in key])
            reason = f"规划中未找到关于{subject}的具体数值" if query.wants_number else f"规划中未找到关于{subject}的内容"
            return refusal(query, hits, reason + "。")
        years = [y for y in query.quantities if _YEAR.fullmatch(y)]
        # a year counts as said where a sentence states a number for it (到2035年全面建成… gives no figure)
        said = normalize("".join(s.text for m in chosen for s in m.sentences if s.has_quantity))
        unsaid = [y for y in years if y not in said]
        if query.wants_number and unsaid:  # 2025年营收多少 where the plan gives only the 2030 target
            return refusal(query, hits, f"规划没有给出{'、'.join(unsaid)}的这一数值。")
        statements = [Statement(_statement_text(m.clause, s.text), m.clause.ref)
                      for m in chosen for s in self._best_sentences(query, m, whole=bool(lead))]
        given = _only_figures_stated(query, intent, statements)
        if given and not lead:  # 汽车4000亿里面，新能源汽车单独要做到多少: the figure stated is not the one asked
            lead = f"规划只给出了{quoted(given)}这一数值，没有单列所问的数值："
        answer = build_answer(query, statements, [m.clause for m in chosen], hits,
                              lead or _terms_meant(known, statements), check_premise=not given)
        return replace(answer, refused=True) if lead and not intent.describes else answer

    @staticmethod
    def _nearest_in_meaning(query: Query, hits: list[Hit], context: AnswerContext) -> Answer | None:
        """A thing described in the asker's own words (…的那种技术, 规划里叫什么) shares few words with the
        plan, so missing words prove nothing: the sentence of each top clause closest in meaning, said as such."""
        clauses = nearest_clauses(hits)
        if context.similarity is None or not clauses:
            return None
        statements = []
        for clause in clauses:
            sentences = clause_sentences(clause)
            if query.wants_number:
                sentences = [s for s in sentences if has_quantity(s)] or sentences
            if sentences:
                closeness = context.similarity(query.text, sentences)
                best = sentences[max(range(len(sentences)), key=closeness.__getitem__)]
                statements.append(Statement(_statement_text(clause, best), clause.ref))
        if not statements:
            return None
        cited = [c for c in clauses if any(s.ref == c.ref for s in statements)]
        return build_answer(query, statements, cited, hits, "规划原文的用词与提问不同，意思最接近的内容是：")

    def covering(self, query: Query, hits: list[Hit], context: AnswerContext,
                 every_document: bool = False, claimed: list[str] = ()) -> list[_ClauseMatch]:
        """The top clauses that cover enough of the question, best first; with every_document (哪个文件规定的)
        also the best clauses of the documents the top lacks (Assistant.retrieve adds each document's own),
        and any found that states a value the question puts up for confirmation (`claimed`: 奖20万对吧)."""
        key = query.key_concepts or query.concepts
        known = tuple(c for c in key if c.known)
        weights = self._weights(key, context.idf)
        head = hits[:CANDIDATE_CLAUSES]
        others = [h for h in hits[CANDIDATE_CLAUSES:] if (every_document and h.clause.doc_id not in {
            c.clause.doc_id for c in head}) or any(quantity_occurs(v, normalize(h.clause.text)) for v in claimed)]
        return [m for m in self._matches(query, head + others, known, weights)
                if m.coverage >= MIN_CLAUSE_COVERAGE]

    # -- pieces ------------------------------------------------------------------------------
    @staticmethod
    def _context(clause: Clause) -> str:
        return normalize(clause.title + "\n" + clause.text).lower()

    @staticmethod
    def _weights(key: tuple[Concept, ...], idf: Callable[[str], float]) -> dict[str, float]:
        """Rarer words weigh more; a noun the corpus never uses weighs less but can never be covered."""
        return {c.word: idf(c.word) * (1.0 if c.known else UNKNOWN_WEIGHT)
                for c in key if c.known or c.salient}

    def _matches(self, query: Query, hits: list[Hit], known: tuple[Concept, ...],
                 weights: dict[str, float]) -> list[_ClauseMatch]:
        """The top clauses with the concepts each covers; a number question needs a sentence stating it."""
        total = sum(weights.values())
        top = hits[0].score if hits else 1.0
        bound = asked_bound(query.text) if query.wants_number else ""
        matches = []
        for hit in hits:
            titles = normalize(hit.clause.title).lower()
            sentences = [self._sentence(query, s, titles, known, weights, total, bound)
                         for s in clause_sentences(hit.clause)]
            covered = frozenset().union(*(s.covered for s in sentences))
            coverage = _weighted(covered, weights, total, titles, known, body=with_meanings(hit.clause.text))
            matches.append(_ClauseMatch(hit.clause, sentences, covered, coverage, coverage + 0.15 * hit.score / top))
        matches.sort(key=lambda m: m.score, reverse=True)
        return matches

    @staticmethod
    def _sentence(query: Query, sentence: str, titles: str, known, weights, total, bound: str) -> _Sentence:
        """`bound`: the bound the question asks for (asked_bound), "" for none."""
        text = normalize(sentence).lower()
        meant = with_meanings(sentence)
        # a sentence that gives the number asked (the year of 什么时候前完成) states it, though a year is no amount
        given = [re.search(needed, text) for _, needed in query.unanswerable]
        gives_detail = bool(given) and all(m and re.search(r"\d", m.group()) for m in given)
        covered = frozenset(c.word for c in known if matches_concept(c, meant) or matches_concept(c, titles))
        subject_text = _RATIO_BASE.sub("占比重", titles + text)
        bounds = {m.bound for m in mentions(sentence) if m.bound} if bound else set()
        return _Sentence(
            text=sentence,
            covered=covered,
            coverage=_weighted(covered, weights, total, titles, known, meant),
            has_quantity=has_quantity(text) or gives_detail,
            subject_match=not known or any(matches_concept(c, subject_text) for c in known if not c.qualifier),
            scope_match=all(matches_concept(c, text) for c in known if c.qualifier),
            bound_match=not bound or bound in bounds,
            bound_against=bool(bound) and bool(bounds) and bound not in bounds,
        )

    @staticmethod
    def _best_sentences(query: Query, match: _ClauseMatch, whole: bool = False) -> list[_Sentence]:
        """The sentences that cover the most, in document order; a number question's number comes first
        (with `whole`, the number of the clause's own subject)."""
        def stated(s: _Sentence) -> bool:
            if whole:
                return s.has_quantity and s.scope_match
            return s.states_number and (query.wants_number or query.mentions_target)

        # a question that names nothing but a year (到2035年要达到什么目标): the year picks the sentence
        named = any(c.known for c in query.key_concepts) or query.wants_number
        years = [] if named else [y for y in query.quantities if _YEAR.fullmatch(y)]
        ranked = sorted(match.sentences, key=lambda s: (stated(s), all(y in s.text for y in years), s.coverage),
                        reverse=True)
        chosen = ranked[:SENTENCES_PER_CLAUSE]
        return [s for s in match.sentences if s in chosen]

"""Items built from facts: each tests one fact, cites its clause and quotes the plan's words.

Difficulty rule (also in the README): how close the wrong options are to the answer.
- 单项选择 takes the closeness of its distractors: 难 when every one is of the same category and close (a
  value in the same unit within a factor of ten, or another target written with the same words; another
  place's or a sibling list's items); 中 when of the same category but further (the same table column, items
  shaped like the list's own, sibling headings, quoted terms of the same length); 易 otherwise.
- 多项选择 is at least 中: several answers must all be found.
- 判断: a true statement is 易; a false one is as close as its changed words, at most 中.
- 填空 has no options: a number is 中 (the sentence narrows it), a word or a list item is 难.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable
from dataclasses import replace

from ..schema import ClauseKind
from ..text import shared_run
from .distractors import Distractors, Drawn
from .facts import Fact, ListFact, QuantityFact, SectionFact, TableFact, TermFact
from .model import BLANK, DIFFICULTIES, FALSE, GAP, MULTI_OPTIONS, TRUE, Difficulty, Focus, Kind, QuizItem
from .phrases import INDUSTRY_ENDINGS, core, segment

_QUOTE_MAX = 90
Builder = Callable[[Fact, Distractors, Kind, random.Random], list[QuizItem]]


def difficulty(kind: Kind, focus: Focus, drawn: Drawn | None = None, true: bool = False) -> Difficulty:
    """The rule of the module docstring."""
    if kind == Kind.BLANK:
        return Difficulty.MEDIUM if focus == Focus.VALUE else Difficulty.HARD
    if kind == Kind.TRUEFALSE:
        if true or drawn is None:
            return Difficulty.EASY
        return min(drawn.closeness, Difficulty.MEDIUM, key=DIFFICULTIES.index)
    closeness = drawn.closeness if drawn else Difficulty.EASY
    return max(closeness, Difficulty.MEDIUM, key=DIFFICULTIES.index) if kind == Kind.MULTI else closeness


def quoted(text: str) -> str:
    """Text in quotation marks, its own quotation marks made single: “国家专精特新‘小巨人’企业数量”."""
    return "“" + text.replace("“", "‘").replace("”", "’") + "”"


def _where(fact: Fact, pick: Distractors) -> str:
    """The part of the plan an item is about; a clause that names a task is placed in its part, which names the
    subject (“拓展深化北斗规模应用”之“夯实技术创新与产业协同根基”)."""
    clause = fact.clause
    if clause.kind == ClauseKind.PREAMBLE:
        return "规划前言"
    parent = pick.plan.document.clause(clause.parent) if clause.parent and clause.level >= 3 else None
    if parent and parent.heading and pick.plan.phrases.is_task(clause.heading):
        return f"规划{quoted(parent.heading)}之{quoted(clause.heading)}部分"
    return f"规划{quoted(clause.heading)}部分"


def _quote(fact: Fact) -> str:
    """The plan's words for the explanation: the sentence, or the part of a long one that holds the fact."""
    sentence = fact.evidence
    claim = getattr(fact, "claim", "")
    if len(sentence) <= _QUOTE_MAX or not claim:
        return sentence
    begin = sentence.find(claim)
    end = begin + len(claim)
    if isinstance(fact, ListFact) and fact.place:
        begin = min(begin, segment(sentence, sentence.find(fact.subject), 0)[0])
    if isinstance(fact, QuantityFact) and fact.time:
        begin = 0
    return ("……" if begin > 0 else "") + sentence[begin:end] + ("……" if end < len(sentence) else "")


def _explain(fact: Fact, original: str = "", changed: str = "") -> str:
    clause = fact.clause
    source = f"依据{clause.ref}" + (f"（{clause.heading}）" if clause.heading != clause.ref else "")
    if isinstance(fact, SectionFact):
        text = f"{source}，其下设：{'；'.join(fact.evidence.splitlines())}"
    else:
        text = f"{source}：“{_quote(fact)}”"
    return f"原文为“{original}”，题中改为“{changed}”。{text}" if changed else text


def _item(kind: Kind, fact: Fact, stem: str, options: Iterable[str], answers: Iterable[str], focus: Focus,
          rng: random.Random, drawn: Drawn | None = None, **extra: str) -> QuizItem:
    options, answers = list(options), list(answers)
    if kind.has_options:
        rng.shuffle(options)
        answers.sort(key=options.index)
    clause = fact.clause
    explanation = _explain(fact, extra.get("original", ""), extra.get("changed", ""))
    return QuizItem(
        kind=kind, stem=stem, options=tuple(options), answers=tuple(answers), ref=clause.ref, title=clause.title,
        evidence=fact.evidence, explanation=explanation, focus=focus, fact=fact.key,
        difficulty=difficulty(kind, focus, drawn, answers == [TRUE]), doc_id=clause.doc_id, **extra,
    )


def _choice(fact: Fact, drawn: Drawn, stem: str, answer: str, focus: Focus, rng: random.Random) -> list[QuizItem]:
    """A single choice, when three distractors were found."""
    if len(drawn) < 3:
        return []
    return [_item(Kind.CHOICE, fact, stem, [answer, *drawn.options], (answer,), focus, rng, drawn)]


def _true(fact: Fact, stem: str, claim: str, rng: random.Random, focus: Focus) -> QuizItem:
    return _item(Kind.TRUEFALSE, fact, stem, (TRUE, FALSE), (TRUE,), focus, rng, claim=claim)


def _false(fact: Fact, stem: str, claim: str, rng: random.Random, focus: Focus, drawn: Drawn,
           original: str = "") -> QuizItem:
    change = {"original": original, "changed": drawn.options[0]} if original else {}
    return _item(Kind.TRUEFALSE, fact, stem, (TRUE, FALSE), (FALSE,), focus, rng, drawn, claim=claim, **change)


def _timed(time: str, claim: str) -> str:
    return f"{time}，{claim}" if time else claim


def _quantity_items(fact: QuantityFact, pick: Distractors, kind: Kind, rng: random.Random) -> list[QuizItem]:
    where = _where(fact, pick)
    head, rest = fact.claim[:fact.at], fact.claim[fact.at + len(fact.number):]
    if kind == Kind.BLANK:
        stem = f"根据{where}：{_timed(fact.time, head + BLANK + rest)}。"
        return [_item(kind, fact, stem, (), (fact.number,), Focus.VALUE, rng)]
    drawn = pick.quantity(fact, rng, 3 if kind == Kind.CHOICE else 1)
    if kind == Kind.CHOICE and len(drawn) == 3:
        stem = f"根据{where}：{_timed(fact.time, head + GAP + rest[len(fact.unit):])}。"
        return [_item(kind, fact, stem, [fact.value, *drawn.options], (fact.value,), Focus.VALUE, rng, drawn)]
    if kind == Kind.TRUEFALSE:
        if rng.random() < 0.5:
            return [_true(fact, f"根据{where}，{_timed(fact.time, fact.claim)}。", fact.claim, rng, Focus.VALUE)]
        if drawn.options:
            claim = head + drawn.options[0] + rest[len(fact.unit):]
            return [_false(fact, f"根据{where}，{_timed(fact.time, claim)}。", claim, rng, Focus.VALUE, drawn,
                           fact.value)]
    return []


def _category_items(fact: TableFact, pick: Distractors, kind: Kind, rng: random.Random) -> list[QuizItem]:
    ind = fact.indicator
    name = quoted(ind.name)
    if kind == Kind.CHOICE:
        return _choice(fact, pick.category(fact, rng, 3), f"规划专栏中，{name}属于哪一类指标？", ind.category,
                       Focus.VALUE, rng)
    if kind == Kind.TRUEFALSE:
        if rng.random() < 0.5:
            return [_true(fact, f"规划专栏中，{name}属于{ind.category}类指标。", f"{ind.category}类指标{ind.number}",
                          rng, Focus.VALUE)]
        drawn = pick.category(fact, rng, 1)
        if drawn.options:
            changed = drawn.options[0]
            return [_false(fact, f"规划专栏中，{name}属于{changed}类指标。", f"{changed}类指标{ind.number}", rng,
                           Focus.VALUE, drawn, ind.category)]
    return []


def _table_items(fact: TableFact, pick: Distractors, kind: Kind, rng: random.Random) -> list[QuizItem]:
    if fact.aspect == "category":
        return _category_items(fact, pick, kind, rng)
    ind = fact.indicator
    lead = f"根据规划专栏，{quoted(ind.name)}的{fact.label}"
    if kind == Kind.BLANK:
        bound = {"≥": "不低于", "≤": "不高于"}.get(fact.raw_value[:1], "")
        stem = f"{lead}为{bound}{BLANK}{ind.unit}。"
        return [_item(kind, fact, stem, (), (fact.raw_value.lstrip("≥≤"),), Focus.VALUE, rng)]
    if kind == Kind.CHOICE:
        drawn = pick.table(fact, rng, 3)
        if len(drawn) == 3:
            return [_item(kind, fact, f"{lead}是{GAP}。", [fact.value, *drawn.options], (fact.value,), Focus.VALUE,
                          rng, drawn)]
    if kind == Kind.TRUEFALSE:
        raw_label = ind.base_label if fact.aspect == "base" else ind.target_label
        if rng.random() < 0.5:
            return [_true(fact, f"{lead}为{fact.value}。", raw_label + fact.value, rng, Focus.VALUE)]
        drawn = pick.table(fact, rng, 1)
        if drawn.options:
            changed = drawn.options[0]
            return [_false(fact, f"{lead}为{changed}。", raw_label + changed, rng, Focus.VALUE, drawn, fact.value)]
    return []


def _list_lead(fact: ListFact, pick: Distractors) -> str:
    return f"根据规划，{fact.subject}" if fact.place else f"根据{_where(fact, pick)}："


def _subject_noun(fact: ListFact, options: list[str]) -> str:
    if fact.place:
        return "哪个地区" if fact.place.kind == "region" else "哪个城市"
    if fact.clause.level >= 3 and all(o.endswith(INDUSTRY_ENDINGS) for o in options):
        return "哪个产业"
    return ""


def _subject_item(fact: ListFact, pick: Distractors, rng: random.Random) -> list[QuizItem]:
    """Whose list is it: 下列哪个产业聚焦A等核心领域？"""
    subject = fact.subject or fact.clause.heading
    name = core(subject)
    # the stem must not give its answer away: 聚焦新兴软件 → 软件和信息技术服务业
    probes = [item for item in fact.askable if shared_run(item, name) < 2]
    if not probes or name in fact.before + fact.ending:
        return []
    probe = rng.choice(probes)
    drawn = pick.subjects(fact, probe, rng, 3)
    noun = _subject_noun(fact, [subject, *drawn.options])
    if len(drawn) < 3 or not noun:
        return []
    stem = f"根据规划，下列{noun}{fact.before}{probe}{fact.ending}？"
    return [_item(Kind.CHOICE, fact, stem, [subject, *drawn.options], (subject,), Focus.SUBJECT, rng, drawn,
                  probe=probe)]


def _list_items(fact: ListFact, pick: Distractors, kind: Kind, rng: random.Random) -> list[QuizItem]:
    lead, askable = _list_lead(fact, pick), fact.askable
    if not askable or kind.has_options and not fact.closed:
        return []
    if kind == Kind.MULTI:
        correct = rng.sample(askable, min(len(askable), rng.choice((2, 3))))
        drawn = pick.list_items(fact, rng, MULTI_OPTIONS - len(correct))
        if len(correct) < 2 or len(drawn) < 2:
            return []
        stem = f"{lead}{fact.before}{GAP}{fact.ending}。"
        return [_item(kind, fact, stem, [*correct, *drawn.options], correct, Focus.MEMBER, rng, drawn)]
    if kind == Kind.BLANK:
        position = fact.items.index(rng.choice(askable))
        shown = [BLANK if i == position else item for i, item in enumerate(fact.items)]
        return [_item(kind, fact, f"{lead}{fact.with_items(shown)}。", (), (fact.items[position],), Focus.MEMBER, rng)]
    if kind == Kind.CHOICE:
        items = []
        answer = rng.choice(askable)
        drawn = pick.list_items(fact, rng, 3)
        if len(drawn) == 3:
            stem = f"{lead}{fact.before}{GAP}{fact.ending}。"
            items.append(_item(kind, fact, stem, [answer, *drawn.options], (answer,), Focus.MEMBER, rng, drawn))
        return items + _subject_item(fact, pick, rng)
    if kind == Kind.TRUEFALSE:
        if rng.random() < 0.5:
            return [_true(fact, f"{lead}{fact.claim}。", fact.claim, rng, Focus.MEMBER)]
        position = fact.items.index(rng.choice(askable))
        drawn = pick.list_items(fact, rng, 1)
        if drawn.options:
            claim = fact.with_items(drawn.options[0] if i == position else item for i, item in enumerate(fact.items))
            return [_false(fact, f"{lead}{claim}。", claim, rng, Focus.MEMBER, drawn, fact.items[position])]
    return []


def _term_items(fact: TermFact, pick: Distractors, kind: Kind, rng: random.Random) -> list[QuizItem]:
    lead, term = f"根据{_where(fact, pick)}：", f"“{fact.term}”"
    if kind == Kind.BLANK:
        stem = f"{lead}{fact.claim.replace(term, f'“{BLANK}”')}。"
        return [_item(kind, fact, stem, (), (fact.term,), Focus.TERM, rng)]
    if kind == Kind.CHOICE:
        stem = f"{lead}{fact.claim.replace(term, GAP)}。"
        return _choice(fact, pick.terms(fact, rng, 3), stem, fact.term, Focus.TERM, rng)
    if kind == Kind.TRUEFALSE:
        if rng.random() < 0.5:
            return [_true(fact, f"{lead}{fact.claim}。", fact.claim, rng, Focus.TERM)]
        drawn = pick.terms(fact, rng, 1)
        if drawn.options:
            claim = fact.claim.replace(term, f"“{drawn.options[0]}”")
            return [_false(fact, f"{lead}{claim}。", claim, rng, Focus.TERM, drawn, fact.term)]
    return []


def _section_items(fact: SectionFact, pick: Distractors, kind: Kind, rng: random.Random) -> list[QuizItem]:
    part = _where(fact, pick)
    if kind == Kind.MULTI:
        correct = rng.sample(fact.members, min(len(fact.members), rng.choice((2, 3))))
        drawn = pick.sections(fact, rng, MULTI_OPTIONS - len(correct))
        if len(drawn) >= 2:
            return [_item(kind, fact, f"下列哪些属于{part}的内容？", [*correct, *drawn.options], correct,
                          Focus.SECTION, rng, drawn)]
    if kind == Kind.CHOICE:
        answer = rng.choice(fact.members)
        drawn = pick.sections(fact, rng, 3)
        if len(drawn) == 3:
            return [_item(kind, fact, f"下列哪一项属于{part}的内容？", [answer, *drawn.options], (answer,),
                          Focus.SECTION, rng, drawn)]
    if kind == Kind.TRUEFALSE:
        if rng.random() < 0.5:
            member = rng.choice(fact.members)
            return [_true(fact, f"{quoted(member)}属于{part}的内容。", member, rng, Focus.SECTION)]
        drawn = pick.sections(fact, rng, 1)
        if drawn.options:
            other = drawn.options[0]
            item = _false(fact, f"{quoted(other)}属于{part}的内容。", other, rng, Focus.SECTION, drawn)
            return [replace(item, explanation=f"{quoted(other)}不在其中。{item.explanation}")]
    return []


BUILDERS: dict[type, Builder] = {
    QuantityFact: _quantity_items, TableFact: _table_items, ListFact: _list_items, TermFact: _term_items,
    SectionFact: _section_items,
}


def build_items(fact: Fact, pick: Distractors, kind: Kind, rng: random.Random) -> list[QuizItem]:
    return BUILDERS[type(fact)](fact, pick, kind, rng)

"""Answers computed from the plan's facts: calculations with their working, filters and rankings across
items, and claims checked against what the plan states. Every operand is cited; nothing is estimated."""

from __future__ import annotations

import os
import re
from dataclasses import replace

from ...facts import Bound, Fact, Role
from ...facts.lookup import NAMED_RUN, targets_by_sentence
from ...schema import Answer, Hit, Query, Route, Statement
from ...text import normalize, parse_quantities, shared_run
from ..intent import ASKS_BASE, Comparison, Intent, Operation, Order, asked_unit, unit_family
from .base import AnswerContext, build_answer

_PERCENT = ("%", "‰")
_RATE = re.compile(r"增速|增长|降低|下降|减少")
_INDICATORS = re.compile(r"指标")
_EACH = re.compile(r"分别|各自|各|每个")
_EXPLICIT_DIFFERENCE = re.compile(r"百分点|差|比|相比|高出|低于|高于|多出")
_PERCENT_WORDS = re.compile(r"百分|%|比重|比率|占比|比例")
_RISE = re.compile(r"提高|提升|增长|增加|上升|提|涨|升")
_CUMULATIVE = re.compile(r"累计|总共|一共|合计|倍")
_RUNNER_UP = re.compile(r"第二(?:名|位|高|多)?|次高|其次|后一名")
_TWO_THINGS = re.compile(r"(?<![占对])比(?![重例])|和|与|跟|同|对比|差距|相差|之间")
MAX_RANKED = 20


def number(value: float) -> str:
    """A computed value as a person writes it: 107, 0.8, 1.44."""
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return text if text != "-0" else "0"


def _unit_of_difference(unit: str) -> str:
    """How a difference is written after its value: 0.8个百分点 for shares and rates, 107（家） otherwise."""
    return "个百分点" if unit in _PERCENT else f"（{unit}）"


def fact_statement(fact: Fact) -> Statement:
    """The fact's words, with its subject and its year where the words leave them to the sentence around them
    (到2031年，全市…达到40家 → the span 全市…达到40家 said of 2031年)."""
    text = fact.span if fact.subject in fact.span else f"{fact.subject}：{fact.span}"
    year = f"{fact.year}年"
    return Statement(text if not fact.year or year in text else f"（{year}）{text}", fact.ref)


def answer_from(query: Query, hits: list[Hit], context: AnswerContext, facts: list[Fact],
                 statements: list[Statement], lead: str = "") -> Answer:
    clauses = [c for c in (context.clause(f.doc_id, f.ref) for f in facts) if c]
    return build_answer(query, statements, clauses, hits, lead, check_premise=False)


def _is_rate(fact: Fact) -> bool:
    """A measure that is itself a change per year (年均增速, 能耗降低)."""
    return fact.unit in _PERCENT and bool(_RATE.search(fact.subject))


def _same_thing(a: Fact, b: Fact) -> bool:
    """A table row and a sentence that restates it: the same role and value, and the same subject (one name
    inside the other, or a long shared part)."""
    if a.role != b.role or a.value != b.value or a.unit != b.unit:
        return False
    return a.subject in b.subject or b.subject in a.subject or shared_run(a.subject, b.subject) >= NAMED_RUN


def targets_of(facts: list[Fact]) -> list[Fact]:
    """One target per thing (the table row wins over a sentence restating it), in the order named."""
    return [target for _, target in map(base_and_target, group_by_thing(facts)) if target]


# -- calculation -------------------------------------------------------------------------------------------
def answer_calculation(query: Query, intent: Intent, hits: list[Hit], context: AnswerContext) -> Answer | None:
    if intent.operation is None or (intent.order and _RUNNER_UP.search(query.text)):  # ranked, then computed
        return None
    if intent.operation == Operation.SUM:
        return _sum(query, hits, context, context.facts.named_in(query.text, query.concepts))
    facts = context.facts.named_in(query.text, query.concepts, by_name=True)  # never a number merely alike
    strange = any(c.salient and not c.known for c in query.key_concepts)  # 养老金: a noun no document uses
    if hits and hits[0].route == Route.INDICATOR and not strange and _names_row_better(query, hits[0], facts):
        facts = context.facts.plan.facts_of(hits[0].clause.ref)  # a row named in the asker's words
    if facts and _is_rate(facts[0]) and _CUMULATIVE.search(query.text):
        target = next((f for f in facts if f.role == Role.TARGET and _is_rate(f)), None)
        return _compound(query, hits, context, target) if target else None
    if not facts or (intent.operation == Operation.DIFFERENCE and _is_rate(facts[0])
                     and not _EXPLICIT_DIFFERENCE.search(query.text)):
        return None  # 每年增长多少 asks for a growth rate's value, not a difference
    if intent.operation == Operation.DIFFERENCE and _is_increment(facts[0]):
        return None  # 五年新增多少 of 新增规上企业 (累计3000家): the target is the answer, not target − base
    things = group_by_thing(facts)
    rows = [base_and_target(group) for group in things]
    changes = [(base, target) for base, target in rows if base and target]
    if len(changes) >= 2 and _EACH.search(query.text):
        return _changes(query, intent, hits, context, changes)
    if changes and rows[0] == changes[0] and not _TWO_THINGS.search(query.text):
        return _changes(query, intent, hits, context, changes[:1])  # one thing named: its base to its target
    firsts = [target for _, target in rows if target]
    same_unit = [f for f in firsts if f.unit == firsts[0].unit] if firsts else []
    if len(same_unit) >= 2:
        return _between(query, intent, hits, context, same_unit[:2])
    if changes:
        return _changes(query, intent, hits, context, changes[:1])
    target = firsts[0] if firsts else None
    if target and intent.operation == Operation.RATIO and _is_rate(target):
        return _compound(query, hits, context, target)
    return None


def _names_row_better(query: Query, top: Hit, facts: list[Fact]) -> bool:
    """The question names the top table row more fully than any fact it names by a shorter run (单位增加值能耗
    names row 18, whose target is words, not the 规模工业增加值 of row 13): that row's numbers, or none, are used."""
    if any(f.ref == top.clause.ref for f in facts):
        return False
    question = normalize(query.text)
    return shared_run(question, normalize(top.clause.heading)) > max(
        (shared_run(question, normalize(f.subject)) for f in facts), default=0)


def _is_increment(fact: Fact) -> bool:
    """A measure that is itself an increase (新增…, a cumulative target): subtracting its base means nothing."""
    return fact.subject.startswith("新增") or "累计" in fact.span


def group_by_thing(facts: list[Fact]) -> list[list[Fact]]:
    """Facts grouped by what they are about (a table row and the sentence restating it are one thing)."""
    rows: dict[tuple[str, str], list[Fact]] = {}
    for fact in facts:
        rows.setdefault((fact.ref, fact.subject), []).append(fact)
    things: list[list[Fact]] = []
    for row in rows.values():
        group = next((g for g in things if any(_same_thing(f, other) for f in row for other in g)), None)
        if group is None:
            things.append(list(row))
        else:
            group.extend(row)
    return things


def base_target_pairs(facts: list[Fact]) -> list[tuple[Fact, Fact]]:
    """Each thing that has both a base and a target, as that pair."""
    return [(base, target) for base, target in map(base_and_target, group_by_thing(facts)) if base and target]


def base_and_target(group: list[Fact]) -> tuple[Fact | None, Fact | None]:
    """The base and target of one thing, from the same row where there is one."""
    for fact in group:
        if fact.role == Role.TARGET:
            base = next((f for f in group if f.role == Role.BASE and f.ref == fact.ref), None)
            if base:
                return base, fact
    return (next((f for f in group if f.role == Role.BASE), None),
            next((f for f in group if f.role == Role.TARGET), None))


def _changes(query, intent, hits, context, pairs: list[tuple[Fact, Fact]]) -> Answer:
    statements, facts, bounded = [], [], []
    for base, target in pairs:
        results = [_change(replace(intent, operation=op), base, target)
                   for op in intent.operations or (intent.operation,)]
        statements += [fact_statement(base), fact_statement(target)]
        statements += [Statement(f"计算：{result}", target.ref) for result in results]
        facts += [base, target]
        if target.bound != Bound.EXACT:
            bounded.append(target.quantity)
    lead = f"按规划数值计算（目标为{'、'.join(bounded)}，结果为下限）：" if bounded else "按规划数值计算："
    return answer_from(query, hits, context, facts, statements, lead)


def _change(intent: Intent, base: Fact, target: Fact) -> str:
    """The working of one change from base to target: a difference, a multiple or a yearly average."""
    years = int(target.year) - int(base.year) if target.year and base.year else 0
    if intent.operation == Operation.RATIO:
        return f"{target.value_text}÷{base.value_text}{_approximately(target.value / base.value)}倍"
    if intent.operation == Operation.GROWTH:
        growth = (target.value - base.value) / base.value * 100
        return f"（{target.value_text}－{base.value_text}）÷{base.value_text}{_approximately(growth)}%"
    if intent.operation == Operation.PER_YEAR and years:
        cumulative = "累计" in target.span
        change = target.value if cumulative else target.value - base.value
        operands = target.value_text if cumulative else f"（{target.value_text}－{base.value_text}）"
        return f"{operands}÷{years}{_approximately(change / years)}（{target.unit}/年）"
    return f"{target.value_text}－{base.value_text}＝{number(target.value - base.value)}{_unit_of_difference(target.unit)}"


def _approximately(value: float) -> str:
    """＝3 when the result is exact to two places, ≈3.12 when it is rounded."""
    return f"{'＝' if abs(round(value, 2) - value) < 1e-9 else '≈'}{number(value)}"


def _compound(query, hits, context, rate: Fact) -> Answer:
    years = re.findall(r"(\d{4})年", query.text)
    span = abs(int(years[-1]) - int(years[0])) if len(years) >= 2 else 5
    multiple = (1 + rate.value / 100) ** span
    result = f"（1＋{rate.value_text}%）^{span}{_approximately(multiple)}倍"
    if "倍" not in query.text:  # 累计涨多少: the growth over the years, in per cent
        result += f"，即累计增长约{number(round((multiple - 1) * 100, 1))}%"  # an estimate: to 0.1%
    statements = [fact_statement(rate), Statement(f"按年均{rate.quantity}连续{span}年计算：{result}", rate.ref)]
    return answer_from(query, hits, context, [rate], statements, "按规划目标值推算（目标为下限时结果也是下限）：")


def _between(query, intent, hits, context, pair: list[Fact]) -> Answer:
    high, low = sorted(pair, key=lambda f: f.value, reverse=True)
    if intent.operation == Operation.RATIO:
        result = f"{high.value_text}÷{low.value_text}{_approximately(high.value / low.value)}倍"
    else:
        result = f"{high.value_text}－{low.value_text}＝{number(high.value - low.value)}{_unit_of_difference(high.unit)}"
    statements = [fact_statement(f) for f in pair]
    statements.append(Statement(f"{high.subject}高于{low.subject}，计算：{result}", high.ref))
    return answer_from(query, hits, context, pair, statements, "按规划数值计算：")


def _sum(query, hits, context, facts: list[Fact]) -> Answer | None:
    """Several numbers one sentence lists (2000家基础级、800家先进级…), else one target per thing named."""
    family = comparable_targets(query, Intent(), context) if _names_category(query, context) else []
    targets = family or targets_of(facts)
    group = max(targets_by_sentence(family or facts), key=len, default=[])
    question = normalize(query.text)
    named = _distinguished_in(group, question)
    if len(named) >= 2:  # 先进级和卓越级一共: only those the question names of the sentence's numbers
        group = named
    elif not family and not _names_common_part(group, question):
        group = []
    if len(group) < 2:
        group = [f for f in targets if f.unit == targets[0].unit] if targets else []
    asked = asked_unit(query.text)
    if len(group) < 2 or asked and not (unit_family(group[0].unit) == asked or group[0].unit.startswith(asked)):
        return None  # 一共多少家 adds up numbers of firms, not the percentages named beside them
    group = sorted(group, key=context.facts.plan.facts.index)  # as the plan lists them
    total = sum(f.value for f in group)
    result = "＋".join(f.value_text for f in group) + f"＝{number(total)}（{group[0].unit}）"
    shared = len({f.span for f in group}) == 1
    statements = [Statement(group[0].span, group[0].ref)] if shared else [fact_statement(f) for f in group]
    statements.append(Statement(f"合计：{result}", group[0].ref))
    summed = {f.ref for f in group}
    apart = [f for f in context.facts.plan.facts if family and f.role == Role.TARGET and f.ref not in summed
             and f.category == group[0].category and f.unit == group[0].unit and f.ref in context.facts.item_of]
    for fact in apart:  # an item of the category whose target measures something else (软件业务收入)
        statements.append(Statement(f"{item_name(context, fact)}：{fact.span}（口径不同，未计入合计）", fact.ref))
    return answer_from(query, hits, context, group + apart, statements, "按规划数值计算：")


def _names_common_part(group: list[Fact], question: str) -> bool:
    """The question names what the group's numbers all count (智能工厂 of 基础级/先进级/卓越级智能工厂)."""
    if len(group) < 2:
        return False
    common = _common_ending([f.subject for f in group])
    return shared_run(question, common) >= NAMED_RUN or common in question


def _common_ending(names: list[str]) -> str:
    return os.path.commonprefix([name[::-1] for name in names])[::-1]


def _distinguished_in(group: list[Fact], question: str) -> list[Fact]:
    """The facts of a group whose own part of the name (what is left when the part all names share is
    taken away: 先进级 of 先进级智能工厂 beside 基础级智能工厂) the question writes."""
    subjects = [f.subject for f in group]
    if len(set(subjects)) < 2:
        return []
    common = len(_common_ending(subjects))
    lead = len(os.path.commonprefix(subjects))
    own = [s[lead:len(s) - common] for s in subjects]
    return [f for f, part in zip(group, own) if len(part) >= 2 and part in question]


# -- filter and rank ---------------------------------------------------------------------------------------
def answer_ranking(query: Query, intent: Intent, hits: list[Hit], context: AnswerContext) -> Answer | None:
    if not (intent.order or intent.comparison) or not (query.wants_number or query.mentions_target
                                                       or intent.by_change):
        return None
    if intent.by_change and intent.order:
        return _rank_changes(query, intent, hits, context)
    named = context.facts.named_in(query.text, query.concepts)
    named = ([f for f in named if f.role == Role.BASE] if ASKS_BASE.search(normalize(query.text))
             else targets_of(named))
    if intent.which_of and len({f.ref for f in named}) >= 2:
        family = named
    else:
        family = comparable_targets(query, intent, context)
    if len(family) < 2:
        return None
    words = ""
    runner_up = intent.operation == Operation.DIFFERENCE and bool(_RUNNER_UP.search(query.text))
    if intent.comparison:
        family, words = _filtered(family, intent)
    family.sort(key=lambda f: f.value, reverse=intent.order != Order.LOWEST)
    if family is named:  # 哪个更高: every item the question names, the answer first
        words = f"{item_name(context, family[0])}{'最低' if intent.order == Order.LOWEST else '最高'}"
    elif intent.order == Order.BOTH and not intent.comparison:
        family, words = [family[0], family[-1]], "最高和最低的"
    elif intent.order and not intent.comparison and _EACH.search(query.text):  # 各自多少？哪个最多？: all, ranked
        words = (f"{'从高到低' if intent.order == Order.HIGHEST else '从低到高'}排列，"
                 f"{'最高' if intent.order == Order.HIGHEST else '最低'}的是{item_name(context, family[0])}")
    elif intent.order and not intent.comparison:
        family = family[: max(intent.top, 2 if runner_up else 1)]
        words = f"{'最高' if intent.order == Order.HIGHEST else '最低'}的{len(family)}项"
    if not family:
        statements = [Statement(f"规划所列各项中没有{words}的。", named[0].ref if named else hits[0].clause.ref)]
        return answer_from(query, hits, context, named, statements)
    statements = [Statement(f"{item_name(context, f)}：{f.quantity}", f.ref) for f in family[:MAX_RANKED]]
    if runner_up and len(family) >= 2 and family[0].unit == family[1].unit:  # 最高的跟第二名差多少
        high, low = sorted(family[:2], key=lambda f: f.value, reverse=True)
        difference = f"{number(high.value - low.value)}{_unit_of_difference(high.unit)}"
        statements = statements[:2] + [Statement(f"计算：{high.value_text}－{low.value_text}＝{difference}", family[0].ref)]
    values = "基期值" if family[0].role == Role.BASE else "目标"
    return answer_from(query, hits, context, family, statements, f"按规划所列{values}，{words}（共{len(family)}项）：")


def _filtered(family: list[Fact], intent: Intent) -> tuple[list[Fact], str]:
    """The items a filter keeps (低于1500亿元, 5000亿元以上, 在3000亿元至4000亿元之间), and the filter in words."""
    low, high = _amount(intent.threshold), _amount(intent.upper)
    if intent.comparison == Comparison.BETWEEN:
        kept = [f for f in family if (low < f.value or intent.inclusive and low == f.value)
                and (f.value < high or intent.upper_inclusive and f.value == high)]
        return kept, f"在{intent.threshold}至{intent.upper}之间"
    if intent.comparison == Comparison.BELOW:
        kept = [f for f in family if f.value < low or (intent.inclusive and f.value == low)]
        return kept, f"{'不高于' if intent.inclusive else '低于'}{intent.threshold}"
    kept = [f for f in family if f.value > low or (intent.inclusive and f.value == low)]
    return kept, f"{'不低于' if intent.inclusive else '高于'}{intent.threshold}"


def _rank_changes(query, intent, hits, context) -> Answer | None:
    """提高最多/最少: the things with a base and a target of the same unit, ranked by target − base."""
    pairs = base_target_pairs(context.facts.plan.facts)
    if _PERCENT_WORDS.search(normalize(query.text)):
        pairs = [(b, t) for b, t in pairs if t.unit in _PERCENT]
    by_unit: dict[str, list[tuple[Fact, Fact]]] = {}
    for base, target in pairs:
        by_unit.setdefault(target.unit, []).append((base, target))
    if not by_unit:
        return None
    pairs = max(by_unit.values(), key=len)
    if _RISE.search(query.text) and intent.order != Order.HIGHEST:  # 提高最少: of those that rise
        pairs = [(b, t) for b, t in pairs if t.value > b.value] or pairs
    pairs.sort(key=lambda p: p[1].value - p[0].value, reverse=intent.order != Order.LOWEST)
    chosen = [pairs[0], pairs[-1]] if intent.order == Order.BOTH else pairs[: max(intent.top, 1)]
    statements, facts = [], []
    for base, target in chosen:
        statements += [fact_statement(base), fact_statement(target),
                       Statement(f"计算：{_change(Intent(operation=Operation.DIFFERENCE), base, target)}", target.ref)]
        facts += [base, target]
    words = {Order.HIGHEST: "提高最多", Order.LOWEST: "提高最少", Order.BOTH: "提高最多和最少"}[intent.order]
    return answer_from(query, hits, context, facts, statements,
                       f"按规划所列基期值和目标值计算（共比较{len(pairs)}项），{words}的是：")


def _amount(written: str) -> float:
    found = parse_quantities(written) if written else []
    return found[0].value or 0.0 if found else 0.0


def item_name(context: AnswerContext, fact: Fact) -> str:
    item = context.facts.item_of.get(fact.ref)
    return item.name if item and fact.subject in item.name else fact.subject


def _names_category(query: Query, context: AnswerContext) -> bool:
    question = normalize(query.text)
    return any(item.category in question for item in context.facts.plan.items if item.category)


def comparable_targets(query: Query, intent: Intent, context: AnswerContext) -> list[Fact]:
    """The comparable facts a filter or ranking runs over: targets with the same unit and measure, of the
    items of one category when the question names one (新兴产业), else of every item."""
    question = normalize(query.text)
    unit = parse_quantities(intent.threshold)[0].unit if intent.threshold else ""
    named = _named_sentence_group(question, context) if intent.order else []
    if named:
        return named
    if _INDICATORS.search(question):
        return _indicator_family(question, context)
    candidates = [f for f in context.facts.plan.facts if f.role == Role.TARGET and f.ref in context.facts.item_of]
    categories = {f.category for f in candidates if f.category and f.category in question}
    if not categories and not any(word in question for f in candidates for word in (f.measure, "产业")):
        return []  # the question names neither a category nor what the items measure: not a ranking of them
    if categories:
        candidates = [f for f in candidates if f.category in categories]
    if unit:
        candidates = [f for f in candidates if f.unit == unit or f.unit.rstrip("元") == unit.rstrip("元")]
    groups: dict[tuple[str, str], list[Fact]] = {}
    for fact in candidates:
        groups.setdefault((fact.unit, fact.measure if fact.measure != fact.subject else ""), []).append(fact)
    return targets_of(max(groups.values(), key=len)) if groups else []


def _named_sentence_group(question: str, context: AnswerContext) -> list[Fact]:
    """The targets one sentence states of things the question names by what they all are (智能工厂那几级:
    2000家基础级、800家先进级、50家卓越级智能工厂)."""
    named = [group for group in context.facts.counting_sentences
             if len(_common_ending([f.subject for f in group])) >= 2 and _names_common_part(group, question)]
    return max(named, key=len) if named else []


def _indicator_family(question: str, context: AnswerContext) -> list[Fact]:
    """Table values of one unit — base values when the question asks those (2025年基期值最高), else targets —
    of the category it names (结构优化), narrowed to those whose names share its words (比重, 数量)."""
    role = Role.BASE if ASKS_BASE.search(question) else Role.TARGET
    rows = [f for f in context.facts.plan.facts if f.table and f.role == role]
    rows = [f for f in rows if f.category and f.category in question] or rows
    named = [f for f in rows if any(len(word) >= 2 and word in question for word in _name_words(f.subject))]
    rows = named if len(named) >= 2 else rows
    by_unit: dict[str, list[Fact]] = {}
    for fact in rows:
        by_unit.setdefault(fact.unit, []).append(fact)
    return max(by_unit.values(), key=len) if by_unit else []


def _name_words(name: str) -> tuple[str, ...]:
    """The closing word of an indicator's name (比重, 数量, 增速, 普及率): what kind of measure it is."""
    return tuple(name[-size:] for size in (2, 3))

"""Checks a model's answer against the clauses it was given, before any of it is shown.

An answer is a run of statements, each closed by its citations 【ref】. It passes when:
- every citation names a clause the model was given ([二（三）5], 【条款二(三)5】 and several refs in one pair of
  brackets are accepted and written canonically);
- every number of a statement is stated in the statement's own clause, as the same quantity. A number's own
  clause is the cited clause whose subject (heading, indicator name) the statement names nearest before it;
  when the statement names none, the cited clause whose subject the question names; failing that, the
  statement's first citation. The same quantity: the same number and unit (Chinese numerals and thousands
  separators normalised), the same bound (54% is not ≥54%) and, where both sides say it, the same role and
  year (a base value is not a target);
- a number the clause does not state is a computation that checks out: written working (75%−68%=7个百分点) is
  recomputed, and a bare result must follow from two numbers of the statement's clauses;
- an opening citation (根据条款编号【…】，…) carries over to the statement after it and is no statement itself;
- a statement says what its clauses say: at least half of its wording (character pairs, numbers aside) is
  found in its cited clauses (or the question), so a sentence of one clause cannot be passed off under
  another's reference. A cited section whose text is only its headings (二（二）) stands for the one clause
  given inside it that says the statement, and the citation is shown as that clause;
- a base value is labelled as one (基期值, 目前, or its year): unlabelled, it reads as the plan's target;
- it gives what the question asks for: a number when it asks 多少/几个, a date when it asks 什么时候;
- a calculation the question does not ask for (计算：…, or working such as 660÷5=132) is left out of the
  answer, never shown, rather than failing it: small models copy the worked example's calculation line.
- it cites at least one `required` clause or a clause inside one (the caller passes those the extracted
  answer quotes: an answer citing none of them answers from elsewhere). Citing all of them is not required:
  the extracted answer may quote a clause for context the question does not need, and every number of
  the answer is checked in its own cited clause anyway;
- it is about what the question asks (rag.qa.relevance: the question's content words some given clause
  holds, `topics`). A statement whose own clauses hold none of them (an unrelated section's heading, another
  industry's target), or that only repeats the question (生命工程 for 生命工程围绕哪些方向), is left out like an
  unrequested calculation; an answer left with nothing fails. A place the question names (`places`) that a
  statement names must be in the statement's own clauses. The cited clauses hold every such word the first
  (best) `required` clause holds: an answer from a neighbouring clause misses what the question names. For a
  list question (`listing`) every `required` clause that holds one is cited, itself or a clause inside it.
A refusal in the first sentence makes the answer a refusal, a later one a partial refusal; whether either
stands is for the caller to decide (rag.qa.answerers.generative asks the extractive pipeline).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from difflib import SequenceMatcher
from enum import StrEnum

from ..schema import Clause, Statement
from ..text import fold
from ..text.quantities import Mention, Quantity, canonical, mentions
from .arithmetic import WORKING, close, derivable, evaluate, terms
from .intent import read_intent
from .relevance import MIN_SUPPORT, Topics, scope, support

REFUSAL = "规划中没有找到相关内容"
_REFUSAL_MARKERS = (REFUSAL, "未涉及", "没有涉及", "未提及", "没有提及", "没有提到", "未找到", "没有找到",
                    "无法回答", "不能回答", "没有相关", "未作规定", "没有规定")
_CITATION_GROUP = re.compile(r"(?:【[^【】\n]{1,40}】\s*)+")
_CITATION = re.compile(r"【([^【】\n]{1,40})】")
_LOOSE_CITATION = re.compile(r"\[([^\[\]\n]{1,30})\]|〔([^〔〕\n]{1,30})〕")
_REF_SEPARATORS = re.compile(r"[,，、;；/|]|和|及")
_REF_NOISE = re.compile(r"^(?:条款编号|条款|第)[:：]?|条$")
_THINKING = re.compile(r"<think>.*?</think>", re.S)
_ECHOED_PROMPT = re.compile(r"\n\s*(?:问题|条款)[:：]")  # a small model that goes on to write the next prompt
_LEAD_IN = re.compile(r"^[\s，,。:：]*(?:(?:根据|依据|按照|参照|参见|详见|见|据)(?:规划的?)?(?:条款编号|条款|原文|第)?)?"
                      r"[\s，,:：]*$")
_SENTENCE_END = re.compile(r"[。！？!?\n]")
_GENERIC_SUFFIX = re.compile(r"(?:产业集群|产业链|产业|行动|工程)$")
_ROLE_NAMES = {"base": "基期值", "target": "目标值"}
_ASKS_DATE = re.compile(r"(?:什么|啥|哪个)时(?:候|间)|何时|哪(?:一)?(?:天|年|月)|几月|几号|日期")
_ASKS_NUMBER = re.compile(r"多少|(?<!哪)几(?:个|项|家|类|种|条|倍|成|年)")
_DATE = re.compile(r"\d{4}年|\d{1,2}月\d{1,2}日")
_CALCULATION = re.compile(r"^\W*(?:计算|算式)")


class Check(StrEnum):
    """Which check an answer failed (the fallback reasons an evaluation counts)."""

    EMPTY = "empty"
    UNCITED = "uncited"
    UNKNOWN_REF = "unknown_ref"
    NUMBER = "number"  # a number no cited clause states
    WRONG_CLAUSE = "wrong_clause"  # stated, but in another cited clause than the one the statement is about
    BOUND = "bound"  # 54% for ≥54%
    ROLE = "role"  # a base value given as a target, or the wrong year
    WORKING = "working"  # a written calculation that does not compute
    INCOMPLETE = "incomplete"  # cites none of the clauses the extracted answer quotes
    UNSUPPORTED = "unsupported"  # a statement its cited clauses do not say
    UNANSWERED = "unanswered"  # no number for 多少, no date for 什么时候
    OFF_TOPIC = "off_topic"  # no statement is about what the question names


@dataclass(frozen=True)
class Verdict:
    """What the checks found. `text` is the answer as it may be shown (citations in canonical form,
    reasoning removed); `check` and `reason` are None and empty when every check passed."""

    text: str
    reason: str
    check: Check | None
    refused: bool
    partial: bool  # answers part of the question and says the clauses do not cover the rest
    cited: tuple[Clause, ...]
    statements: tuple[Statement, ...]

    @property
    def ok(self) -> bool:
        return self.check is None


def _fail(text: str, check: Check, reason: str) -> Verdict:
    return Verdict(text, reason, check, False, False, (), ())


def _ref_key(ref: str) -> str:
    key = fold(ref).replace("·", "").replace("・", "").replace("•", "")
    return _REF_NOISE.sub("", key)


def visible_text(raw: str) -> str:
    """The model's answer without its reasoning (<think>…</think>, or an unfinished <think> while streaming)
    and without anything after it that repeats the prompt's form (a line 问题：… or 条款：…)."""
    text = _THINKING.sub("", raw)
    start = text.find("<think>")
    text = text if start < 0 else text[:start]
    return _ECHOED_PROMPT.split(text, 1)[0].strip()


def refusal(text: str) -> tuple[bool, bool]:
    """(refused, partly refused): a refusal phrase in the first sentence, or only in a later one."""
    sentences = [s for s in _SENTENCE_END.split(text) if s.strip()]
    marked = [any(marker in s for marker in _REFUSAL_MARKERS) for s in sentences]
    return bool(marked and marked[0]), bool(marked and not marked[0] and any(marked))


def complete_prefix(raw: str) -> str:
    """The streamed text up to its last citation group that is known to be finished (followed by more
    text), so a statement is checked only once its citations are complete."""
    text = visible_text(raw)
    end = 0
    for group in _CITATION_GROUP.finditer(text):
        if text[group.end():group.end() + 1] not in ("", "【"):
            end = group.end()
    return text[:end]


def _shown(mention: Mention) -> str:
    quantity = mention.quantity
    bound = (mention.bound or mention.shared_bound) if not quantity.comparator else ""
    return bound + quantity.text


def _common(text: str, subject: str) -> int:
    match = SequenceMatcher(None, text, subject, autojunk=False).find_longest_match(0, len(text), 0, len(subject))
    return match.size


class Verifier:
    """Checks answers against the clauses the model was given (and the question, for refusals)."""

    def __init__(self, clauses: list[Clause], question: str = "", required: list[Clause] | None = None,
                 topics: tuple[tuple[str, ...], ...] = (), listing: bool = False,
                 places: tuple[tuple[str, ...], ...] = ()):
        """`required`: an answer cites at least one of these or a clause inside one (the clauses the
        extracted answer quotes, best first); `listing`: the question asks for a list; `topics` and `places`:
        see rag.qa.relevance.Topics."""
        self.by_key: dict[str, Clause] = {}
        for clause in clauses:
            key = _ref_key(clause.ref)
            self.by_key.setdefault(key, clause)
            if key.removeprefix("专栏"):
                self.by_key.setdefault(key.removeprefix("专栏"), clause)  # 指标11 for 专栏·指标11
        self.clauses = clauses
        self.by_ref = {(c.doc_id, c.ref): c for c in clauses}
        self.required = required or []
        self.question = canonical(question)
        self.calculating = read_intent(question).operation is not None
        self.listing = listing
        self.topics = Topics(clauses, self.question, topics, places)
        self._mentions: dict[str, list[Mention]] = {}

    def check(self, raw: str, complete: bool = True) -> Verdict:
        """Verify an answer; with complete=False (a streamed prefix) only the statements so far are checked."""
        text = self._bracket(visible_text(raw))
        shown: list[str] = []
        statements: list[Statement] = []
        cited: list[Clause] = []
        carried: list[Clause] = []  # an opening citation's clauses, waiting for their statement
        derived: list[Mention] = []  # results of calculations that checked out
        tail, position, off_topic = text, 0, False
        for group in _CITATION_GROUP.finditer(text):
            segment = text[position:group.start()]
            position = group.end()
            tail = text[position:]
            refs = [r.strip() for m in _CITATION.finditer(group.group(0)) for r in _REF_SEPARATORS.split(m.group(1))]
            if not self.calculating and _is_calculation(segment):  # left out: see the module docstring
                carried = []
                continue
            if not any(refs):
                return _fail(text, Check.UNKNOWN_REF, f"引用标注为空{group.group(0).strip()}")
            clauses = []
            for ref in filter(None, refs):
                clause = self.by_key.get(_ref_key(ref))
                if clause is None:
                    return _fail(text, Check.UNKNOWN_REF, f"引用了未检索到的条款【{ref}】")
                clauses.append(clause)
            clauses = list(dict.fromkeys(self._precise(c, segment) for c in clauses))
            if not _LEAD_IN.match(segment) and (not self.topics.on_topic(carried + clauses)
                                                 or self.topics.echoes(segment)):
                off_topic, carried = True, []  # left out: see the module docstring
                continue
            spacing = group.group(0)[len(group.group(0).rstrip()):]
            shown.append(segment + "".join(f"【{c.ref}】" for c in clauses) + spacing)
            cited.extend(c for c in clauses if c not in cited)
            own = list(dict.fromkeys(carried + clauses))
            if _LEAD_IN.match(segment):
                carried = own
                continue
            carried = []
            failure = self._statement(text, segment, own, derived)
            if failure:
                return failure
            statement = segment.strip().lstrip("，。；：,.;:").strip()
            if statement:
                statements.append(Statement(statement, own[0].ref))
        if not complete:
            return Verdict("".join(shown).strip(), "", None, False, False, tuple(cited), tuple(statements))
        if not text:
            return _fail(text, Check.EMPTY, "回答为空")
        refused, partial = refusal(text)
        if not cited and off_topic:
            return _fail(text, Check.OFF_TOPIC, "回答没有一句说到问题所问的" + self.topics.describe()
                         + "，或只复述了问题")
        if not cited and not refused:
            return _fail(text, Check.UNCITED, "回答没有标注引用条款")
        if cited and not self.calculating and _is_calculation(tail):  # left out, uncited as it is
            tail = ""
        if carried and tail.strip():  # 根据【…】，<statement> with nothing after it: the statement is the tail
            failure = self._statement(text, tail, carried, derived)
            if failure:
                return failure
            statements.append(Statement(tail.strip().strip("，。；：,.;:").strip(), carried[0].ref))
        else:
            # numbers after the last citation belong to no statement: they must be in a cited clause, or, in a
            # refusal, in the clauses given or the question itself ("规划中没有8000亿元的说法")
            sources = cited + [c for c in self.clauses if c not in cited] if refused or partial else cited
            failure = self._statement(text, tail, sources, derived, attribute=False,
                                      extra=mentions(self.question) if refused or partial else [])
            if failure:
                return failure
        if not refused and not partial:
            failure = self._answers_question(text)
            if failure:
                return failure
        if self.required and not refused and not any(self._within(c, r) for c in cited for r in self.required):
            return _fail(text, Check.INCOMPLETE,
                         "回答没有引用原文摘录所引的条款" + "".join(f"【{c.ref}】" for c in self.required))
        if not refused and not partial:
            failure = self._covers(text, cited)
            if failure:
                return failure
        return Verdict(("".join(shown) + tail).strip(), "", None, refused, partial, tuple(cited), tuple(statements))

    # -- one statement ---------------------------------------------------------------------------
    def _statement(self, answer: str, segment: str, clauses: list[Clause], derived: list[Mention],
                   attribute: bool = True, extra: list[Mention] | None = None) -> Verdict | None:
        """None when every number of `segment` checks out against `clauses`, else the failed Verdict."""
        text = canonical(segment)
        operands = [m for clause in clauses for m in self._of(clause)]
        working = []
        for match in WORKING.finditer(text):
            for number, unit in terms(match.group("lhs")):
                if not any(m.quantity.number == number and m.quantity.unit.startswith(unit)
                           for m in operands + derived):
                    return _fail(answer, Check.NUMBER, f"数字“{number}{unit}”在所引条款中找不到")
            number, unit = match.group("number"), match.group("unit") or ""
            result = Mention(Quantity(match.group("rhs"), number, unit, "", False), *match.span("rhs"))
            value = evaluate(match.group("lhs"))
            if value is None or not close(number, value, percent=unit == "%"):
                return _fail(answer, Check.WORKING, f"计算“{match.group(0)}”不成立")
            derived.append(result)
            working.append(match.span())
        if attribute and support(text, clauses, self.question) < MIN_SUPPORT:
            wording = segment.strip().strip("，。；：,.;:")
            return _fail(answer, Check.UNSUPPORTED,
                         f"“{wording[:30]}”不是所引条款" + "".join(f"【{c.ref}】" for c in clauses) + "的内容")
        place = self.topics.unsaid_place(text, clauses) if attribute else ""
        if place:
            return _fail(answer, Check.UNSUPPORTED, "所引条款" + "".join(f"【{c.ref}】" for c in clauses)
                         + f"没有说到“{place}”")
        subject: list[Clause] = []
        last_end = 0
        for mention in mentions(segment):
            if mention.is_year:
                if not any(mention.same_amount(m) for m in operands + (extra or [])):
                    return _fail(answer, Check.NUMBER, f"数字“{mention.quantity.text}”在所引条款中找不到")
                continue
            window, last_end = text[last_end:mention.start], mention.end
            subject = self._named(window, clauses) or subject or self._named(self.question, clauses) or clauses[:1]
            if any(start <= mention.start < end for start, end in working):  # checked with its calculation
                continue
            if any(d.same_amount(mention) or mention.same_amount(d) for d in derived):
                continue
            failure = self._stated(answer, mention, subject if attribute else clauses, clauses, extra or [])
            if failure and (failure.check != Check.NUMBER or not derivable(mention, operands)):
                return failure
        return None

    def _stated(self, answer: str, mention: Mention, own: list[Clause], cited: list[Clause],
                extra: list[Mention]) -> Verdict | None:
        """None when `mention` is stated in one of its `own` clauses as the same quantity."""
        written = mention.quantity.text
        candidates = [(c, m) for c in own for m in self._of(c) if mention.same_amount(m)]
        if not candidates:
            if any(mention.same_amount(m) for m in extra):
                return None
            elsewhere = [c for c in cited if c not in own and any(mention.same_amount(m) for m in self._of(c))]
            if elsewhere:
                return _fail(answer, Check.WRONG_CLAUSE,
                             f"数字“{written}”出自【{elsewhere[0].ref}】，但这句话说的是【{own[0].ref}】")
            return _fail(answer, Check.NUMBER, f"数字“{written}”在所引条款中找不到")
        bounded = [(c, m) for c, m in candidates
                   if mention.bound == m.bound or (not m.bound and mention.bound == m.shared_bound)]
        if not bounded:
            clause, stated = candidates[0]
            return _fail(answer, Check.BOUND, f"数字“{written}”与【{clause.ref}】原文“{_shown(stated)}”的比较关系不符")
        for clause, stated in bounded:
            if (_agree(mention.role, stated.role) and _agree(mention.year, stated.year)
                    and not _unlabelled(mention, stated)):
                return None
        clause, stated = bounded[0]
        if _unlabelled(mention, stated):
            detail = "是基期值，回答没有说明"
        elif not _agree(mention.role, stated.role):
            detail = f"是{_ROLE_NAMES[stated.role]}，不是{_ROLE_NAMES[mention.role]}"
        else:
            detail = f"是{stated.year}年的数值，不是{mention.year}年的"
        return _fail(answer, Check.ROLE, f"数字“{written}”在【{clause.ref}】中{detail}")

    def _covers(self, text: str, cited: list[Clause]) -> Verdict | None:
        """None when the cited clauses hold each of the question's words the first `required` clause holds
        (in the form it holds first) and, for a list, every `required` clause holding one is cited (itself
        or a clause inside it)."""
        held = self.topics.held_by(self.required[0]) if self.required else []
        missing = [t for t in held if not any(t in scope(c) for c in cited)]
        if missing:
            sources = [r for r in self.required if any(t in scope(r) for t in missing)]
            return _fail(text, Check.INCOMPLETE, f"回答所引条款没有说到“{'、'.join(missing)}”，原文摘录所引的"
                         + "".join(f"【{c.ref}】" for c in sources) + "说到了")
        if self.listing:
            left = [r for r in self.required if any(t in scope(r) for t in held)
                    and not any(self._within(c, r) for c in cited)]
            if left:
                return _fail(text, Check.INCOMPLETE,
                             "回答漏了原文摘录列出的" + "".join(f"【{c.ref}】" for c in left))
        return None

    def _answers_question(self, text: str) -> Verdict | None:
        """None unless the question asks for a date or a number and the answer gives none."""
        bare = _CITATION_GROUP.sub("", text)  # 【二（三）5】 holds digits that are no answer
        if _ASKS_DATE.search(self.question) and not _DATE.search(canonical(bare)):
            return _fail(text, Check.UNANSWERED, "问题问的是时间，回答没有给出日期")
        if _ASKS_NUMBER.search(self.question) and not any(not m.is_year for m in mentions(bare)):
            return _fail(text, Check.UNANSWERED, "问题问的是数量，回答没有给出数字")
        return None

    def _named(self, text: str, clauses: list[Clause]) -> list[Clause]:
        """The clauses whose subject `text` names most fully (at least 3 characters of it, or all of a
        shorter one)."""
        scores = {}
        for clause in clauses:
            subject = _GENERIC_SUFFIX.sub("", canonical(clause.heading)) or canonical(clause.heading)
            if subject:
                score = _common(text, subject)
                if score >= min(3, len(subject)):
                    scores[clause] = score
        best = max(scores.values(), default=0)
        return [c for c, score in scores.items() if score == best]

    def _precise(self, clause: Clause, segment: str) -> Clause:
        """For a cited section whose text is only its headings (二（二）), the one clause given inside it that
        says the statement (its wording and every number); else the clause as cited."""
        if any(line.strip() not in clause.title_path for line in clause.text.split("\n") if line.strip()):
            return clause
        numbers = [m for m in mentions(segment) if not m.is_year]
        inside = [c for c in self.clauses if c is not clause and self._within(c, clause)
                  and support(canonical(segment), [c], self.question) >= MIN_SUPPORT
                  and all(any(n.same_amount(m) for m in self._of(c)) for n in numbers)]
        return inside[0] if len(inside) == 1 else clause

    def _within(self, clause: Clause, ancestor: Clause) -> bool:
        """`clause` is `ancestor` or lies inside it (its parents are followed through the clauses given)."""
        seen: Clause | None = clause
        while seen is not None and seen.doc_id == ancestor.doc_id:
            if seen.ref == ancestor.ref or seen.parent == ancestor.ref:
                return True
            seen = self.by_ref.get((seen.doc_id, seen.parent)) if seen.parent else None
        return False

    def _of(self, clause: Clause) -> list[Mention]:
        if clause.ref not in self._mentions:
            self._mentions[clause.ref] = mentions(clause.text)
        return self._mentions[clause.ref]

    def _bracket(self, text: str) -> str:
        """[二（三）5] and 〔二（三）5〕 as 【二（三）5】 when every ref in them is a clause given."""
        def replace(match: re.Match) -> str:
            inner = match.group(1) or match.group(2)
            refs = [r.strip() for r in _REF_SEPARATORS.split(inner) if r.strip()]
            known = refs and all(_ref_key(r) in self.by_key for r in refs)
            return f"【{inner}】" if known else match.group(0)

        return _LOOSE_CITATION.sub(replace, text)


def _agree(answer: str, source: str) -> bool:
    return not answer or not source or answer == source


def _unlabelled(mention: Mention, stated: Mention) -> bool:
    """A base value the answer states without saying it is one (no role word, no year)."""
    return stated.role == "base" and not mention.role and not mention.year


def _is_calculation(segment: str) -> bool:
    text = canonical(segment)
    return bool(_CALCULATION.match(text) or WORKING.search(text))

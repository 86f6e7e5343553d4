"""Question analysis: clean the text, find what it asks about, explicit references and its intent."""

from __future__ import annotations

import re
from collections.abc import Callable

from ..config import MAX_QUESTION_PARTS
from ..corpus.parse import CN_NUM
from ..corpus.select import KINDS
from ..corpus.vocab import PLACE_SLOT, generic_terms, qualifiers, unanswerable_kinds
from ..index.tokenize import Tokenizer
from ..schema import Concept, Query
from ..text import clean_input, normalize, parse_quantities
from ..text.numerals import chinese_number

# 二（三）5, 二（三）第5项, （三）第5项, （三）5
_CLAUSE_REF = re.compile(
    rf"(?P<l1>[{CN_NUM}]+)?(?:[、.]|部分)?[（(](?P<l2>[{CN_NUM}]+)[）)](?:第?(?P<l3>\d{{1,2}})(?:项|条|点|款)?)?"
)
_PART_REF = re.compile(rf"第(?P<l1>[{CN_NUM}]+)部分")
_ARTICLE_REF = re.compile(rf"第(?P<n>[{CN_NUM}]+|\d{{1,3}})条")  # a regulation's article: 第九条, 第9条
_INDICATOR_REF = re.compile(r"(?:指标|专栏)\s*第?\s*(?P<a>\d{1,2})\s*(?:项|个|号|条)?|第\s*(?P<b>\d{1,2})\s*(?:项|个|号)指标")
_SOME = r"(?<![哪那这])几[家个成倍]"  # 几家: how many, or "a few" where the question asks something else (有没有)
_YES_NO = re.compile(r"有没有|是否|吗|能否|可否|([\u4e00-\u9fff])不\1")
_WANTS_NUMBER = re.compile(rf"多少|什么时候|啥时候|何时|哪天|{_SOME}|几百|几千|数值|比重|占比|比例|百分之|增速|增长率|"
                           r"利润率|普及率|基期|目标值|多大|规模多|营收.*?(?:目标|达到)")
_MENTIONS_TARGET = re.compile(r"营收|收入|产值|目标|规模|多大|量级|盘子|达到")
_WANTS_LIST = re.compile(r"每(?:条|项|个|部分|节|类)(?:都)?(?:叫|是)(?:什么|啥)|哪些|哪[几两三四五六七八九十]|包括|包含|"
                         r"有什么|都有|列举|列出|分别|几大|几个方面|什么产业|什么领域")


# whether something counts as what was asked about before (算不算, 属不属于): asked of the first part's subject
_COUNTS_AS = re.compile(r"算不算|算吗|能算|可以算|属不属于|属于吗|在不在(?:范围|之列)|包不包括|含不含")
ASKS = re.compile(r"什么|多少|哪|几|怎么|怎样|如何|吗|是否|为何|为什么|啥|多大|有没有|呢")
_SENTENCE_END = re.compile(r"[？?；;！!。]")
_COMMA = re.compile(r"[，,]")
Near = Callable[[str], tuple[str, ...]]
DISTINCTIVE_COUNT = 6  # a word the plan uses at most this often picks out what a question is about

# Person names (nr) are not taken for names the plan would have to use: jieba's HMM tags unknown
# colloquial coinages as person names.
_PROPER_NOUN = {"nz", "nt", "ns", "eng"}
_NOUN = _PROPER_NOUN | {"n", "vn", "j", "nr", "nrt"}


def clean_question(raw: object, max_chars: int) -> tuple[str, str]:
    """Return (question, notice): the text cleaned (rag.text.clean_input); an over-long question is cut."""
    text = clean_input(raw)
    notice = ""
    if len(text) > max_chars:
        notice = f"问题过长（{len(text)}字），只按前{max_chars}字回答。"
        text = text[:max_chars]
    return text, notice


def analyze(text: str, tokenizer: Tokenizer, notice: str = "", near: Near | None = None) -> Query:
    """`near`: the documents' words a word they never write means (rag.qa.near.NearWords.forms)."""
    normalized = normalize(text)
    words = tokenizer.words(normalized)
    concepts = _concepts(words, normalized, tokenizer, near)
    stated = [q for q in parse_quantities(normalized) if q.is_amount]
    terms = tokenizer.expand(words, normalized)
    meant = [form for c in concepts for form in c.broader if near and form in near(c.word) and form not in terms]
    return Query(
        text=text,
        terms=tuple(terms + meant),
        concepts=concepts,
        clause_refs=_clause_refs(normalized),
        indicator_numbers=tuple(int(m.group("a") or m.group("b")) for m in _INDICATOR_REF.finditer(normalized)),
        wants_number=_wants_number(normalized) or bool(stated),
        wants_list=bool(_WANTS_LIST.search(normalized)),
        mentions_target=bool(_MENTIONS_TARGET.search(normalized)),
        quantities=tuple(q.text for q in stated) + tuple(dict.fromkeys(re.findall(r"\d{4}年", normalized))),
        unanswerable=tuple((reason, needed.replace(PLACE_SLOT, tokenizer.gazetteer.pattern))
                           for pattern, reason, needed in unanswerable_kinds() if pattern.search(normalized)),
        notice=notice,
    )


def _wants_number(text: str) -> bool:
    """Whether the question asks a number; 几家 in a question that asks yes or no (几家企业组团出海，规划有没有
    鼓励) is "a few", not what is asked."""
    asked = [m.group() for m in _WANTS_NUMBER.finditer(text)]
    return bool(asked) and not (_YES_NO.search(text) and all(re.fullmatch(_SOME, a) for a in asked))


def split_question(text: str, tokenizer: Tokenizer, max_parts: int = MAX_QUESTION_PARTS,
                   analyzer: Callable[[str], Query] | None = None,
                   names_document: Callable[[str], bool] | None = None) -> list[str]:
    """The parts of a question that asks about several things (“电子信息营收目标多少？省里补贴多少钱？”),
    each a question of its own. A part that names nothing new (“2030年呢”) stays with the part before it;
    one that names only a place (“岳阳有份吗”) is asked about the first part's subject, its first key word
    (Chinese puts the topic first). A repeated clause counts once; at most max_parts parts are returned.
    `analyzer` is the caller's (cached) analysis of a text; a clause that `names_document` (办法对公示期怎么规定)
    is a part of its own: it is asked of that document, the others are not."""
    analyzer = analyzer or (lambda part: analyze(part, tokenizer))
    clauses: list[str] = []
    for sentence in filter(None, (p.strip() for p in _SENTENCE_END.split(text))):
        pending = ""  # a clause that asks nothing is context for the next one (“我们是…企业，有什么支持”)
        for chunk in filter(None, (c.strip() for c in _COMMA.split(sentence))):
            pending = f"{pending}，{chunk}" if pending else chunk
            if ASKS.search(chunk):
                clauses.append(pending)
                pending = ""
        if pending:
            clauses.append(pending)
    distinct = list(dict.fromkeys(clauses))
    if len(distinct) < 2:
        return [text] if len(clauses) < 2 else distinct  # “新材料目标？新材料目标？…” asks one thing
    clauses = distinct
    subject = _subject(clauses[0], analyzer)
    parts = [clauses[0]]
    for clause in clauses[1:]:
        completed = complete_follow_up(clause, clauses[0], tokenizer)  # “…目标多少？生物医药呢？”
        own = analyzer(clause).key_concepts
        names_own_document = bool(names_document and names_document(clause))
        if _asks_detail_only(clause, analyzer, tokenizer):  # “…总投资多少？计划哪年建成？”
            new_part = f"{_without_details(clauses[0])}，{clause}"
        elif subject and _COUNTS_AS.search(clause) and completed == clause:  # “…补助…？光买电脑算不算？”
            new_part = subject + clause
        elif completed != clause or _names_own_subject(own, tokenizer):
            new_part = completed
        elif names_own_document:  # 办法对公示期怎么规定; 跟规划里写的一致吗 asks it of the first subject
            new_part = clause if any(c.known and c.word not in KINDS for c in own) else subject + clause
        elif subject and any(c.qualifier or c.proper for c in own):
            new_part = subject + clause
        else:
            parts[-1] += "，" + clause
            continue
        if new_part in parts:
            continue
        if len(parts) == max_parts:
            break
        parts.append(new_part)
    return parts


# -- follow-ups: a short question read against the one before it (the chat, and parts of one question)
_OPENER = re.compile(r"^(?:那么|那|还有|另外|再问一下|再问|如果是|换成|换作)[，,\s]*")
_ENDING = re.compile(r"(?:的情况|情况)?(?:呢|怎么样|又如何|如何)?[？?。！!\s]*$")
_PRONOUN = re.compile(r"^(?:它们|它|这个|这些|该|其)(?![他它中余次实])")
_FOLLOW_UP_YEAR = re.compile(r"(\d{4})年?")
_YEAR_IN_TEXT = re.compile(r"\d{4}年")
MAX_FRAGMENT_CHARS = 12  # longer follow-ups say enough on their own


def complete_follow_up(question: str, previous: str | None, tokenizer: Tokenizer) -> str:
    """Read a short, elliptical follow-up in the context of the previous question.

    The follow-up's fragment takes the place of the same kind of thing in the previous question: a year
    replaces its year (“那2025年呢？”), a place its place, a new subject its subject. A follow-up that names
    no subject of its own (“那目标呢？”, “它的基期值是多少？”) gets the previous question's subject.
    Anything else is a new question and is returned unchanged.
    """
    text = normalize(question).strip()
    if not previous or not text:
        return question
    previous = normalize(previous).strip()
    opened = bool(_OPENER.match(text))
    body = _OPENER.sub("", text)
    fragment = _ENDING.sub("", body)
    marked = opened or body.rstrip("？?。！! ").endswith("呢")
    if not fragment or len(fragment) > MAX_FRAGMENT_CHARS:
        return question

    year = _FOLLOW_UP_YEAR.fullmatch(fragment)
    if year:
        return _put_year(previous, f"{year.group(1)}年")
    place = tokenizer.gazetteer.place_named(fragment)
    if place == fragment:
        return _put_place(previous, place, tokenizer)
    subjects = _subjects(previous, tokenizer)
    if _PRONOUN.match(body) and subjects:
        return _PRONOUN.sub("".join(subjects), body, count=1)
    if not marked:
        return question
    own = analyze(fragment, tokenizer).key_concepts
    topics = [s for s in subjects if tokenizer.gazetteer.place_named(s) != s]
    if own and not ASKS.search(fragment) and topics and topics[0] in previous:
        return previous.replace(topics[0], fragment, 1)
    if not own and subjects:
        return "".join(subjects) + fragment + "？"
    return question


def _put_year(previous: str, year: str) -> str:
    if _YEAR_IN_TEXT.search(previous):
        return _YEAR_IN_TEXT.sub(year, previous)
    return f"{year}{previous}"


def _put_place(previous: str, place: str, tokenizer: Tokenizer) -> str:
    named = tokenizer.gazetteer.place_named(previous)
    return previous.replace(named, place, 1) if named else f"{place}{previous}"


def _subjects(question: str, tokenizer: Tokenizer) -> list[str]:
    """What the question is about: its key (non-generic) concepts, in the order they appear."""
    return [c.word for c in analyze(question, tokenizer).key_concepts]


def _names_own_subject(concepts: tuple[Concept, ...], tokenizer: Tokenizer) -> bool:
    """Whether concepts name a heading's topic or a noun the plan uses rarely (北斗, not 建设; 依托 is no subject)."""
    own = [c for c in concepts if c.known and c.salient and not c.qualifier and not c.proper]
    return any(form in tokenizer.topics or 0 < tokenizer.occurrences(form) <= DISTINCTIVE_COUNT
               for c in own for form in c.forms)


def _subject(clause: str, analyzer: Callable[[str], Query]) -> str:
    """What a question's first part is about: its opening phrase when that asks nothing (省级制造业创新中心奖励，
    规划和办法说的一样吗), else its first key word that is no clause reference (第三十条 is where, not what)."""
    opening = _COMMA.split(clause)[0]
    if opening != clause and not ASKS.search(opening) and any(c.known for c in analyzer(opening).key_concepts):
        return opening + "，"
    return next((c.word for c in analyzer(clause).key_concepts
                 if c.known and not c.qualifier and not c.proper and not _clause_refs(c.word)), "")


def _without_details(text: str) -> str:
    """The text without the words that ask a detail (怎么申报, 哪年, 多少钱): what it is about."""
    for pattern, _, _ in unanswerable_kinds():
        text = pattern.sub("", text)
    return text


def _asks_detail_only(clause: str, analyzer: Callable[[str], Query], tokenizer: Tokenizer) -> bool:
    """A clause that asks only a detail (a date, criteria, an amount) and names no subject of its own
    besides the words that ask it: it asks that detail of what the first part names."""
    if not analyzer(clause).unanswerable:
        return False
    own = tuple(c for c in analyzer(_without_details(clause)).key_concepts if c.salient)
    return not _names_own_subject(own, tokenizer)


def _clause_refs(text: str) -> tuple[str, ...]:
    refs = []
    for match in _CLAUSE_REF.finditer(text):
        refs.append((match.group("l1") or "") + f"（{match.group('l2')}）" + (match.group("l3") or ""))
    if not refs:
        refs.extend(match.group("l1") for match in _PART_REF.finditer(text))
    for match in _ARTICLE_REF.finditer(text):
        number = match.group("n")
        refs.append(f"第{chinese_number(int(number)) if number.isdigit() else number}条")
    return tuple(refs)


# a year named relative to now: the year it stands for is what a document would write (去年 → 2025年)
_RELATIVE_YEARS = {"今年": 0, "本年": 0, "本年度": 0, "去年": -1, "上年": -1, "上一年": -1, "前年": -2,
                   "明年": 1}
_WHOLE_AREA = re.compile(r"全(?:省|市|州|县|区)")  # the whole area of the issuing government: every clause's scope
_COUNTED = re.compile(r"[一二两三四五六七八九十几]+[个项类家条大种点批档级]?")  # 四个, 几类: how many, not what


def _asked_kind(word: str, text: str) -> bool:
    """A word right after 哪/什么 that the documents never use names the kind of answer asked for (哪几个地方,
    什么时候), as the question word does: it is not what the question is about."""
    return bool(re.search(rf"(?:哪|什么|啥)(?:[一两三四五六七八九十几]*[个些种类样])?{re.escape(word)}", text))


def _concepts(words: list[str], text: str, tokenizer: Tokenizer, near: Near | None = None) -> tuple[Concept, ...]:
    """Whole words of the question (search-mode fragments inside a longer word are dropped), each with
    the forms the plan may use for it: aliases and, for a city, its region."""
    generic = generic_terms()
    scope_words = qualifiers()
    cities = {name for place in tokenizer.places if place.kind == "city" for name in (place.name, *place.aliases)}
    tags = tokenizer.parts_of_speech(text)
    whole = [w for w in words if not any(w != other and w in other for other in words)]
    concepts = []
    for word in dict.fromkeys(whole):
        forms, broader = [word], []
        for alias, targets in tokenizer.aliases.items():
            if alias.lower() == word or (alias.lower() in word and len(alias) >= 2):
                forms.extend(t.strip("“”") for t in targets)
        places = [p for p in tokenizer.places if word in (p.name, *p.aliases)]
        for place in places:
            forms.append(place.name)
            if place.region != place.name:
                broader.append(place.region)
        county = tokenizer.counties.get(word) if not places else None
        if county:
            forms.append(county.name)
            broader.append(county.city)
        if word in _RELATIVE_YEARS:
            forms.append(f"{tokenizer.current_year + _RELATIVE_YEARS[word]}年")
        if not any(tokenizer.in_corpus(f) for f in (*forms, *broader)):
            expanded = tokenizer.unabbreviated(word)
            forms.extend(expanded)
            # a word near in meaning is less sure than the word itself: it covers the concept as its region does
            broader.extend(() if expanded or not near else near(word))
        known = any(tokenizer.in_corpus(f) for f in (*forms, *broader))
        is_generic = (word in generic or any(ch.isdigit() for ch in word) or (len(word) == 1 and len(forms) == 1)
                      or bool(_COUNTED.fullmatch(word) or _WHOLE_AREA.fullmatch(word))
                      or (not known and _asked_kind(word, text)))
        qualifier = any(word.startswith(q) for q in scope_words) or word in cities or county is not None
        dictionary = tokenizer.is_dictionary_word(word)
        salient = not is_generic and tags.get(word) in _NOUN and dictionary
        concepts.append(
            Concept(
                word,
                tuple(dict.fromkeys(forms)),
                is_generic,
                # a noun the documents use only in the plain meaning of one of their terms (二氧化碳 of 碳足迹)
                known=known or (salient and tokenizer.in_meanings(word)),
                salient=salient,
                proper=tags.get(word) in _PROPER_NOUN,
                qualifier=qualifier,
                broader=tuple(dict.fromkeys(broader)),
                dictionary=dictionary,
            )
        )
    return tuple(concepts)

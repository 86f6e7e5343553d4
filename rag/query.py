"""Question analysis: clean the text, find what it asks about, explicit references and its intent."""

from __future__ import annotations

import re
from functools import lru_cache

from .parse import CN_NUM
from .schema import Concept, Query
from .tokenize import Tokenizer, data_rows, normalize

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\ufeff]")
# 二（三）5, 二（三）第5项, （三）第5项, （三）5
_CLAUSE_REF = re.compile(
    rf"(?P<l1>[{CN_NUM}]+)?(?:[、.]|部分)?[（(](?P<l2>[{CN_NUM}]+)[）)](?:第?(?P<l3>\d{{1,2}})(?:项|条|点|款)?)?"
)
_PART_REF = re.compile(rf"第(?P<l1>[{CN_NUM}]+)部分")
_INDICATOR_REF = re.compile(r"(?:指标|专栏)\s*第?\s*(?P<a>\d{1,2})\s*(?:项|个|号|条)?|第\s*(?P<b>\d{1,2})\s*(?:项|个|号)指标")
_QUANTITY = re.compile(r"\d+(?:\.\d+)?\s*(?:亿元|万元|亿|万|家|个|%|％|倍)")
_WANTS_NUMBER = re.compile(r"多少|(?<!哪)几[家个成倍]|几百|几千|数值|比重|占比|比例|百分之|增速|增长率|利润率|普及率|基期|目标值|多大|规模多|营收.*?(?:目标|达到)")
_MENTIONS_TARGET = re.compile(r"营收|收入|产值|目标|规模|多大|量级|盘子|达到")
_WANTS_LIST = re.compile(r"哪些|哪几|包括|包含|有什么|都有|列举|列出|分别|几大|几个方面|什么产业|什么领域")


_PROPER_NOUN = {"nz", "nt", "nr", "nrt", "ns", "eng"}
_NOUN = _PROPER_NOUN | {"n", "vn", "j"}


@lru_cache(maxsize=1)
def generic_terms() -> frozenset[str]:
    return frozenset(row[0].strip() for row in data_rows("generic_terms.txt"))


@lru_cache(maxsize=1)
def qualifiers() -> frozenset[str]:
    return frozenset(row[0].strip() for row in data_rows("qualifiers.txt"))


@lru_cache(maxsize=1)
def unanswerable_kinds() -> tuple[tuple[re.Pattern, str, str], ...]:
    return tuple((re.compile(row[0]), row[1], row[2]) for row in data_rows("unanswerable.tsv"))


def clean_question(raw: str, max_chars: int) -> tuple[str, str]:
    """Return (question, notice). Control characters are dropped; an over-long question is cut."""
    text = _CONTROL.sub(" ", raw or "")
    text = re.sub(r"\s+", " ", text).strip()
    notice = ""
    if len(text) > max_chars:
        notice = f"问题过长（{len(text)}字），只按前{max_chars}字回答。"
        text = text[:max_chars]
    return text, notice


def analyze(text: str, tokenizer: Tokenizer, notice: str = "") -> Query:
    normalized = normalize(text)
    words = tokenizer.words(normalized)
    concepts = _concepts(words, normalized, tokenizer)
    return Query(
        text=text,
        terms=tuple(tokenizer.expand(words, normalized)),
        concepts=concepts,
        clause_refs=_clause_refs(normalized),
        indicator_numbers=tuple(int(m.group("a") or m.group("b")) for m in _INDICATOR_REF.finditer(normalized)),
        wants_number=bool(_WANTS_NUMBER.search(normalized) or _QUANTITY.search(normalized)),
        wants_list=bool(_WANTS_LIST.search(normalized)),
        mentions_target=bool(_MENTIONS_TARGET.search(normalized)),
        quantities=tuple(m.group(0).replace(" ", "") for m in _QUANTITY.finditer(normalized))
        + tuple(dict.fromkeys(re.findall(r"\d{4}年", normalized))),
        unanswerable=tuple((reason, needed) for pattern, reason, needed in unanswerable_kinds() if pattern.search(normalized)),
        notice=notice,
    )


def _clause_refs(text: str) -> tuple[str, ...]:
    refs = []
    for match in _CLAUSE_REF.finditer(text):
        refs.append((match.group("l1") or "") + f"（{match.group('l2')}）" + (match.group("l3") or ""))
    if not refs:
        refs.extend(match.group("l1") for match in _PART_REF.finditer(text))
    return tuple(refs)


def _concepts(words: list[str], text: str, tokenizer: Tokenizer) -> tuple[Concept, ...]:
    """Whole words of the question (search-mode fragments inside a longer word are dropped), each with
    the forms the plan may use for it: aliases and, for a city, its region."""
    generic = generic_terms()
    scope_words = qualifiers()
    cities = {name for place in tokenizer.places if place.kind == "city" for name in (place.name, *place.aliases)}
    tags = tokenizer.parts_of_speech(text)
    whole = [w for w in words if not any(w != other and w in other for other in words)]
    concepts = []
    for word in dict.fromkeys(whole):
        forms = [word]
        for alias, targets in tokenizer.aliases.items():
            if alias.lower() == word or (alias.lower() in word and len(alias) >= 2):
                forms.extend(t.strip("“”") for t in targets)
        for place in tokenizer.places:
            if word in (place.name, *place.aliases):
                forms.extend((place.name, place.region))
        is_generic = word in generic or any(ch.isdigit() for ch in word) or (len(word) == 1 and len(forms) == 1)
        qualifier = any(word.startswith(q) for q in scope_words) or word in cities
        concepts.append(
            Concept(
                word,
                tuple(dict.fromkeys(forms)),
                is_generic,
                known=any(tokenizer.in_corpus(f) for f in forms),
                salient=not is_generic and tags.get(word) in _NOUN and tokenizer.is_dictionary_word(word),
                proper=tags.get(word) in _PROPER_NOUN,
                qualifier=qualifier,
            )
        )
    return tuple(concepts)

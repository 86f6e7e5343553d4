"""Extraction by general rules over the clause tree, never by clause number, so a second policy document works too:

- each clause body is split into sentences (。；); a sentence with an action verb (支持, 鼓励, 引导, 培育,
  扶持, 加大…力度, 推进, 推动, 实施, 促进 …) is a measure, one that states a 到20XX年 goal is a target;
- target groups come from a vocabulary of enterprise types (rag/data/enterprise_types.tsv), found in the
  sentence and in its clause's own heading;
- industries are the items of the plan's industry chapters (level-2 headings ending in 产业, e.g. 二（一）
  改造提升传统产业), with the focus areas each item enumerates after 聚焦/重点发展/做优…, plus everyday
  product words (rag/data/industry_terms.tsv);
- places come from rag.corpus.places (市州, the four regions and the counties).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import fields
from itertools import chain

from ..corpus.places import Gazetteer
from ..index.tokenize import Tokenizer
from ..schema import Clause, ClauseKind, Document
from ..text import clause_body, split_sentences
from .model import EnterpriseType, Industry, IndustryHit, Measure
from .terms import IndustryVocabulary, SearchText

SUPPORT_VERBS = ("支持", "鼓励", "引导", "扶持", "帮助", "保障", "降低")
CULTIVATE_VERBS = ("培育", "做大做强", "壮大")
PROMOTE_VERBS = (
    "推进", "推动", "实施", "促进", "加快", "加强", "强化", "深化", "完善", "建设", "建强", "打造", "开展",
    "落实", "提升", "创建", "争取", "招引", "引进", "清理", "构建", "探索", "拓展", "发展",
)
_EFFORT = re.compile(r"加大[^，。；]{1,24}?力度")
_GOAL = re.compile(r"到20\d\d年")
_SEGMENT = re.compile(r"[，。；：！？]")

# Words that mark a clause as being about the business environment every enterprise shares.
ENVIRONMENT_TOPICS = ("营商环境", "要素保障", "产业发展生态", "产业生态")
# Words that mark a clause as part of the regional layout (区域产业布局): the places it names get a role.
REGIONAL_TOPICS = ("区域",)
# A place list with one of these is an example, not a restriction (鼓励各市州…, 支持有条件的市州…).
OPEN_PLACE_MARKERS = ("各市州", "有条件的市州", "全省", "各地", "各县市区")
COUNTY_MARKERS = ("县域",)
INDUSTRY_SUFFIXES = ("产业", "制造业", "服务业")
# Focus areas are the enumeration (A、B、C等) that follows one of these verbs in an industry item.
_FOCUS_VERB = re.compile(
    r"(重点发展|重点布局|重点围绕|重点突破|重点研发|同步布局|延伸发展|深度参与|加快向"
    r"|聚焦|做优|培育|巩固提升|提升|推动|突破|发展)"
)
# An enumeration of demands, guiding principles or ways of working is not a list of focus areas
# (directions such as 高端化、智能化 are dropped item by item).
_NOT_FOCUS = re.compile(r"需求|导向|模式|路径|机制|体系|格局|应用|瓶颈")


def find_industries(document: Document) -> list[Industry]:
    """Items of each chapter whose heading ends in 产业 and that has items, e.g. （一）改造提升传统产业."""
    industries = []
    for chapter in document.clauses:
        if chapter.kind != ClauseKind.CLAUSE or chapter.level != 2 or not chapter.heading.endswith(INDUSTRY_SUFFIXES):
            continue
        items = [c for c in document.children(chapter.ref) if c.kind == ClauseKind.CLAUSE]
        if not items:
            continue
        for item in items:
            industries.append(_industry(document.doc_id, item, chapter.heading, _stems(item.heading)))
        if clause_body(chapter):
            # A chapter's own paragraph (同步布局…等潜力赛道) lists further industries under the chapter's name.
            industries.append(_industry(document.doc_id, chapter, chapter.heading, ()))
    return industries


def _industry(doc_id: str, clause: Clause, chapter: str, stems: tuple[str, ...]) -> Industry:
    body = clause_body(clause)
    goal = "".join(s for s in _sentences(body) if _GOAL.search(s))
    return Industry(doc_id, clause.ref, clause.heading, chapter, body, focus_areas(body), stems, goal)


def _stems(heading: str) -> tuple[str, ...]:
    stems = [heading]
    for suffix in INDUSTRY_SUFFIXES:
        if heading.endswith(suffix) and len(heading) - len(suffix) >= 2:
            stems.append(heading[: -len(suffix)])
    stem = stems[-1]
    if stem.endswith("装备") and len(stem) >= 6:
        stems.append(stem[:-2])
    return tuple(dict.fromkeys(stems))


def focus_areas(body: str) -> tuple[str, ...]:
    """The areas an industry item enumerates: 重点发展石油化工、盐化工、…等细分领域 → 石油化工, 盐化工, …"""
    areas: list[str] = []
    for segment in _SEGMENT.split(body):
        verb = _FOCUS_VERB.search(segment)
        if "、" not in segment or not verb or verb.start() > segment.index("、"):
            continue
        items = segment[verb.end():].split("、")
        last, _, descriptor = items[-1].partition("等")
        if _NOT_FOCUS.search(descriptor or last):
            continue
        items[-1] = last
        for item in items:
            item = re.sub(r"(?:及其应用|细分领域|方向)$", "", item.strip(" “”"))
            if item and not item.endswith("化"):
                areas.append(item)
                areas.extend(p for p in re.split(r"[和及与]", item) if len(p) >= 2 and p != item)
    return tuple(dict.fromkeys(areas))


def _sentences(body: str) -> list[str]:
    return [s.strip() for s in split_sentences(body)]


def find_actions(sentence: str) -> tuple[str, ...]:
    """Action verbs in order of appearance; 加大…力度 as one verb."""
    found: list[tuple[int, str]] = [(m.start(), "加大…力度") for m in _EFFORT.finditer(sentence)]
    for verb in (*SUPPORT_VERBS, *CULTIVATE_VERBS, *PROMOTE_VERBS):
        position = sentence.find(verb)
        if position >= 0:
            found.append((position, verb))
    return tuple(dict.fromkeys(verb for _, verb in sorted(found)))


def find_groups(text: SearchText, types: Iterable[EnterpriseType]) -> list[tuple[str, str]]:
    """(label, the words that name it) for each enterprise type a policy text names."""
    groups = []
    for etype in types:
        words = [w for w in etype.plan_words if text.has(w)]
        words = [w for w in words if not any(w != other and w in other for other in words)]
        if words:
            groups.append((etype.label, "、".join(words)))
    return groups


def _sentence_places(sentence: str, gazetteer: Gazetteer) -> tuple[str, ...]:
    """Places a sentence is about. A region named beside one of its cities is the area that city serves
    (打造岳阳…增强对洞庭湖区域的辐射带动能力), so the city alone is the subject."""
    found = [location for _, location in gazetteer.find_all(sentence)]
    cities_regions = {loc.region for loc in found if loc.city}
    names = [loc.name for loc in found if loc.city or loc.region not in cities_regions]
    return tuple(dict.fromkeys(names))


def extract_measures(
    document: Document,
    vocabulary: IndustryVocabulary,
    gazetteer: Gazetteer,
    types: tuple[EnterpriseType, ...],
    tokenizer: Tokenizer,
) -> list[Measure]:
    activities = {t.label for t in types if t.is_activity}
    measures = []
    for clause in document.clauses:
        if clause.kind != ClauseKind.CLAUSE:
            continue
        heading = SearchText(clause.heading, tokenizer)
        heading_groups = find_groups(heading, types)
        heading_industries = {hit.industry.name for hit in vocabulary.find(heading)}
        industry = vocabulary.industry_at(clause.doc_id, clause.ref)
        environment = any(topic in clause.title for topic in ENVIRONMENT_TOPICS)
        regional = any(topic in clause.title for topic in REGIONAL_TOPICS)
        for number, sentence in enumerate(_sentences(clause_body(clause)), start=1):
            actions = find_actions(sentence)
            kind = "目标" if _GOAL.search(sentence) else "措施" if actions else ""
            if not kind:
                continue
            text = SearchText(sentence, tokenizer)
            groups = dict(find_groups(text, types))
            for label, word in heading_groups:
                groups.setdefault(label, word)
            if industry:
                industries = [IndustryHit(industry, industry.name)]
                required = (industry.name,)
            else:
                industries = list(dict.fromkeys(vocabulary.find(text)))
                required = tuple(sorted(heading_industries))
            places = _sentence_places(sentence, gazetteer)
            measures.append(
                Measure(
                    doc_id=clause.doc_id,
                    ref=clause.ref,
                    heading=clause.heading,
                    number=number,
                    text=sentence,
                    kind=kind,
                    actions=actions,
                    groups=tuple(groups.items()),
                    reserved_for=tuple(label for label in groups if label in activities),
                    industries=tuple(industries),
                    own_industry=industry.name if industry else "",
                    industry_clause=required,
                    places=places,
                    places_open=any(marker in sentence for marker in OPEN_PLACE_MARKERS),
                    county_level=any(marker in sentence for marker in COUNTY_MARKERS),
                    environment=environment,
                    regional=regional,
                )
            )
    return measures


def measure_record(measure: Measure) -> dict:
    """A measure as JSON-ready data; its industries as the words that named them (the industries of every
    document that a word names are looked up again when the record is read, so a document added later counts)."""
    row = {f.name: getattr(measure, f.name) for f in fields(measure) if f.name != "industries"}
    row["industry_words"] = None if measure.own_industry else list(dict.fromkeys(h.word for h in measure.industries))
    return row


def measure_from_record(row: dict, vocabulary: IndustryVocabulary) -> Measure:
    words = row.pop("industry_words")
    if words is None:  # a sentence of an industry item: that industry alone
        industry = vocabulary.industry_at(row["doc_id"], row["ref"])
        industries: tuple[IndustryHit, ...] = (IndustryHit(industry, industry.name),)
    else:
        # distinct words, and each word names an industry once: no hit repeats
        industries = tuple(chain.from_iterable(vocabulary.hits(word) for word in words))
    tuples = {name: tuple(row[name]) for name in ("actions", "reserved_for", "industry_clause", "places")}
    groups = tuple(tuple(pair) for pair in row["groups"])
    return Measure(**{**row, **tuples, "groups": groups, "industries": industries})

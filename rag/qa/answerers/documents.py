"""Facts about the document itself — who issued it, its 文号, when it was issued, published and takes effect,
to whom — from its header (the notice); the date of effect quoted from the article that sets it, and what the
document is made under from its own sentence (依据《…》…，制定本规划)."""

from __future__ import annotations

import re

from ...corpus.select import KINDS
from ...schema import Answer, Clause, ClauseKind, Document, Hit, Query, Statement
from ...text import clause_sentences, normalize
from ...text.quantities import digits
from ..intent import Intent
from .base import AnswerContext, build_answer

_WHEN = r"(?:哪天|哪一天|几号|什么时候|啥时候|何时|日期|时间|哪年)"
# What a question about the document asks, as people say it; each names a field of DocumentMeta.
_ASKS = (
    ("issuer", re.compile(r"谁(?:发|印发|制定|出台|发布)|哪个(?:部门|单位|机关)(?:发|印发|制定|出台|发布)|哪[几些](?:个)?(?:部门|单位|机关)(?:联合)?(?:发|印发)|发文(?:机关|单位)|印发(?:机关|单位)")),
    ("doc_number", re.compile(r"文号|几号文|发文字号")),
    ("published", re.compile(rf"发布日期|发布时间|(?:网站|网上)[^，。？?]{{0,8}}(?:发布|挂|贴|放|公开)|"
                             rf"[挂贴放](?:到|在|上)[^，。？?]{{0,6}}网|公布{_WHEN}|{_WHEN}公布")),
    ("date", re.compile(rf"{_WHEN}(?:印发|发布|出台|发的|下发|签发)|(?:印发|成文|签发|落款)(?:日期|时间)|哪年(?:印发|发布|出台|发的)")),
    ("effective", re.compile(rf"(?:施行|生效|开始执行|执行){_WHEN}|{_WHEN}(?:开始|起)?(?:施行|生效|执行)|施行日期")),
    ("recipients", re.compile(r"发给|主送|印发给|下发给|发到|发往|印发对象|给哪些(?:单位|部门)")),
    ("publicity", re.compile(r"公开不公开|是否公开|公不公开|能不能公开|可以公开|公开(?:吗|么|方式|属性)|(?:主动|依申请|不予)公开")),
)
# Fields no clause of the text states but the document's header: asking for them is asking about the document.
_OWN_FIELDS = {"doc_number", "published", "effective", "publicity"}
_ABOUT_DOCUMENT = re.compile("|".join((*KINDS, "文件", "这个", "本", "该")))
_LABELS = {"issuer": "印发机关", "doc_number": "文号", "date": "成文日期", "published": "发布日期",
           "effective": "施行日期", "recipients": "主送", "publicity": "公开方式"}
_ISO_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
_DATE_PARTS = re.compile(r"(?:(\d{4})年)?(?:(\d{1,2})月份?)?(?:(\d{1,2})[日号])?")
# the date a claim puts up for confirmation, by the verb it goes with (5月20号开始施行的吧)
_CLAIMED_FIELDS = (("effective", re.compile(r"施行|生效|实施|执行")), ("published", re.compile(r"发布|公布|上网")),
                   ("date", re.compile(r"印发|出台|下发|签发|颁布|发的|成文|发文|落款|年发")))
_DATE_FIELDS = ("date", "published", "effective")
# what a document is made under: asked (依据哪些文件, 上位文件), and said (依据《…》…，制定本规划/本办法)
_ASKS_BASIS = re.compile(r"(?:依据|根据|按照)(?:的是)?(?:什么|哪些|哪个|哪几个|啥)(?:文件|规划|政策|法规)?(?:制定|编|出台|定)|"
                         r"上位(?:文件|规划|法|政策)")
_BASIS = re.compile(r"(?:依据|根据)[^。；]{0,12}《[^》]+》[^。]*?制定本")
_DOC_NUMBER = re.compile(r"[\u4e00-\u9fff]{1,8}〔\d{4}〕\d+号")


def answer_document_facts(query: Query, intent: Intent, hits: list[Hit], context: AnswerContext) -> Answer | None:
    if intent.claim:
        return _document_claim(query, hits, context)
    if _ASKS_BASIS.search(query.text):
        return _basis(query, hits, context)
    asked = [field for field, pattern in _ASKS if pattern.search(query.text)]
    if not asked or not (_OWN_FIELDS.intersection(asked) or _ABOUT_DOCUMENT.search(query.text)):
        return None
    for document in _candidates(hits, context):
        notice = next((c for c in document.clauses if c.kind == ClauseKind.NOTICE), None)
        if notice is None:
            continue
        values = [f"{_LABELS[field]}：{_value(document, field)}" for field in asked if _value(document, field)]
        if not values:
            continue
        statements = [Statement(f"《{document.meta.title}》" + "；".join(values) + "。", notice.ref)]
        clauses = [notice]
        article = _effect_article(document) if "effective" in asked else None
        if article is not None:
            clause, sentence = article
            statements.append(Statement(sentence, clause.ref))
            clauses.append(clause)
        return build_answer(query, statements, clauses, hits, check_premise=False)
    return None


def _basis(query: Query, hits: list[Hit], context: AnswerContext) -> Answer | None:
    """What the document is made under: its own sentence naming the texts it follows (依据《…》…，制定本规划)."""
    for document in _candidates(hits, context):
        for clause in document.clauses:
            sentence = next((s for s in clause_sentences(clause) if _BASIS.search(s)), None)
            if sentence:
                return build_answer(query, [Statement(sentence, clause.ref)], [clause], hits, check_premise=False)
    return None


def _document_claim(query: Query, hits: list[Hit], context: AnswerContext) -> Answer | None:
    """是2026年6月12日发的湘政发〔2026〕8号吧: 是的/不是 with the document's own date and 文号, and which of its
    dates a date stated is (5月20号开始施行的吧: 5月20日 is the date of issue)."""
    text = digits(normalize(query.text))
    claimed = next((m for m in _DATE_PARTS.finditer(text) if m.group(1) or m.group(2)), None)
    field = next((f for f, verb in _CLAIMED_FIELDS if verb.search(text)), None) if claimed else None
    number = _DOC_NUMBER.search(text)
    if not (field or number) or not (_ABOUT_DOCUMENT.search(text) or number or field in _OWN_FIELDS):
        return None
    for document in _candidates(hits, context):
        notice = next((c for c in document.clauses if c.kind == ClauseKind.NOTICE), None)
        if notice is None or not ((field and _value(document, field)) or (number and document.meta.doc_number)):
            continue
        said, right = [], True
        if field and _value(document, field):
            same = [f for f in _DATE_FIELDS if getattr(document.meta, f) and _agrees(claimed, _value(document, f))]
            right = field in same
            said.append(f"{_LABELS[field]}：{_value(document, field)}。")
            said += [f"{_value(document, f)}是它的{_LABELS[f]}。" for f in same if f != field]
        if number and document.meta.doc_number:
            right = right and number.group().endswith(normalize(document.meta.doc_number))
            said.append(f"文号：{document.meta.doc_number}。")
        statements, clauses = [Statement(f"《{document.meta.title}》" + "".join(said), notice.ref)], [notice]
        article = _effect_article(document) if field == "effective" else None
        if article is not None:  # 本办法自…起施行: the text's own words on it
            statements.append(Statement(article[1], article[0].ref))
            clauses.append(article[0])
        return build_answer(query, statements, clauses, hits, "是的。" if right else "不是。", check_premise=False)
    return None


def _agrees(claimed: re.Match, value: str) -> bool:
    """Whether each part of a claimed date (year, month, day; those stated) is that of the date."""
    actual = next((m for m in _DATE_PARTS.finditer(value) if m.group(1)), None)
    return bool(actual) and all(part is None or int(part) == int(real or -1)
                                for part, real in zip(claimed.groups(), actual.groups()))


def _candidates(hits: list[Hit], context: AnswerContext) -> list[Document]:
    """The documents in the order the question's clauses were found: the one it is about first (when it
    names a document, the hits come from that one only)."""
    found = dict.fromkeys(h.clause.doc_id for h in hits if h.clause.doc_id in context.documents)
    return [context.documents[d] for d in found] + [d for d in context.documents.values() if d.doc_id not in found]


def _value(document: Document, field: str) -> str:
    meta = document.meta
    value = getattr(meta, field) or (meta.date if field == "published" else "")
    return _ISO_DATE.sub(lambda m: f"{m.group(1)}年{int(m.group(2))}月{int(m.group(3))}日", value)


def _effect_article(document: Document) -> tuple[Clause, str] | None:
    """The sentence of the text that sets the date of effect (本办法自…起施行), with its clause."""
    if not document.meta.effective:
        return None
    for clause in document.clauses:
        if clause.kind == ClauseKind.NOTICE or document.meta.effective not in clause.text:
            continue
        for sentence in clause_sentences(clause):
            if document.meta.effective in sentence and re.search("施行|生效|执行", sentence):
                return clause, sentence
    return None

"""The parts of a document around its clauses: the notice header, the signature block, the attachments, and the
metadata they state (title, issuers, 文号, dates, 主送机关)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..schema import CURRENT, REPEALED, DocumentMeta
from .readers.base import HEADING_START, Block

DOC_NUMBER = re.compile(r"[\u4e00-\u9fff]{1,10}〔\d{4}〕\d+号")
DATE = re.compile(r"\d{4}年\d{1,2}月\d{1,2}日")
_TITLE = re.compile(r"《(.+?)》")
_RECIPIENTS = re.compile(r"^(?P<who>[^《》。，,]{2,20}(?:[、，,][^《》。]{2,40})*)[：:]$")  # 各市州、县市区人民政府……：
_ATTACHMENT = re.compile(r"^附件\s*(?:(?P<number>\d+)\s*(?:[:：]\s*(?P<title>.+))?)?$")
_ATTACHMENT_LIST = re.compile(r"^附件[:：]")
_PUBLIC = re.compile(r"^[（(]此件(?P<how>.{0,12})[）)]$")  # （此件主动公开）
_ISSUERS = re.compile(r"[\s\u3000]{1,}")
_ORGANISATION = re.compile(r"(?:政府|厅|局|委员会|委|办公室|办公厅|部|院|署|会|中心|小组|组|处|科|室)$")
_EFFECTIVE = re.compile(r"自(?P<date>\d{4}年\d{1,2}月\d{1,2}日|印发之日|发布之日)起(?:施行|实施|执行)")
_MAX_TITLE = 60
_HEADER_LINES = 12  # a notice header is never longer
_SIGNATURE_LINES = 8  # ... nor its signature block


@dataclass
class Attachment:
    number: str  # as printed: 附件1 → "1"; a single 附件 → ""
    title: str
    blocks: list[Block] = field(default_factory=list)

    @property
    def ref(self) -> str:
        return f"附件{self.number}"


@dataclass
class Layout:
    title: str
    header: list[str]  # the notice: issuers, title, 文号, 主送机关, covering text, signature
    body: list[Block]
    attachments: list[Attachment]
    wrapper: bool  # a notice issuing a document (印发《X》的通知) rather than a notice in its own right
    signature: list[str] = field(default_factory=list)


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def split_layout(blocks: list[Block]) -> Layout:
    main, attachments = _split_attachments(blocks)
    lines = [b if isinstance(b, str) else "" for b in main]
    joined = "".join(lines[:_HEADER_LINES])
    for match in _TITLE.finditer(joined):
        title = _squash(match.group(1))
        for i, line in enumerate(lines):
            if line and _squash(line) == title:  # the issued document starts with its own title
                return Layout(match.group(1), lines[:i], main[i + 1:], attachments, wrapper=True)
    first_heading = next((i for i, line in enumerate(lines) if HEADING_START.match(line.strip())), len(lines))
    header_zone = lines[:min(_HEADER_LINES, first_heading)]  # a header ends where numbered parts begin
    end = next((i for i, line in enumerate(header_zone) if _RECIPIENTS.match(line.strip())), None)
    if end is None:
        end = next((i for i, line in enumerate(header_zone) if DOC_NUMBER.fullmatch(_squash(line))), None)
    if end is None:  # no notice: the first line is the title, unless it is a sentence of the text
        first = next(i for i, line in enumerate(lines) if line)
        if lines[first].rstrip().endswith(("。", "；")) or len(lines[first]) > _MAX_TITLE:
            return Layout("", [], main, attachments, wrapper=False)
        return Layout(lines[first], [], main[first + 1:], attachments, wrapper=False)
    body, signature = _split_signature(main[end + 1:])
    return Layout(_own_title(lines[:end]), lines[: end + 1], body, attachments, False, signature)


def _split_attachments(blocks: list[Block]) -> tuple[list[Block], list[Attachment]]:
    """附件1 / 附件2 on a line of their own (or 附件1：title) start sub-documents with their own references."""
    main: list[Block] = []
    attachments: list[Attachment] = []
    i = 0
    while i < len(blocks):
        block = blocks[i]
        match = _ATTACHMENT.match(block.strip()) if isinstance(block, str) else None
        following = blocks[i + 1] if i + 1 < len(blocks) else None
        if match and (match.group("title") or isinstance(following, str)) and (main or attachments):
            title = match.group("title") or following
            attachments.append(Attachment(match.group("number") or "", title.strip()))
            i += 1 if match.group("title") else 2
            continue
        (attachments[-1].blocks if attachments else main).append(block)
        i += 1
    return main, attachments


def _split_signature(body: list[Block]) -> tuple[list[Block], list[str]]:
    """A notice's closing block: the 附件： list, the issuers, the date, （此件主动公开）."""
    tail = len(body)
    while tail and isinstance(body[tail - 1], str) and _PUBLIC.match(body[tail - 1].strip()):
        tail -= 1
    if not tail or not isinstance(body[tail - 1], str) or not DATE.fullmatch(_squash(body[tail - 1])):
        return body, []
    start = tail - 1
    while start and len(body) - start < _SIGNATURE_LINES and _issuer_line(body[start - 1]):
        start -= 1
    listing = next((i for i in range(max(start - _SIGNATURE_LINES, 0), start)
                    if isinstance(body[i], str) and _ATTACHMENT_LIST.match(body[i].strip())), None)
    start = listing if listing is not None else start
    return body[:start], [b.strip() for b in body[start:] if isinstance(b, str)]


def _issuer_line(block: Block) -> bool:
    """A line of issuing bodies' names only (青岚市工业和信息化局　青岚市财政局)."""
    if not isinstance(block, str) or not 2 <= len(block.strip()) <= 60 or re.search(r"[。，；：:、]", block):
        return False
    return all(_ORGANISATION.search(name) for name in _ISSUERS.split(block.strip()) if name)


def _own_title(lines: list[str]) -> str:
    """A notice's title: the header lines before the 文号, from its 关于 on (the issuers stand before it)."""
    title_lines = [line.strip() for line in lines if line.strip() and not DOC_NUMBER.fullmatch(_squash(line))]
    joined = "".join(title_lines)
    about = joined.find("关于")
    return joined[about:] if about > 0 else joined


def document_meta(layout: Layout, facts: dict[str, str], doc_id: str, source: str, body_text: str) -> DocumentMeta:
    header = layout.header + layout.signature
    issuers = _issuers(header) or tuple(v for k, v in facts.items() if k in ("发布机构", "发文机关"))
    date = _signature_date(header) or _first(DATE, "\n".join(header)) or facts.get("成文日期", "")
    effective = _EFFECTIVE.search(body_text)
    effect = ""
    if effective:
        effect = date if effective.group("date").endswith("之日") else effective.group("date")
    status = REPEALED if ("失效" in facts.get("有效性", "") or "废止" in facts.get("有效性", "")) else CURRENT
    return DocumentMeta(
        doc_id=doc_id,
        title=layout.title or doc_id,
        issuer="、".join(issuers),
        doc_number=_first(DOC_NUMBER, "\n".join(header)) or facts.get("文号", ""),
        date=date,
        source=source,
        recipients=next((m.group("who") for m in map(_RECIPIENTS.match, (s.strip() for s in header)) if m), ""),
        issuers=issuers,
        effective=effect,
        published=facts.get("发布日期", ""),
        status=status,
        publicity=next((m.group("how") for m in map(_PUBLIC.match, (s.strip() for s in header)) if m),
                       facts.get("公开方式", "")),
    )


def _first(pattern: re.Pattern, text: str) -> str:
    match = pattern.search(text)
    return match.group(0) if match else ""


def _signature_date(lines: list[str]) -> str:
    return next((_squash(line) for line in lines if DATE.fullmatch(_squash(line))), "")


def _issuers(header: list[str]) -> tuple[str, ...]:
    """The signature lines above the date; else the lines before the title's 关于."""
    stripped = [line.strip() for line in header]
    for i, line in enumerate(stripped):
        if DATE.fullmatch(_squash(line)):
            names = []
            for previous in reversed([s for s in stripped[:i] if s]):
                if not _issuer_line(previous) or DOC_NUMBER.search(previous):
                    break
                names[:0] = [n for n in _ISSUERS.split(previous) if n]
            if names:
                return tuple(names)
    match = re.match(r"(.+?)关于", "".join(stripped))
    return tuple(n for n in _ISSUERS.split(match.group(1)) if n) if match else ()

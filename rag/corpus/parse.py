"""Parse a Chinese policy document into its clause tree, metadata and target tables.

Handles plans (一、 / （一） / 1. / （1）, 专栏 tables), regulations (第X章 / 第X节 / 第X条, with 款 as paragraphs
of the article and 项 （一） as its items), notices (正文, then 附件1 / 附件2 each with references of their own,
附件1·一2; a table's rows and its note units of their own, 附件2·6, 附件2·注) and documents without numbering (one unit per paragraph, flagged as such). The same tree comes out
of every file format: the readers hand over paragraphs and tables, this module never sees the format.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field, replace
from pathlib import Path

from ..schema import Clause, ClauseKind, Document, DocumentKind, DocumentMeta, Indicator
from .header import Attachment, document_meta, split_layout
from .readers import Extract, ParseError, Table, read_file, text_extract
from .tables import NOTE_START, TABLE_START, indicators

log = logging.getLogger(__name__)

PARSER_VERSION = "4"

CN_NUM = "一二三四五六七八九十百零〇两"
# "为……，依据……，制定本规划": the sentence of a preamble that states the document's purpose
_PURPOSE = re.compile(r"为(?P<purpose>[^。]{4,300}?)，(?:[^。]{0,200}?，)?特?(?:制定|编制|制订)本(?:规划|方案|办法|意见|计划|纲要)")
ITEM_NUMBER = r"^(?P<n>\d{1,2})[.．、](?:(?!\d)|(?=\d{4}年))"  # 1.  but not 2.5亿; 2.2025年度 is item 2
MAX_HEADING = 40  # a heading longer than this is an article's text, not its title
CELL_SEPARATOR = "｜"
MIN_CELL_SEPARATORS = 2  # a line with this many cell separators is a table row


@dataclass(frozen=True)
class _Level:
    depth: int
    pattern: re.Pattern
    label: str  # format of the reference part; {n} is the number as written
    absolute: bool = False  # 第X条 is numbered through the whole document
    single: bool = False  # an item of one paragraph (a regulation's 项): the next paragraph is the article's


_CHAPTER = _Level(1, re.compile(rf"^第(?P<n>[{CN_NUM}\d]+)章"), "第{n}章")
_SECTION = _Level(2, re.compile(rf"^第(?P<n>[{CN_NUM}\d]+)节"), "第{n}节")
_ARTICLE = _Level(3, re.compile(rf"^第(?P<n>[{CN_NUM}\d]+)条"), "第{n}条", absolute=True)
LEVELS = (  # plans
    _Level(1, re.compile(rf"^(?P<n>[{CN_NUM}]+)、"), "{n}"),
    _Level(2, re.compile(rf"^[（(](?P<n>[{CN_NUM}]+)[）)]"), "（{n}）"),
    _Level(3, re.compile(ITEM_NUMBER), "{n}"),
    _Level(4, re.compile(r"^[（(](?P<n>\d{1,2})[）)]"), "（{n}）"),
    _CHAPTER, _SECTION, _ARTICLE,
)
REGULATION_LEVELS = (  # inside a 第X条 article: 项 （一）, then 目 1.
    _CHAPTER, _SECTION, _ARTICLE,
    _Level(4, re.compile(rf"^[（(](?P<n>[{CN_NUM}]+)[）)]"), "（{n}）", single=True),
    _Level(4, re.compile(rf"^(?P<n>[{CN_NUM}]+)、"), "{n}", single=True),
    _Level(5, re.compile(ITEM_NUMBER), "{n}", single=True),
    _Level(6, re.compile(r"^[（(](?P<n>\d{1,2})[）)]"), "（{n}）", single=True),
)


def parse_document(text: str, doc_id: str, source: str = "") -> Document:
    return parse_extract(text_extract(text), doc_id, source)


def parse_file(path: Path) -> Document:
    return parse_extract(read_file(path), doc_id=path.stem, source=path.name)


def parse_extract(extract: Extract, doc_id: str, source: str = "") -> Document:
    if not any(isinstance(b, Table) or b.strip() for b in extract.blocks):
        raise ParseError(f"{source or doc_id}: 文件为空")
    layout = split_layout(list(extract.blocks))
    body_text = "\n".join(b for b in layout.body if isinstance(b, str))
    meta = document_meta(layout, dict(extract.facts), doc_id, source, body_text)
    regulation = any(isinstance(b, str) and _ARTICLE.pattern.match(b) for b in layout.body)
    builder = _TreeBuilder(doc_id, REGULATION_LEVELS if regulation else LEVELS)
    if layout.header:
        builder.add_notice(layout.header + layout.signature, meta, layout.wrapper)
    builder.consume(layout.body)
    for attachment in layout.attachments:
        builder.attachment(attachment)
    numbered = any(c.kind in (ClauseKind.CLAUSE, ClauseKind.TABLE) for c in builder.clauses)
    if numbered:
        kind = DocumentKind.REGULATION if regulation else (
            DocumentKind.PLAN if layout.wrapper or not layout.header else DocumentKind.NOTICE)
        clauses = builder.clauses
    else:
        kind, clauses = DocumentKind.UNSTRUCTURED, _paragraph_units(doc_id, builder.clauses)
    document = Document(meta=replace(meta, kind=kind), clauses=sorted(clauses, key=lambda c: c.order),
                        indicators=builder.indicators)
    log.info("parsed %s (%s): %d clauses, %d indicators", doc_id, kind, len(document.clauses), len(document.indicators))
    return document


def _paragraph_units(doc_id: str, clauses: list[Clause]) -> list[Clause]:
    """A text without numbering: each paragraph its own unit (第1段, 第2段, …); the notice stays as it is."""
    units = [c for c in clauses if c.kind == ClauseKind.NOTICE]
    paragraphs = [p for c in clauses if c.kind != ClauseKind.NOTICE for p in c.text.split("\n")]
    for number, paragraph in enumerate(paragraphs, start=1):
        ref = f"第{number}段"
        units.append(Clause(doc_id, ref, ClauseKind.PREAMBLE, 0, "", (ref,), paragraph, None, len(units) + 1))
    return units


@dataclass
class _Open:
    """A clause being built."""

    ref: str
    kind: str
    level: int
    heading: str
    title_path: tuple[str, ...]
    parent: str | None
    paragraphs: list[str] = field(default_factory=list)
    run_in: bool = False  # heading and body on one line, or a 项: the item is that one paragraph
    order: int = 0


class _TreeBuilder:
    def __init__(self, doc_id: str, levels: tuple[_Level, ...] = LEVELS):
        self.doc_id = doc_id
        self.levels = levels
        self.clauses: list[Clause] = []
        self.indicators: list[Indicator] = []
        self._stack: list[_Open] = []
        self._tables = 0
        self._positions = 0
        self._prefix = ""  # 附件1· inside an attachment

    def _position(self) -> int:
        self._positions += 1
        return self._positions

    def add_notice(self, header: list[str], meta: DocumentMeta, wrapper: bool) -> None:
        facts = [f"{label}：{value}" for label, value in
                 (("发文机关", meta.issuer), ("文号", meta.doc_number), ("成文日期", meta.date),
                  ("主送机关", meta.recipients), ("施行日期", meta.effective), ("发布日期", meta.published)) if value]
        lines = [line.strip() for line in header if line.strip()] + [f"（{fact}）" for fact in facts]
        heading = f"关于印发《{meta.title}》的通知" if wrapper else meta.title
        self._emit(_Open("通知", ClauseKind.NOTICE, 0, heading, ("通知",), None, lines, order=self._position()))

    def attachment(self, attachment: Attachment) -> None:
        """An attachment: a sub-document whose references start with 附件N·."""
        self._close_all()
        self._prefix = ""
        title = f"{attachment.ref} {attachment.title}"
        self._stack.append(_Open(attachment.ref, ClauseKind.CLAUSE, 0, attachment.title, (title,), None,
                                 [title], order=self._position()))
        self._prefix = attachment.ref + "·"
        self.consume(attachment.blocks)

    def consume(self, blocks: list) -> None:
        i = 0
        while i < len(blocks):
            block = blocks[i]
            following = blocks[i + 1] if i + 1 < len(blocks) else None
            caption = TABLE_START.match(block) if isinstance(block, str) else None
            if caption and isinstance(following, Table):
                i = self._table(blocks, i + 1, caption)
                continue
            if isinstance(block, Table):
                for row in block.rows:
                    self._paragraph(CELL_SEPARATOR.join(row))
            else:
                level, number = self._heading_level(block)
                if level is None:
                    self._paragraph(block)
                else:
                    self._open(level, number, block)
            i += 1
        self._close_all()

    def _close_all(self) -> None:
        while self._stack:
            self._close()

    def _heading_level(self, line: str) -> tuple[_Level | None, str]:
        for level in self.levels:
            match = level.pattern.match(line)
            if match:
                return level, match.group("n")
        return None, ""

    # -- clauses ---------------------------------------------------------------------------
    def _paragraph(self, line: str) -> None:
        while self._stack and self._stack[-1].run_in:
            self._close()
        if not self._stack:
            self._stack.append(_Open("前言", ClauseKind.PREAMBLE, 0, "前言", ("前言",), None, order=self._position()))
        if self._prefix and line.count(CELL_SEPARATOR) >= MIN_CELL_SEPARATORS and self._table_row(line):
            return
        if self._prefix and NOTE_START.match(line) and self._table_note(line):
            return
        self._stack[-1].paragraphs.append(line)

    def _table_row(self, line: str) -> bool:
        """A row of a table in an attachment (一览表, 汇总表) is a unit of its own, cited as 附件2·6 (its number,
        else its position): a question about one item finds that row, not the whole table. The header row
        stays with the table and names the columns in each row's title. False for the header row itself."""
        table = self._stack[-1]
        rows = [p for p in table.paragraphs if p.count(CELL_SEPARATOR) >= MIN_CELL_SEPARATORS]
        first = line.split(CELL_SEPARATOR, 1)[0].strip()
        if not rows and not first.isdigit():
            return False
        position = len(self._children(table.ref)) + 1
        ref = f"{table.ref}·{first if first.isdigit() else position}"
        header = rows[0] if rows else ""
        self.clauses.append(Clause(self.doc_id, ref, ClauseKind.CLAUSE, table.level + 1, "",
                                   table.title_path + ((header,) if header else ()), line, table.ref,
                                   self._position()))
        return True

    def _table_note(self, line: str) -> bool:
        """The note under the rows of an attachment's table (注：1.…另行申报…) is a unit of its own, cited as 附件2·注:
        what it rules on (what the table leaves out) is asked about apart from the table. False without rows."""
        table = self._stack[-1]
        if not self._children(table.ref):
            return False
        self.clauses.append(Clause(self.doc_id, f"{table.ref}·注", ClauseKind.CLAUSE, table.level + 1, "",
                                   table.title_path + ("注",), line, table.ref, self._position()))
        return True

    def _children(self, ref: str) -> list[Clause]:
        return [c for c in self.clauses if c.parent == ref]

    def _open(self, level: _Level, number: str, line: str) -> None:
        while self._stack and (self._stack[-1].level >= level.depth or self._stack[-1].kind == ClauseKind.PREAMBLE):
            self._close()
        parent = self._stack[-1] if self._stack else None
        label = level.label.format(n=number)
        if level.absolute or parent is None or parent.level == 0:
            ref = self._prefix + label
        else:
            ref = parent.ref + label
        prefix = level.pattern.match(line).group(0)
        heading, run_in = _heading_text(line[len(prefix):], sentence_is_text=level.absolute)
        if run_in:
            title = line[: line.index(heading) + len(heading)]
        else:
            title = line if heading else prefix
        self._stack.append(
            _Open(
                ref=ref,
                kind=ClauseKind.CLAUSE,
                level=level.depth,
                heading=heading,
                title_path=(parent.title_path if parent else ()) + (title,),
                parent=parent.ref if parent else None,
                paragraphs=[line],
                run_in=level.single or (run_in and not level.absolute),
                order=self._position(),
            )
        )

    def _close(self) -> None:
        item = self._stack.pop()
        if item.kind == ClauseKind.PREAMBLE:
            purpose = _PURPOSE.search("".join(item.paragraphs))
            if purpose:  # said in the words people ask with (目的), as the notice's facts line does
                item.paragraphs.append(f"（编制目的：为{purpose.group('purpose')}）")
        self._emit(item)

    def _emit(self, item: _Open) -> None:
        self.clauses.append(
            Clause(
                doc_id=self.doc_id,
                ref=item.ref,
                kind=item.kind,
                level=item.level,
                heading=item.heading,
                title_path=item.title_path,
                text="\n".join(item.paragraphs),
                parent=item.parent,
                order=item.order,
            )
        )

    # -- tables ----------------------------------------------------------------------------
    def _table(self, blocks: list, at: int, caption: re.Match) -> int:
        """A 专栏 table and the note after it; return the index after them. A table whose rows are not
        indicators stays as rows of text."""
        while self._stack and self._stack[-1].run_in:
            self._close()
        table: Table = blocks[at]
        title = caption.group("title").strip()
        self._tables += 1
        number = caption.group("number")
        ref = self._prefix + ("专栏" + number if number else "专栏" if self._tables == 1 else f"专栏{self._tables}")
        i = at + 1
        note = ""
        if i < len(blocks) and isinstance(blocks[i], str) and NOTE_START.match(blocks[i]):
            note = blocks[i].strip()
            i += 1
        try:
            rows = indicators(self.doc_id, ref, table.rows, note)
        except ParseError as error:
            log.warning("%s: %s: kept as text", self.doc_id, error)
            self._paragraph(blocks[at - 1])
            return at
        parent = self._stack[-1] if self._stack else None
        path = (parent.title_path if parent else ()) + (f"专栏 {title}",)
        table_text = "\n".join([f"专栏 {title}"] + ["\t".join(row) for row in table.rows] + ([note] if note else []))
        self.clauses.append(
            Clause(self.doc_id, ref, ClauseKind.TABLE, parent.level + 1 if parent else 1, title, path, table_text,
                   parent.ref if parent else None, self._position())
        )
        for indicator in rows:
            self.indicators.append(indicator)
            self.clauses.append(
                Clause(
                    doc_id=self.doc_id,
                    ref=indicator.ref,
                    kind=ClauseKind.INDICATOR,
                    level=0,
                    heading=indicator.name,
                    title_path=path + (f"{indicator.number}.{indicator.name}",),
                    text=f"{indicator.category}类指标{indicator.number}：{indicator.describe()}",
                    parent=ref,
                    order=self._position(),
                )
            )
        return i


def _heading_text(rest: str, sentence_is_text: bool = False) -> tuple[str, bool]:
    """The clause's own title, and whether its body follows on the same line (a run-in heading).
    An article that is one sentence (第一条　为规范……，制定本办法。) has no title: the sentence is its text; nor has
    one whose first sentence is a statement (本办法自…起施行，有效期5年。): a title has no comma."""
    rest = rest.strip()
    head, sep, body = rest.partition("。")
    if sep and body.strip() and len(head) <= MAX_HEADING and not (sentence_is_text and re.search("[，,；;]", head)):
        return head, True
    if sep and (sentence_is_text or len(head) > MAX_HEADING):
        return "", False
    return rest.rstrip("。"), False

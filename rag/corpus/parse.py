"""Parse a Chinese policy document into its clause tree, metadata and target tables.

Handles the numbering of plans (一、 / （一） / 1. / （1）) and of regulations (第X章 / 第X节 / 第X条).
Word-export artifacts such as ``[bookmark: _Toc123]`` are removed here, never by hand-editing the corpus.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from pathlib import Path

from ..schema import Clause, ClauseKind, Document, DocumentMeta, Indicator
from ..text import strip_control

log = logging.getLogger(__name__)

PARSER_VERSION = "3"

CN_NUM = "一二三四五六七八九十百零〇两"
_BOOKMARK = re.compile(r"\[bookmark:[^\]]*\]")
_DOC_NUMBER = re.compile(rf"[\u4e00-\u9fff]{{1,10}}〔\d{{4}}〕\d+号")
_DATE = re.compile(r"\d{4}年\d{1,2}月\d{1,2}日")
_TITLE = re.compile(r"《(.+?)》")
_RECIPIENTS = re.compile(r"^(?P<who>[^《》。，,]{2,20}(?:[、，,][^《》。]{2,40})*)[：:]$")  # 各市州、县市区人民政府……：
# "为……，依据……，制定本规划": the sentence of a preamble that states the document's purpose
_PURPOSE = re.compile(r"为(?P<purpose>[^。]{4,300}?)，(?:[^。]{0,200}?，)?特?(?:制定|编制|制订)本(?:规划|方案|办法|意见|计划|纲要)")
_TABLE_START = re.compile(r"^专栏\s*\d*\s*(?P<title>.*)$")
_NOTE_START = re.compile(r"^注[:：]")
# Markers explained by a table's note: "[ ]代表累计数", "加*表示为2024年数据".
_NOTE_MARKER = re.compile(r"加?(?P<marker>\[\s*\]|\*|＊)\s*(?:代表|表示为|表示|为)(?P<meaning>[^。；，,]+)")
NO_VALUE = "/"


@dataclass(frozen=True)
class _Level:
    depth: int
    pattern: re.Pattern
    label: str  # format of the reference part; {n} is the number as written
    absolute: bool = False  # 第X条 is numbered through the whole document


LEVELS = (
    _Level(1, re.compile(rf"^(?P<n>[{CN_NUM}]+)、"), "{n}"),
    _Level(2, re.compile(rf"^[（(](?P<n>[{CN_NUM}]+)[）)]"), "（{n}）"),
    _Level(3, re.compile(r"^(?P<n>\d{1,2})[.．、](?!\d)"), "{n}"),
    _Level(4, re.compile(r"^[（(](?P<n>\d{1,2})[）)]"), "（{n}）"),
    _Level(1, re.compile(rf"^第(?P<n>[{CN_NUM}\d]+)章"), "第{n}章"),
    _Level(2, re.compile(rf"^第(?P<n>[{CN_NUM}\d]+)节"), "第{n}节"),
    _Level(3, re.compile(rf"^第(?P<n>[{CN_NUM}\d]+)条"), "第{n}条", absolute=True),
)


class ParseError(ValueError):
    """The text cannot be read as a policy document."""


def read_text(path: Path) -> str:
    """Read a corpus file as UTF-8 (GB18030 accepted), with a clear error for anything else."""
    raw = path.read_bytes()
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ParseError(f"{path.name}: 无法识别的文件编码（请保存为 UTF-8）")


def clean_line(line: str) -> str:
    return strip_control(_BOOKMARK.sub("", line), "")


def parse_document(text: str, doc_id: str, source: str = "") -> Document:
    lines = [clean_line(line).rstrip(" ") for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    if not any(line.strip() for line in lines):
        raise ParseError(f"{source or doc_id}: 文件为空")
    header, body_start, title = _split_header(lines)
    meta = DocumentMeta(
        doc_id=doc_id,
        title=title,
        issuer=_issuer(header),
        doc_number=_first(_DOC_NUMBER, "\n".join(header)),
        date=_first(_DATE, "\n".join(header)),
        source=source,
        recipients=_recipients(header),
    )
    builder = _TreeBuilder(doc_id)
    if header:
        builder.add_notice([line.strip() for line in header if line.strip()], meta)
    builder.consume(lines[body_start:])
    document = Document(meta=meta, clauses=sorted(builder.clauses, key=lambda c: c.order), indicators=builder.indicators)
    log.info("parsed %s: %d clauses, %d indicators", doc_id, len(document.clauses), len(document.indicators))
    return document


def parse_file(path: Path) -> Document:
    return parse_document(read_text(path), doc_id=path.stem, source=path.name)


def _first(pattern: re.Pattern, text: str) -> str:
    match = pattern.search(text)
    return match.group(0) if match else ""


def _split_header(lines: list[str]) -> tuple[list[str], int, str]:
    """Return (notice header lines, index where the document body starts, document title)."""
    joined = "".join(line.strip() for line in lines[:40])
    match = _TITLE.search(joined)
    if match:
        title = match.group(1)
        for i, line in enumerate(lines):
            if line.strip() == title:
                return lines[:i], i + 1, title
    first = next(i for i, line in enumerate(lines) if line.strip())
    return [], first + 1, lines[first].strip()


def _recipients(header: list[str]) -> str:
    """The addressees' line of a notice (主送机关), written before a colon on a line of its own."""
    return next((m.group("who") for m in map(_RECIPIENTS.match, (line.strip() for line in header)) if m), "")


def _issuer(header: list[str]) -> str:
    """The signature line above the date; else the '……关于' prefix of the notice title."""
    stripped = [line.strip() for line in header]
    for i, line in enumerate(stripped):
        if _DATE.fullmatch(line):
            previous = [s for s in stripped[:i] if s]
            if previous:
                return previous[-1]
    match = re.match(r"(.+?)关于", "".join(stripped))
    return match.group(1) if match else ""


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
    run_in: bool = False  # heading and body on one line: the item is that one paragraph
    order: int = 0


class _TreeBuilder:
    def __init__(self, doc_id: str):
        self.doc_id = doc_id
        self.clauses: list[Clause] = []
        self.indicators: list[Indicator] = []
        self._stack: list[_Open] = []
        self._tables = 0
        self._positions = 0

    def _position(self) -> int:
        self._positions += 1
        return self._positions

    def add_notice(self, header: list[str], meta: DocumentMeta) -> None:
        facts = [f"{label}：{value}" for label, value in
                 (("发文机关", meta.issuer), ("文号", meta.doc_number), ("成文日期", meta.date),
                  ("主送机关", meta.recipients)) if value]
        lines = header + [f"（{fact}）" for fact in facts]  # one per line: each quotable on its own
        self._emit(_Open("通知", ClauseKind.NOTICE, 0, f"关于印发《{meta.title}》的通知", ("通知",), None, lines, order=self._position()))

    def consume(self, lines: list[str]) -> None:
        i = 0
        while i < len(lines):
            raw = lines[i]
            line = raw.strip()
            if not line:
                i += 1
                continue
            table = _TABLE_START.match(line)
            if table and _followed_by_cells(lines, i):
                i = self._table(lines, i, table.group("title").strip())
                continue
            level, number = _heading_level(line)
            if level is None:
                self._paragraph(line)
            else:
                self._open(level, number, line)
            i += 1
        while self._stack:
            self._close()

    # -- clauses ---------------------------------------------------------------------------
    def _paragraph(self, line: str) -> None:
        while self._stack and self._stack[-1].run_in:
            self._close()
        if not self._stack:
            self._stack.append(_Open("前言", ClauseKind.PREAMBLE, 0, "前言", ("前言",), None, order=self._position()))
        self._stack[-1].paragraphs.append(line)

    def _open(self, level: _Level, number: str, line: str) -> None:
        while self._stack and (self._stack[-1].level >= level.depth or self._stack[-1].kind == ClauseKind.PREAMBLE):
            self._close()
        parent = self._stack[-1] if self._stack else None
        label = level.label.format(n=number)
        ref = label if level.absolute or parent is None else parent.ref + label
        heading, run_in = _heading_text(line[len(level.pattern.match(line).group(0)):])
        title = line[: line.index(heading) + len(heading)] if run_in else line
        self._stack.append(
            _Open(
                ref=ref,
                kind=ClauseKind.CLAUSE,
                level=level.depth,
                heading=heading,
                title_path=(parent.title_path if parent else ()) + (title,),
                parent=parent.ref if parent else None,
                paragraphs=[line],
                run_in=run_in,
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
    def _table(self, lines: list[str], start: int, title: str) -> int:
        """Rebuild a 专栏 table flattened one cell per line; return the index after it and its note."""
        while self._stack and self._stack[-1].run_in:
            self._close()
        self._tables += 1
        ref = "专栏" if self._tables == 1 else f"专栏{self._tables}"
        rows, i = _table_rows(lines, start + 1)
        note = ""
        while i < len(lines) and not lines[i].strip():
            i += 1
        if i < len(lines) and _NOTE_START.match(lines[i].strip()):
            note = lines[i].strip()
            i += 1
        parent = self._stack[-1] if self._stack else None
        path = (parent.title_path if parent else ()) + (f"专栏 {title}",)
        table_text = "\n".join([f"专栏 {title}"] + ["\t".join(row) for row in rows] + ([note] if note else []))
        self.clauses.append(
            Clause(self.doc_id, ref, ClauseKind.TABLE, parent.level + 1 if parent else 1, title, path, table_text,
                   parent.ref if parent else None, self._position())
        )
        for indicator in _indicators(self.doc_id, ref, rows, note):
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


def _heading_level(line: str) -> tuple[_Level | None, str]:
    for level in LEVELS:
        match = level.pattern.match(line)
        if match:
            return level, match.group("n")
    return None, ""


def _heading_text(rest: str) -> tuple[str, bool]:
    """The clause's own title, and whether its body follows on the same line (a run-in heading)."""
    rest = rest.strip()
    head, sep, body = rest.partition("。")
    if sep and body.strip() and len(head) <= 40:
        return head, True
    return rest.rstrip("。"), False


def _followed_by_cells(lines: list[str], i: int) -> bool:
    following = next((line for line in lines[i + 1 :] if line.strip()), "")
    return following.startswith("\t")


def _table_rows(lines: list[str], start: int) -> tuple[list[list[str]], int]:
    """Cells start with a tab; a line without one continues the cell above; blank lines end rows."""
    rows: list[list[str]] = []
    row: list[str] = []
    i = start
    while i < len(lines):
        raw = lines[i]
        if raw.startswith("\t"):
            row.append(raw.strip())
        elif raw.strip() and row:
            row[-1] += raw.strip()
        elif raw.strip():
            break
        elif row:
            rows.append(row)
            row = []
        i += 1
    if row:
        rows.append(row)
    return rows, i


def _column(header: list[str], *keywords: str) -> int:
    for i, cell in enumerate(header):
        if any(k in cell for k in keywords):
            return i
    raise ParseError(f"专栏表头缺少列：{'/'.join(keywords)}（表头：{header}）")


def _indicators(doc_id: str, table_ref: str, rows: list[list[str]], note: str) -> list[Indicator]:
    if len(rows) < 2:
        return []
    header, body = rows[0], rows[1:]
    cols = {
        "category": _column(header, "类别"),
        "number": _column(header, "序号"),
        "name": _column(header, "指标"),
        "unit": _column(header, "单位"),
        "base": _column(header, "基期", "基准"),
        "target": _column(header, "目标"),
    }
    markers = {_marker_key(m.group("marker")): m.group("meaning").strip() for m in _NOTE_MARKER.finditer(note)}
    note_sentences = [s for s in re.split(r"[。；]", _NOTE_START.sub("", note)) if s and not _NOTE_MARKER.search(s)]
    result: list[Indicator] = []
    category = ""
    for row in body:
        if len(row) != len(header):
            raise ParseError(f"专栏第{len(result) + 1}行有{len(row)}列，表头有{len(header)}列：{row}")
        category = row[cols["category"]] or category
        name = row[cols["name"]]
        base_value, base_notes = _cell_value(row[cols["base"]], markers)
        target_value, target_notes = _cell_value(row[cols["target"]], markers)
        number = int(row[cols["number"]])
        result.append(
            Indicator(
                doc_id=doc_id,
                ref=f"{table_ref}·指标{number}",
                number=number,
                category=category,
                name=name,
                unit=row[cols["unit"]],
                base_raw=row[cols["base"]],
                target_raw=row[cols["target"]],
                base_value=base_value,
                target_value=target_value or "",
                base_label=header[cols["base"]],
                target_label=header[cols["target"]],
                base_notes=base_notes,
                target_notes=target_notes,
                row_notes=tuple(s for s in note_sentences if name in s),
            )
        )
    return result


def _marker_key(marker: str) -> str:
    return "[]" if marker.startswith("[") else "*"


def _cell_value(cell: str, markers: dict[str, str]) -> tuple[str | None, tuple[str, ...]]:
    """Strip the note markers from a cell and return (value, meanings of the markers it carried)."""
    if cell == NO_VALUE:
        return None, ()
    notes: list[str] = []
    value = cell
    if re.search(r"\[[^\]]*\]", value):
        value = re.sub(r"\[([^\]]*)\]", r"\1", value)
        notes.append(markers.get("[]", "累计数"))
    if value.endswith(("*", "＊")):
        value = value.rstrip("*＊")
        notes.append(markers.get("*", "注释数据"))
    return value, tuple(notes)

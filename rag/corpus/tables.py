"""Target tables (专栏): header columns found by name, one Indicator per row, the note's markers applied."""

from __future__ import annotations

import re

from ..schema import Indicator
from .readers import ParseError

NO_VALUE = "/"
TABLE_START = re.compile(r"^专栏\s*(?P<number>\d*)\s*(?P<title>.*)$")
NOTE_START = re.compile(r"^注[:：]")
# Markers explained by a table's note: "[ ]代表累计数", "加*表示为2024年数据".
_NOTE_MARKER = re.compile(r"加?(?P<marker>\[\s*\]|\*|＊)\s*(?:代表|表示为|表示|为)(?P<meaning>[^。；，,]+)")


def _column(header: tuple[str, ...], *keywords: str) -> int:
    for i, cell in enumerate(header):
        if any(k in cell for k in keywords):
            return i
    raise ParseError(f"专栏表头缺少列：{'/'.join(keywords)}（表头：{list(header)}）")


def indicators(doc_id: str, table_ref: str, rows: tuple[tuple[str, ...], ...], note: str) -> list[Indicator]:
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
    note_sentences = [s for s in re.split(r"[。；]", NOTE_START.sub("", note)) if s and not _NOTE_MARKER.search(s)]
    result: list[Indicator] = []
    category = ""
    for row in body:
        if len(row) != len(header):
            raise ParseError(f"专栏第{len(result) + 1}行有{len(row)}列，表头有{len(header)}列：{list(row)}")
        if not row[cols["number"]].isdigit():
            raise ParseError(f"专栏第{len(result) + 1}行的序号不是数字：{list(row)}")
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

"""Presentation of answers and clauses as plain text (CLI), and of the plan's target tables as HTML (app)."""

from __future__ import annotations

from html import escape
from itertools import groupby

from ..corpus.table_views import IndicatorTable, row_notes
from ..schema import Answer, Clause


def answer_as_text(answer: Answer) -> str:
    lines = [answer.text]
    if answer.citations:
        lines.append("")
        lines.append("引用条款：" if not answer.refused else "相关条款：")
        lines.extend(f"  {c.ref}  {c.title}" for c in answer.citations)
    return "\n".join(lines)


def clause_as_text(clause: Clause) -> str:
    return f"{clause.ref}  {clause.title}\n\n{clause.text}"


def indicator_table_html(table: IndicatorTable, href) -> str:
    """The table as printed, in a box that scrolls sideways on a narrow screen. Values never wrap (a number
    broken over two lines misreads); each indicator's name links (``href(doc_id, ref)``) to its clause."""
    with_notes = any(row_notes(row) for row in table.rows)
    headers = ["类别", "序号", "指标名称", "单位", table.base_label, table.target_label] + (["说明"] if with_notes else [])
    lines = [
        f'<div class="indicator-scroll" role="region" tabindex="0" aria-label="{escape(table.title)}">',
        "<table><thead><tr>" + "".join(f"<th>{escape(h)}</th>" for h in headers) + "</tr></thead><tbody>",
    ]
    for category, group in groupby(table.rows, key=lambda row: row.category):
        rows = list(group)
        for position, row in enumerate(rows):
            cells = [f'<td class="category" rowspan="{len(rows)}">{escape(category)}</td>'] if position == 0 else []
            link = f'<a href="{escape(href(row.doc_id, row.ref))}">{escape(row.name)}</a>'
            cells += [f'<td class="value">{row.number}</td>', f'<td class="name">{link}</td>']
            cells += [f'<td class="value">{escape(cell)}</td>' for cell in (row.unit, row.base_raw, row.target_raw)]
            if with_notes:
                cells.append(f'<td class="note">{escape("；".join(row_notes(row)))}</td>')
            lines.append("<tr>" + "".join(cells) + "</tr>")
    lines.append("</tbody></table></div>")
    lines += [f'<p class="indicator-note">{escape(note)}</p>' for note in table.notes]
    return "\n".join(lines)

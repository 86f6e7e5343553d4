"""Checklists and the measure listing as plain text (command line) and Markdown (the app)."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from ..text import escape_markdown
from .match import MeasureFinder
from .model import Checklist, ChecklistItem, Measure

SHOWN_TITLE = "与您最相关的条款"
MORE_TITLE = "更多可能相关的条款"
NONE_SHOWN = "规划中没有专门适用于您的条款。"
NOT_IN_PLAN_TITLE = "规划未规定的事项"


def cite(ref: str) -> str:
    return f"【{ref}】"


def _outline(checklist: Checklist, more: bool) -> list[tuple[str, object]]:
    """The checklist as blocks, (kind, content), that the text and Markdown renderers each format:
    notice, heading, bullet, note, item."""
    blocks: list[tuple[str, object]] = [("notice", notice) for notice in checklist.notices]
    if checklist.profile is None:
        return blocks
    blocks.append(("heading", "企业画像"))
    blocks.extend(("bullet", line) for line in checklist.profile.summary() or ["只根据描述匹配"])
    blocks.append(("heading", f"{SHOWN_TITLE}（{len(checklist.items)}条）"))
    if not checklist.items:
        blocks.append(("note", NONE_SHOWN if not checklist.more else f"{NONE_SHOWN}较泛或字面相关的条款在下面。"))
    blocks.extend(("item", item) for item in checklist.items)
    if checklist.more:
        blocks.append(("heading", f"{MORE_TITLE}（{len(checklist.more)}条）"))
        if more:
            blocks.extend(("item", item) for item in checklist.more)
        else:
            blocks.append(("note", "相关性较弱或较泛，默认不列出；需要时可展开查看。"))
    blocks.append(("heading", NOT_IN_PLAN_TITLE))
    blocks.append(("note", checklist.not_in_plan))
    return blocks


def checklist_as_text(checklist: Checklist, more: bool = False) -> str:
    """Plain text for the command line; ``more`` lists the weaker matches too."""
    lines: list[str] = []
    for kind, content in _outline(checklist, more):
        if kind == "notice":
            lines.append(str(content))
        elif kind == "heading":
            lines.extend(["", str(content)])
        elif kind == "item":
            item: ChecklistItem = content  # type: ignore[assignment]
            lines.extend([f"  {cite(item.ref)}{item.label}", f"     {item.text}", f"     {item.why}"])
        else:
            lines.append(f"  {content}")
    return "\n".join(lines).lstrip("\n")


def checklist_as_markdown(
    checklist: Checklist, link: Callable[[str, str], str] | None = None, more: bool = False
) -> str:
    """Markdown for the app. ``link(doc_id, ref)`` renders a citation as Markdown (the app passes
    rag.chat.clause_link, which opens the clause beside the form); by default it is 【ref】."""
    link = link or (lambda doc_id, ref: escape_markdown(cite(ref)))
    lines: list[str] = []
    for kind, content in _outline(checklist, more):
        if kind == "notice":
            lines.extend([f"> {escape_markdown(str(content))}", ""])
        elif kind == "heading":
            lines.extend(["", f"#### {escape_markdown(str(content))}"])
        elif kind == "bullet":
            lines.append(f"- {escape_markdown(str(content))}")
        elif kind == "note":
            lines.append(f"*{escape_markdown(str(content))}*")
        else:
            item: ChecklistItem = content  # type: ignore[assignment]
            text = _bold(escape_markdown(item.text), [escape_markdown(h) for h in item.highlights])
            lines.append(f"- {link(item.doc_id, item.ref)} **{escape_markdown(item.label)}**：{text}  ")
            lines.append(f"  *{escape_markdown(item.why)}*")
    return "\n".join(lines).strip()


def _bold(text: str, words: Iterable[str]) -> str:
    for word in sorted({w for w in words if w and w in text}, key=len, reverse=True):
        text = text.replace(word, f"**{word}**", 1)
    return text.replace("****", "")


def measures_as_text(finder: MeasureFinder, full: bool) -> str:
    """A review listing: measures per target group, per industry and per place; every measure with --list."""
    kinds = [m.kind for m in finder.measures]
    lines = [f"共{len(kinds)}条（措施{kinds.count('措施')}条，目标{kinds.count('目标')}条）"]
    lines.append("")
    lines.append("按对象：")
    for etype in finder.types:
        refs = _refs(m for m in finder.measures if etype.label in m.group_labels)
        words = dict.fromkeys(
            w for m in finder.measures for label, ws in m.groups if label == etype.label for w in ws.split("、")
        )
        if refs:
            lines.append(f"  {etype.label}（{'、'.join(words)}）：{'、'.join(refs)}")
    lines.append("")
    lines.append("按产业：")
    for industry in finder.industries:
        refs = _refs(m for m in finder.measures if industry.name in m.industry_names)
        focus = "、".join(industry.focus) or "—"
        lines.append(f"  {industry.name}〔{industry.ref}〕重点方向：{focus}；相关条款：{'、'.join(refs)}")
    lines.append("")
    lines.append("按地区：")
    places = dict.fromkeys(p for m in finder.measures for p in m.places)
    for place in places:
        lines.append(f"  {place}：{'、'.join(_refs(m for m in finder.measures if place in m.places))}")
    county = _refs(m for m in finder.measures if m.county_level)
    if county:
        lines.append(f"  县域：{'、'.join(county)}")
    if full:
        lines.append("")
        lines.append("全部条目（条款·句序 类别 [动作] 对象 | 产业 | 地区）：")
        for m in finder.measures:
            targets = "、".join(f"{label}“{word}”" for label, word in m.groups) or "—"
            industries = "、".join(m.industry_names) or "—"
            places = "、".join(m.places) + ("（举例）" if m.places and m.places_open else "") if m.places else "—"
            lines.append(f"{m.ref}·{m.number} {m.kind} [{'、'.join(m.actions)}] 对象：{targets} | 产业：{industries} | "
                         f"地区：{places}{'（县域）' if m.county_level else ''}")
            lines.append(f"    {m.text}")
    return "\n".join(lines)


def _refs(measures: Iterable[Measure]) -> list[str]:
    return list(dict.fromkeys(m.ref for m in measures))


def measures_as_data(finder: MeasureFinder) -> dict:
    """The extraction as JSON-ready data: the plan's industries and every measure."""
    return {
        "industries": [
            {"ref": i.ref, "name": i.name, "chapter": i.chapter, "focus": list(i.focus), "goal": i.goal}
            for i in finder.industries
        ],
        "measures": [m.to_dict() for m in finder.measures],
    }

"""Checklists and the measure listing as plain text (command line) and Markdown (the app)."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from ..text import escape_markdown
from .match import MeasureFinder
from .model import Checklist, Measure

_CN_ORDINALS = "一二三四五六七八九十"


def cite(ref: str) -> str:
    return f"【{ref}】"


def checklist_as_text(checklist: Checklist) -> str:
    lines: list[str] = []
    lines.extend(checklist.notices)
    if checklist.profile is None:
        return "\n".join(lines)
    lines.append("企业画像")
    lines.extend(f"  {line}" for line in checklist.profile.summary() or ["（只根据描述匹配）"])
    for number, section in enumerate(checklist.sections):
        lines.append("")
        lines.append(f"{_CN_ORDINALS[number]}、{section.title}（{len(section.items)}条）")
        if not section.items and section.empty_note:
            lines.append(f"  {section.empty_note}")
        for index, item in enumerate(section.items, start=1):
            lines.append(f"  {index}. {cite(item.ref)}{item.label}")
            lines.append(f"     {item.text}")
            lines.append(f"     为什么：{item.why}")
    lines.append("")
    lines.append("规划未规定的事项")
    lines.append(f"  {checklist.not_in_plan}")
    return "\n".join(lines)


def checklist_as_markdown(checklist: Checklist, link: Callable[[str, str], str] | None = None) -> str:
    """Markdown for the app. ``link(doc_id, ref)`` renders a citation as Markdown (the app passes
    rag.chat.clause_link, which opens the clause beside the form); by default it is 【ref】."""
    link = link or (lambda doc_id, ref: escape_markdown(cite(ref)))
    lines: list[str] = [f"> {escape_markdown(notice)}" for notice in checklist.notices]
    if checklist.profile is None:
        return "\n\n".join(lines)
    lines.append("#### 企业画像")
    lines.extend(f"- {escape_markdown(line)}" for line in checklist.profile.summary() or ["只根据描述匹配"])
    for number, section in enumerate(checklist.sections):
        lines.append("")
        lines.append(f"#### {_CN_ORDINALS[number]}、{section.title}（{len(section.items)}条）")
        if not section.items and section.empty_note:
            lines.append(f"*{escape_markdown(section.empty_note)}*")
        for item in section.items:
            text = _bold(escape_markdown(item.text), [escape_markdown(h) for h in item.highlights])
            lines.append(f"- {link(item.doc_id, item.ref)} **{escape_markdown(item.label)}**：{text}  ")
            lines.append(f"  *为什么：{escape_markdown(item.why)}*")
    lines.append("")
    lines.append("#### 规划未规定的事项")
    lines.append(escape_markdown(checklist.not_in_plan))
    return "\n".join(lines)



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
            industries = "、".join(name for name, _ in m.industries) or "—"
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

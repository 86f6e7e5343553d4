"""The app's 企业政策匹配 tab: a profile form and the checklist of the plan's measures for it.

Only wiring: matching and rendering live in rag.measures. Citations are rag.chat's clause links, so a click
opens the clause in the page's side panel as in the chat. Called inside ``with gr.Tab(...)`` by app.py.
"""

from __future__ import annotations

import logging

import gradio as gr

from ..chat import clause_link
from ...measures import PROFILE_TAGS, ProfileInput
from ...measures.render import checklist_as_markdown

log = logging.getLogger(__name__)

INTRO = (
    "填写企业的产业、所在地和类型（可只填其中几项），在描述里写上您想做的事（如上市、做品牌、出口、融资），"
    "列出规划中与您最相关的条款（最具体的在前，默认最多12条），并说明每条为什么与您相关。"
    "点击条款编号可查看原文。规划不规定资金金额、申报时间和办理程序，这些请咨询主管部门。"
)
PLACEHOLDER = "填写后点击“查找相关条款”。"
FAILED = "抱歉，匹配时出错（错误已记录），请稍后重试。"
EXAMPLES = [
    ["做腊肉、腊味的小作坊", "凤凰县", ["个体户"], "想把作坊办成正规企业"],
    ["无人机零部件", "长沙", ["民营", "专精特新"], "想承接军品订单"],
    ["精细化工", "", [], "正在为新工厂选址"],
]


def render_tab(assistant) -> None:
    """Build the form and the checklist inside the current Gradio block."""
    finder = assistant.measures
    gr.Markdown(INTRO)
    with gr.Row():
        industry = gr.Textbox(label="所属产业或主要产品", placeholder="如：做辣条的、变压器、工业软件", max_lines=1)
        location = gr.Textbox(label="所在地", placeholder="市州或县市区，如：株洲、凤凰县", max_lines=1)
    tags = gr.CheckboxGroup(choices=list(PROFILE_TAGS), label="企业类型（可多选）")
    description = gr.Textbox(
        label="企业描述（可选）", placeholder="如：留学归国创业，准备建厂；想拓展海外市场", lines=3, max_lines=8
    )
    more = gr.Checkbox(label="也列出相关性较弱的条款", value=False)
    find = gr.Button("查找相关条款", variant="primary")
    checklist = gr.Markdown(PLACEHOLDER, elem_id="measures-checklist")
    gr.Examples(EXAMPLES, inputs=[industry, location, tags, description], label="示例")

    def show(
        industry_text: str, location_text: str, chosen: list[str] | None, description_text: str, show_more: bool
    ) -> str:
        given = ProfileInput(industry_text or "", location_text or "", ",".join(chosen or []), description_text or "")
        try:
            return checklist_as_markdown(finder.match(given), link=clause_link, more=bool(show_more))
        except Exception:
            log.exception("matching profile %r failed", given)
            return FAILED

    find.click(show, [industry, location, tags, description, more], checklist, show_progress="minimal")

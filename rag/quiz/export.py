"""Quizzes as files: Markdown (answer key at the end), CSV and JSON for quiz platforms, DOCX for printing.

Every format has a participants' version (answers=False) that carries no answers, explanations or references.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import docx
from docx.oxml.ns import qn
from docx.shared import Pt

from ..text import escape_markdown as md
from .model import GAP, KINDS, LETTERS, MULTI_OPTIONS, Kind, Quiz, QuizItem

FORMATS = ("md", "csv", "json", "docx")
PART_NUMBERS = "一二三四五六七八九十"
PART_NOTES = {Kind.MULTI: "（每题有两个或两个以上正确答案）", Kind.TRUEFALSE: "（正确的填“√”，错误的填“×”）"}
NAME_LINE = "姓名：＿＿＿＿＿＿　单位：＿＿＿＿＿＿　得分：＿＿＿＿"
FONT = "宋体"
CSV_ANSWER_COLUMNS = ("answer", "answer_text", "explanation", "ref", "title")
CSV_COLUMNS = ("number", "type", "type_name", "difficulty", "question",
               *(f"option_{letter.lower()}" for letter in LETTERS[:MULTI_OPTIONS]), *CSV_ANSWER_COLUMNS)


def quiz_heading(quiz: Quiz) -> str:
    return f"{quiz.title}学习测验"


def numbered(quiz: Quiz) -> list[tuple[int, QuizItem]]:
    return list(enumerate(quiz.items, start=1))


def parts(quiz: Quiz) -> list[tuple[str, list[tuple[int, QuizItem]]]]:
    """The quiz's parts in print order: (一、填空题, its numbered items)."""
    present = [kind for kind in KINDS if any(item.kind == kind for item in quiz.items)]
    return [
        (f"{PART_NUMBERS[i]}、{kind.label}{PART_NOTES.get(kind, '')}",
         [(n, item) for n, item in numbered(quiz) if item.kind == kind])
        for i, kind in enumerate(present)
    ]


def question_text(item: QuizItem) -> str:
    return item.stem + (GAP if item.kind == Kind.TRUEFALSE else "")


def option_lines(item: QuizItem) -> list[str]:
    if not item.kind.has_options:
        return []
    return [f"{LETTERS[i]}．{option}" for i, option in enumerate(item.options)]


def answer_text(item: QuizItem) -> str:
    """The answer with its words: B（7700亿元）, 正确, or the blank's words."""
    if item.kind.has_options:
        return f"{item.key}（{'；'.join(item.answers)}）"
    return item.key


def records(quiz: Quiz, answers: bool = True) -> list[dict]:
    """One record per item, as quiz platforms import them."""
    rows = []
    for number, item in numbered(quiz):
        row = {
            "number": number, "type": item.kind.value, "type_name": item.kind.label,
            "difficulty": item.difficulty.value, "question": item.stem, "options": list(item.options),
        }
        if answers:
            row |= {"answer": item.key, "answer_text": "；".join(item.answers), "explanation": item.explanation,
                    "ref": item.ref, "title": item.title}
        rows.append(row)
    return rows


def to_json(quiz: Quiz, answers: bool = True) -> str:
    request = quiz.request
    data = {
        "title": quiz_heading(quiz),
        "settings": {"section": request.section, "types": [k.value for k in request.kinds],
                     "difficulty": request.difficulty.value if request.difficulty else "",
                     "count": request.count, "seed": request.seed},
        "items": records(quiz, answers),
    }
    return json.dumps(data, ensure_ascii=False, indent=1) + "\n"


def to_csv(quiz: Quiz, answers: bool = True) -> str:
    columns = [c for c in CSV_COLUMNS if answers or c not in CSV_ANSWER_COLUMNS]
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    for row in records(quiz, answers):
        options = row.pop("options")
        row |= {f"option_{LETTERS[i].lower()}": option for i, option in enumerate(options)}
        writer.writerow(row)
    return buffer.getvalue()


def to_markdown(quiz: Quiz, answers: bool = True) -> str:
    lines = [f"# {md(quiz_heading(quiz))}", "", md(quiz.describe()), ""]
    if not answers:
        lines += [NAME_LINE, ""]
    for title, items in parts(quiz):
        lines += [f"## {title}", ""]
        for number, item in items:
            lines += [f"**{number}.** {md(question_text(item))}", ""]
            if item.kind.has_options:
                lines += [f"- {md(line)}" for line in option_lines(item)] + [""]
    if answers:
        lines += ["---", "", "## 参考答案", ""]
        for number, item in numbered(quiz):
            lines += [f"**{number}.** {md(answer_text(item))}〔{item.difficulty.label}〕　{md(item.explanation)}", ""]
    return "\n".join(lines)


def to_docx(quiz: Quiz, answers: bool = True) -> bytes:
    document = docx.Document()
    for name in ("Normal", "Title", "Heading 1", "Heading 2"):
        style = document.styles[name]
        style.font.name = FONT
        style.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), FONT)
    document.styles["Normal"].font.size = Pt(11)
    document.add_heading(quiz_heading(quiz), level=1)
    document.add_paragraph(quiz.describe())
    if not answers:
        document.add_paragraph(NAME_LINE)
    for title, items in parts(quiz):
        document.add_heading(title, level=2)
        for number, item in items:
            paragraph = document.add_paragraph()
            paragraph.add_run(f"{number}．").bold = True
            paragraph.add_run(question_text(item))
            for line in option_lines(item):
                document.add_paragraph(line).paragraph_format.left_indent = Pt(21)
    if answers:
        document.add_page_break()
        document.add_heading("参考答案", level=2)
        for number, item in numbered(quiz):
            paragraph = document.add_paragraph()
            paragraph.add_run(f"{number}．{answer_text(item)}").bold = True
            paragraph.add_run(f"〔{item.difficulty.label}〕　{item.explanation}")
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def render(quiz: Quiz, fmt: str, answers: bool = True) -> str | bytes:
    renderers = {"md": to_markdown, "csv": to_csv, "json": to_json, "docx": to_docx}
    return renderers[fmt](quiz, answers)


def save(quiz: Quiz, fmt: str, path: Path, answers: bool = True) -> Path:
    """Write one format to a file; CSV gets a byte-order mark so that spreadsheet programs read it as UTF-8."""
    content = render(quiz, fmt, answers)
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8-sig" if fmt == "csv" else "utf-8")
    return path


BUNDLE = (
    ("quiz_trainer.docx", "docx", True), ("quiz_participants.docx", "docx", False),
    ("quiz_trainer.md", "md", True), ("quiz_participants.md", "md", False),
    ("quiz.csv", "csv", True), ("quiz.json", "json", True),
)


def write_bundle(quiz: Quiz, folder: Path) -> list[Path]:
    """The files a trainer downloads: printable key and participants' sheets, and platform imports."""
    folder.mkdir(parents=True, exist_ok=True)
    return [save(quiz, fmt, folder / name, answers) for name, fmt, answers in BUNDLE]

"""The app's quiz tab: choose part, types, difficulty, count and seed; preview the quiz; download its files.

Wiring only: quizzes are built by rag.quiz and written by rag.quiz.export. The lead places
``render_tab(assistant)`` inside ``with gr.Tab("测验生成"):``.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from functools import partial
from pathlib import Path

import gradio as gr

from ...index.tokenize import Tokenizer
from ...quiz import DIFFICULTIES, KINDS, MAX_ITEMS, QuizError, QuizRequest, build_quiz
from ...quiz.export import to_markdown, write_bundle
from ...schema import Document

INTRO = "从规划条文自动出题，每题附答案、出处条款与原文说明。相同的随机种子生成相同的测验。"
# The names the files are downloaded under; a file not listed keeps its own.
DOWNLOAD_NAMES = {
    "quiz_trainer.docx": "测验_教师版.docx", "quiz_participants.docx": "测验_学员版.docx",
    "quiz_trainer.md": "测验_教师版.md", "quiz_participants.md": "测验_学员版.md",
    "quiz.csv": "测验_题库.csv", "quiz.json": "测验_题库.json",
}


BUNDLE_MINUTES = 30  # a quiz's files are offered this long; older bundles are deleted when a new one is made


def _bundle_folder() -> Path:
    """A new private folder for one quiz's files, under one parent whose bundles older than BUNDLE_MINUTES
    are removed first, so that the files of many quizzes do not pile up in the temporary folder."""
    parent = Path(tempfile.gettempdir()) / f"rag-quiz-{os.getuid()}"
    parent.mkdir(mode=0o700, exist_ok=True)
    cutoff = time.time() - BUNDLE_MINUTES * 60
    for old in parent.iterdir():
        if old.is_dir() and old.stat().st_mtime < cutoff:
            shutil.rmtree(old, ignore_errors=True)
    return Path(tempfile.mkdtemp(prefix="quiz-", dir=parent))


def generate(documents: list[Document], tokenizer: Tokenizer | None, section: str, kinds: list[str],
             difficulty: str, count: float | None, seed: float | None) -> tuple[str, list[str]]:
    """Preview (the trainer's version, in Markdown) and the files to download; a message instead on bad input."""
    try:
        request = QuizRequest.parse(count, section, kinds or [], difficulty, seed)
        quiz = build_quiz(documents, request, tokenizer)
    except QuizError as error:
        return f"**无法生成测验：** {error}", []
    if not quiz.items:
        return "**没有符合条件的题目**，请放宽范围、题型或难度。", []
    folder = _bundle_folder()
    preview = to_markdown(quiz, answers=True)
    if quiz.note:
        preview = f"> 注意：{quiz.note}\n\n{preview}"
    files = write_bundle(quiz, folder)
    return preview, [str(path.rename(path.with_name(DOWNLOAD_NAMES.get(path.name, path.name)))) for path in files]


def render_tab(assistant) -> None:
    gr.Markdown(INTRO)
    with gr.Row():
        section = gr.Textbox(label="范围（条款编号）", placeholder="如 二 或 二（三）；留空为全文")
        kinds = gr.CheckboxGroup([(k.label, k.value) for k in KINDS], value=[k.value for k in KINDS],
                                 label="题型")
    with gr.Row():
        difficulty = gr.Dropdown([("不限", "")] + [(d.label, d.value) for d in DIFFICULTIES], value="",
                                 label="难度")
        count = gr.Number(value=10, precision=0, minimum=1, maximum=MAX_ITEMS, label="题量")
        seed = gr.Number(value=1, precision=0, label="随机种子")
    button = gr.Button("生成测验", variant="primary")
    files = gr.File(label="下载（教师版含答案、学员版、CSV、JSON）", file_count="multiple", interactive=False,
                    elem_classes="rag-downloads")
    preview = gr.Markdown()
    build = partial(generate, assistant.documents, assistant.tokenizer)
    button.click(build, [section, kinds, difficulty, count, seed], [preview, files])

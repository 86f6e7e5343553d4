"""Command line: python -m rag build | ask | show | batch. Thin: all logic lives in the package."""

from __future__ import annotations

import argparse
import json
import logging
import sys

from .config import Settings
from .corpus.load import IndexUnavailable

log = logging.getLogger("rag")


def _assistant(settings: Settings):
    from .qa.engine import Assistant

    assistant = Assistant(settings)
    if assistant.index.notice:
        print(f"提示：{assistant.index.notice}", file=sys.stderr)
    return assistant


def cmd_build(args, settings: Settings) -> int:
    from .corpus.load import load_corpus
    from .embedding import load_embedder
    from .index.store import update_index
    from .index.tokenize import Tokenizer

    documents = load_corpus(settings.corpus_dir)
    report = update_index(settings, load_embedder(settings), Tokenizer(documents), documents, full=args.full)
    status = report.status
    print(f"索引已{'重建' if report.full else '更新'}：{status.describe()}，未变 {len(status.unchanged)} 个；"
          f"嵌入 {report.embedded} 个节点，共 {report.nodes} 个节点，用时 {report.seconds} 秒 → {settings.index_dir}")
    return 0


def cmd_ask(args, settings: Settings) -> int:
    answer = _assistant(settings).ask(args.question)
    if args.json:
        print(json.dumps(answer.to_dict(), ensure_ascii=False, indent=1))
    else:
        from .app.present import answer_as_text

        print(answer_as_text(answer))
    return 0


def cmd_show(args, settings: Settings) -> int:
    from .app.present import clause_as_text

    assistant = _assistant(settings)
    clause = assistant.show(args.ref, args.doc)
    if clause is None:
        print(f"没有条款 {args.ref}。条款编号形如 二（三）5、专栏·指标11、前言、通知。", file=sys.stderr)
        return 1
    print(clause_as_text(clause))
    return 0


def cmd_batch(args, settings: Settings) -> int:
    assistant = _assistant(settings)
    for number, line in enumerate(sys.stdin, start=1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
            question = item["question"]
        except (json.JSONDecodeError, KeyError, TypeError) as error:
            log.error("line %d skipped: not a {\"id\",\"question\"} object (%s)", number, error)
            continue
        answer = assistant.ask(str(question))
        print(json.dumps({"id": item.get("id"), **answer.to_dict()}, ensure_ascii=False), flush=True)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m rag", description="湖南制造强省规划问答助手")
    sub = parser.add_subparsers(dest="command", required=True)
    build = sub.add_parser("build", help="index new and changed documents, drop removed ones")
    build.add_argument("--full", action="store_true", help="re-embed every document")
    build.set_defaults(run=cmd_build)
    ask = sub.add_parser("ask", help="answer one question")
    ask.add_argument("question")
    ask.add_argument("--json", action="store_true", help="print the answer as JSON")
    ask.set_defaults(run=cmd_ask)
    show = sub.add_parser("show", help="print a clause by its reference, e.g. 二（三）5")
    show.add_argument("ref")
    show.add_argument("--doc", default=None, help="document id when the corpus holds several")
    show.set_defaults(run=cmd_show)
    sub.add_parser("batch", help="answer JSONL questions from stdin").set_defaults(run=cmd_batch)

    evaluate = sub.add_parser("eval", help="measure answer quality on the eval set (and the baseline)")
    evaluate.add_argument("--questions", default=None, help="JSONL eval set (default evals/questions.jsonl)")
    evaluate.add_argument("--out", default=None, help="folder for report.json (default evals/)")
    evaluate.add_argument("--llm", action="store_true", help="answer through the configured LLM")
    evaluate.set_defaults(run=_delegate("evaluation.harness"))

    measures = sub.add_parser("measures", help="the support measures extracted from the plan")
    measures.add_argument("--list", action="store_true", help="print every measure for review")
    measures.add_argument("--json", action="store_true")
    measures.set_defaults(run=_delegate("measures.finder", "measures_command"))

    match = sub.add_parser("match", help="which measures concern an enterprise")
    match.add_argument("--industry", default="")
    match.add_argument("--region", default="")
    match.add_argument("--tags", default="", help="comma-separated: 个体户,小微,规上,专精特新,民营,初创…")
    match.add_argument("--text", default="", help="free-text description of the enterprise")
    match.add_argument("--json", action="store_true")
    match.set_defaults(run=_delegate("measures.finder", "match_command"))

    quiz = sub.add_parser("quiz", help="build a quiz with answer key")
    quiz.add_argument("-n", type=int, default=10, help="number of items")
    quiz.add_argument("--section", default="", help="part of the plan, e.g. 二 or 二（三）")
    quiz.add_argument("--types", default="", help="comma-separated: blank,choice,multi,truefalse")
    quiz.add_argument("--difficulty", default="", help="easy | medium | hard")
    quiz.add_argument("--seed", type=int, default=0)
    quiz.add_argument("--format", default="md", help="md | csv | json | docx")
    quiz.add_argument("--no-answers", action="store_true", help="participants' version, without the key")
    quiz.add_argument("-o", "--output", default="", help="output file (default: stdout; required for docx)")
    quiz.set_defaults(run=_delegate("quiz.builder"))
    return parser


def _delegate(module: str, function: str = "command"):
    """Commands of the other tools live in their own modules, imported only when used."""

    def run(args, settings: Settings) -> int:
        from importlib import import_module

        return getattr(import_module(f"rag.{module}"), function)(args, settings)

    return run


def main(argv: list[str] | None = None) -> int:
    settings = Settings.from_env()
    logging.basicConfig(level=settings.log_level.upper(), format="%(levelname)s %(name)s: %(message)s")
    args = build_parser().parse_args(argv)
    try:
        return args.run(args, settings)
    except IndexUnavailable as error:
        print(f"错误：{error}", file=sys.stderr)
        return 2

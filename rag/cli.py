"""Command line: python -m rag build | ask | show | batch | add | remove | list | status. Thin: all logic lives
in the package."""

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

    documents = load_corpus(settings.corpus_dir, settings.include_unstructured)
    report = update_index(settings, load_embedder(settings), Tokenizer(documents), documents, full=args.full)
    status = report.status
    print(f"索引已{'重建' if report.full else '更新'}：{status.describe()}，未变 {len(status.unchanged)} 个；"
          f"嵌入 {report.embedded} 个节点，共 {report.nodes} 个节点，用时 {report.seconds} 秒 → {settings.index_dir}")
    return 0


def _filter(args):
    from .corpus.select import DocumentFilter

    return DocumentFilter(tuple(args.doc or ()), args.issuer or "", args.since or "")


def cmd_ask(args, settings: Settings) -> int:
    answer = _assistant(settings).ask(args.question, _filter(args))
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
        print(f"没有条款 {args.ref}。条款编号形如 二（三）5、专栏·指标11、第九条、附件1·二3、前言、通知"
              "（文档库有多个文件时用 --doc 指定文件：文号、标题或文件名）。", file=sys.stderr)
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


def cmd_add(args, settings: Settings) -> int:
    from pathlib import Path

    from .corpus.library import add_file
    from .corpus.readers import ParseError

    failed = 0
    for name in args.files:
        try:
            document = add_file(settings.corpus_dir, Path(name), unstructured=args.unstructured)
        except (ParseError, OSError) as error:
            print(f"未添加 {name}：{error}", file=sys.stderr)
            failed += 1
            continue
        print(f"已添加 {document.meta.source}：《{document.meta.title}》{document.meta.doc_number}，"
              f"{len(document.clauses)} 个条款")
    if failed < len(args.files):
        cmd_build(args, settings)
    return 1 if failed else 0


def cmd_remove(args, settings: Settings) -> int:
    from .corpus.library import remove_file
    from .corpus.load import read_corpus
    from .corpus.select import select

    documents, _ = read_corpus(settings.corpus_dir, include_unstructured=True)
    found = select(documents, args.doc)
    if len(found) != 1:
        names = "；".join(f"{d.doc_id}（{d.meta.doc_number or d.meta.title}）" for d in found) or "无"
        print(f"“{args.doc}”应当恰好指一个文件，找到：{names}", file=sys.stderr)
        return 1
    remove_file(settings.corpus_dir, found[0])
    print(f"已移除 {found[0].meta.source}：《{found[0].meta.title}》")
    if len(documents) > 1:
        cmd_build(args, settings)
    return 0


def cmd_list(args, settings: Settings) -> int:
    from .corpus.load import read_corpus

    documents, skipped = read_corpus(settings.corpus_dir, settings.include_unstructured)
    for d in documents:
        meta = d.meta
        print(f"{meta.doc_id}\t{meta.doc_number or '（无文号）'}\t《{meta.title}》\t{meta.issuer}\t{meta.date}\t"
              f"{meta.status}\t{meta.kind}\t{len(d.clauses)} 条款")
    for item in skipped:
        print(f"未纳入 {item.source}：{item.reason}")
    return 0


def cmd_status(args, settings: Settings) -> int:
    from .corpus.library import set_status
    from .corpus.load import read_corpus
    from .corpus.select import select

    documents, _ = read_corpus(settings.corpus_dir, include_unstructured=True)
    found = select(documents, args.doc)
    if len(found) != 1:
        print(f"“{args.doc}”应当恰好指一个文件（找到 {len(found)} 个）", file=sys.stderr)
        return 1
    try:
        set_status(settings.corpus_dir, found[0], args.status)
    except ValueError as error:
        print(f"错误：{error}", file=sys.stderr)
        return 2
    print(f"《{found[0].meta.title}》状态：{args.status}")
    return 0


def _filters(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--doc", action="append", help="only this document (文号, title or file name); repeatable")
    parser.add_argument("--issuer", default="", help="only documents of this issuer")
    parser.add_argument("--since", default="", help="only documents issued on or after YYYY or YYYY-MM-DD")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m rag", description="湖南制造强省规划问答助手")
    sub = parser.add_subparsers(dest="command", required=True)
    build = sub.add_parser("build", help="index new and changed documents, drop removed ones")
    build.add_argument("--full", action="store_true", help="re-embed every document")
    build.set_defaults(run=cmd_build)
    ask = sub.add_parser("ask", help="answer one question")
    ask.add_argument("question")
    ask.add_argument("--json", action="store_true", help="print the answer as JSON")
    _filters(ask)
    ask.set_defaults(run=cmd_ask)
    show = sub.add_parser("show", help="print a clause by its reference, e.g. 二（三）5")
    show.add_argument("ref")
    show.add_argument("--doc", default=None, help="the document (id, 文号, title or file name) when the library "
                      "holds several")
    show.set_defaults(run=cmd_show)
    add = sub.add_parser("add", help="add policy files (.txt .docx .pdf .html) to the library; index them only")
    add.add_argument("files", nargs="+")
    add.add_argument("--unstructured", action="store_true", help="include a file without clause numbering")
    add.set_defaults(run=cmd_add, full=False)
    remove = sub.add_parser("remove", help="remove a document (id, 文号, title or file name) from the library")
    remove.add_argument("doc")
    remove.set_defaults(run=cmd_remove, full=False)
    sub.add_parser("list", help="the documents of the library and the files left out").set_defaults(run=cmd_list)
    status = sub.add_parser("status", help="set a document's status: 现行有效 or 已废止")
    status.add_argument("doc")
    status.add_argument("status")
    status.set_defaults(run=cmd_status)
    library_eval = sub.add_parser("eval-library", help="measure answers across documents on evals/library")
    library_eval.add_argument("--out", default=None, help="folder for library_report.json (default evals/library/)")
    library_eval.set_defaults(run=_delegate("evaluation.library"))
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

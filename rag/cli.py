"""Command line: python -m rag build | ask | show | batch | facts | eval | measures | match | quiz | add | remove |
list | status. Thin: all logic lives in the package. Only the commands that search (build, ask, batch, eval, add,
remove) load the embedding model and the index; the others read the parsed corpus. `build` logs its stages with
progress and elapsed time."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path

from .config import ConfigError, Settings
from .corpus.load import IndexUnavailable, load_corpus
from .logs import configure_logging
from .schema import Answer, Document
from .text import clean_input, decode_bytes
from .text.normalize import EMPTY_QUESTION

log = logging.getLogger("rag")


def _assistant(settings: Settings):
    from .qa.engine import Assistant

    assistant = Assistant(settings)
    if assistant.index.notice:
        print(f"提示：{assistant.index.notice}", file=sys.stderr)
    return assistant


def cmd_build(args, settings: Settings) -> int:
    from .qa.engine import refresh

    report = refresh(settings, full=args.full)
    status = report.status
    print(f"索引已{'重建' if report.full else '更新'}：{status.describe()}，未变 {len(status.unchanged)} 个；"
          f"嵌入 {report.embedded} 个节点，共 {report.nodes} 个节点，用时 {report.seconds} 秒 → {settings.index_dir}")
    return 0


def _filter(args):
    from .corpus.select import DocumentFilter

    return DocumentFilter(tuple(args.doc or ()), args.issuer or "", args.since or "")


def _documents(args, settings: Settings) -> list[Document]:
    """The corpus's documents that --doc / --issuer / --since keep (all without them); empty, after saying so,
    when they keep none."""
    from .corpus.select import NO_DOCUMENT, apply_filter

    documents = load_corpus(settings.corpus_dir)
    wanted = _filter(args)
    kept = apply_filter(documents, wanted) if wanted else documents
    if not kept:
        print(f"错误：{NO_DOCUMENT}", file=sys.stderr)
    return kept


def cmd_ask(args, settings: Settings) -> int:
    question = clean_input(" ".join(args.question))
    if question:
        answer = _assistant(settings).ask(question, _filter(args))
    else:  # at once: no model needs loading to say so
        answer = Answer(question, EMPTY_QUESTION, True, ())
    if args.json:
        print(json.dumps(answer.to_dict(), ensure_ascii=False, indent=1))
    else:
        from .app.present import answer_as_text

        print(answer_as_text(answer))
    return 0


def cmd_show(args, settings: Settings) -> int:
    from .app.present import clause_as_text

    from .corpus.select import select

    ref = args.ref.strip()
    documents = load_corpus(settings.corpus_dir, settings.include_unstructured)
    documents = select(documents, args.doc) if args.doc else documents
    clause = next(filter(None, (d.clause(ref) for d in documents)), None)
    if clause is None:
        print(f"没有条款 {args.ref}。条款编号形如 二（三）5、专栏·指标11、第九条、附件1·二3、前言、通知"
              "（文档库有多个文件时用 --doc 指定文件：文号、标题或文件名）。", file=sys.stderr)
        return 1
    print(clause_as_text(clause))
    return 0


MAX_EXIT_CODE = 100  # batch exits with the number of failed lines, at most this


def cmd_batch(args, settings: Settings) -> int:
    """One output line per input line that is not blank: the answer, or {"id", "line", "error"}. Lines are
    bytes decoded one by one (UTF-8, else GB18030), so one bad line loses nothing else."""
    assistant = _assistant(settings)
    failed = 0
    for number, raw in enumerate(sys.stdin.buffer, start=1):
        line = decode_bytes(raw)
        if not line.strip():
            continue
        item, result = _batch_item(line)
        if result is None:
            try:
                result = assistant.ask(item["question"]).to_dict()
            except Exception:
                log.exception("line %d: answering failed", number)
                result = {"error": "系统内部出错，未能回答这个问题"}
        if "error" in result:
            failed += 1
            result = {"line": number, **result}
        print(json.dumps({"id": item.get("id"), **result}, ensure_ascii=False), flush=True)
    return min(failed, MAX_EXIT_CODE)


def _batch_item(line: str) -> tuple[dict, dict | None]:
    """The line's object and None, or what it can be of one and the error to report."""
    try:
        item = json.loads(line)
    except (ValueError, RecursionError):
        return {}, {"error": '不是 JSON 对象，应为 {"id": …, "question": "…"}'}
    if not isinstance(item, dict):
        return {}, {"error": '不是 JSON 对象，应为 {"id": …, "question": "…"}'}
    if not isinstance(item.get("question"), str):
        return item, {"error": '缺少字符串字段 "question"'}
    return item, None


def cmd_facts(args, settings: Settings) -> int:
    from .facts import extract_facts

    documents = _documents(args, settings)
    if not documents:
        return 1
    plan = extract_facts(documents)
    if args.json:
        print(json.dumps({"facts": [f.to_dict() for f in plan.facts], "items": [i.to_dict() for i in plan.items]},
                         ensure_ascii=False, indent=1))
        return 0
    for fact in plan.facts:
        year = f"{fact.year}年" if fact.year else ""
        print(f"【{fact.ref}】{fact.subject}｜{fact.measure}｜{year}{'基期' if fact.role == 'base' else '目标'}"
              f"｜{fact.quantity}{'（力争）' if fact.aspiration else ''}")
    print(f"\n{len(plan.facts)} 条数量事实，{len(plan.items)} 个条目（python -m rag facts --json 查看条目分类与地名）")
    return 0


def cmd_eval(args, settings: Settings) -> int:
    from .evaluation.harness import DEFAULT_OUT, EVAL_SETS, run

    if args.llm and not settings.llm_enabled:
        print("错误：--llm 需要先设置 RAG_LLM_BASE_URL 和 RAG_LLM_MODEL（见 README）", file=sys.stderr)
        return 2
    sets = {Path(args.questions).stem: Path(args.questions)} if args.questions else EVAL_SETS
    out_dir = Path(args.out) if args.out else DEFAULT_OUT
    report = run(settings, sets, out_dir, llm=args.llm, with_baseline=not (args.no_baseline or args.llm))
    for name, result in report["sets"].items():
        ours = result["ours"]
        print(f"{name}: fully correct {ours['fully_correct']}, recall@5 {ours['recall_at_5']}, refusal recall "
              f"{ours['refusal_recall']}, false refusals {ours['false_refusals']}, p95 {ours['latency_p95_ms']} ms")
        if "llm" in result:
            from .evaluation.llm_check import table

            print("\n".join(table(result["llm"])))
    print(f"→ {out_dir / 'report.md'}")
    return 0


def cmd_measures(args, settings: Settings) -> int:
    from .measures import load_finder
    from .measures.render import measures_as_data, measures_as_text

    documents = _documents(args, settings)
    if not documents:
        return 1
    finder = load_finder(settings, documents)
    if args.json:
        print(json.dumps(measures_as_data(finder), ensure_ascii=False, indent=1))
    else:
        print(measures_as_text(finder, full=args.list))
    return 0


def cmd_match(args, settings: Settings) -> int:
    from .measures import EMPTY_PROFILE, ProfileInput, load_finder
    from .measures.render import checklist_as_text

    given = ProfileInput(args.industry, args.region, args.tags, args.text)
    if given.cleaned(settings.profile_text_max_chars)[0].empty:
        print(EMPTY_PROFILE, file=sys.stderr)
        return 1
    documents = _documents(args, settings)
    if not documents:
        return 1
    checklist = load_finder(settings, documents).match(given)
    if checklist.profile is None:
        print("\n".join(checklist.notices), file=sys.stderr)
        return 1
    text = checklist_as_text(checklist, more=args.more)
    print(json.dumps(checklist.to_dict(), ensure_ascii=False, indent=1) if args.json else text)
    return 0


def cmd_eval_profiles(args, settings: Settings) -> int:
    from .evaluation.profiles import DEFAULT_PROFILES, as_table, evaluate_profiles

    result = evaluate_profiles(settings, Path(args.profiles) if args.profiles else DEFAULT_PROFILES)
    print(json.dumps(result, ensure_ascii=False, indent=1) if args.json else as_table(result))
    return 0


def cmd_quiz(args, settings: Settings) -> int:
    """Reads the corpus directly (no embedding model) and writes the quiz."""
    from .quiz import QuizError, QuizRequest, build_quiz
    from .quiz.export import FORMATS, render, save

    fmt = (args.format or "md").lower()
    try:
        if fmt not in FORMATS:
            raise QuizError(f"未知格式“{args.format}”，可选：{'、'.join(FORMATS)}")
        if fmt == "docx" and not args.output:
            raise QuizError("DOCX 格式需要用 -o 指定输出文件，例如 -o quiz.docx")
        request = QuizRequest.parse(args.n, args.section, args.types, args.difficulty, args.seed)
        documents = _documents(args, settings)
        if not documents:
            return 1
        quiz = build_quiz(documents, request)
    except QuizError as error:
        print(f"错误：{error}", file=sys.stderr)
        return 2
    if not quiz.items:
        print("错误：没有符合条件的题目，请放宽范围、题型或难度", file=sys.stderr)
        return 1
    if quiz.note:
        print(f"注意：{quiz.note}", file=sys.stderr)
    if not args.output:
        sys.stdout.write(render(quiz, fmt, answers=not args.no_answers))
        return 0
    try:
        path = save(quiz, fmt, Path(args.output), answers=not args.no_answers)
    except OSError as error:
        print(f"错误：无法写入 {args.output}：{error.strerror or error}", file=sys.stderr)
        return 1
    print(f"已写入 {path}：{len(quiz.items)} 题", file=sys.stderr)
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
    ask.add_argument("question", nargs="*", help="the question (it may start with -, e.g. -2030年…)")
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
    library_eval.add_argument("--out", default=None, help="folder for the report (default evals/library/)")
    library_eval.add_argument("--questions", default=None,
                              help="another file of questions on the same documents (default: evals/library's)")
    library_eval.set_defaults(run=_delegate("evaluation.library"))
    sub.add_parser("batch", help="answer JSONL questions from stdin").set_defaults(run=cmd_batch)

    facts = sub.add_parser("facts", help="the plan's quantitative facts and item catalogue")
    facts.add_argument("--json", action="store_true")
    _filters(facts)
    facts.set_defaults(run=cmd_facts)

    evaluate = sub.add_parser("eval", help="measure answer quality on the eval set (and the baseline)")
    evaluate.add_argument("--questions", default=None, help="one JSONL eval set (default: evals/dev.jsonl and test.jsonl)")
    evaluate.add_argument("--out", default=None, help="folder for report.json (default evals/)")
    evaluate.add_argument("--llm", action="store_true", help="answer through the configured LLM")
    evaluate.add_argument("--no-baseline", action="store_true", help="skip the plain-LlamaIndex baseline (faster)")
    evaluate.set_defaults(run=cmd_eval)

    measures = sub.add_parser("measures", help="the support measures extracted from the plan")
    measures.add_argument("--list", action="store_true", help="print every measure for review")
    measures.add_argument("--json", action="store_true")
    _filters(measures)
    measures.set_defaults(run=cmd_measures)

    match = sub.add_parser("match", help="which measures concern an enterprise")
    match.add_argument("--industry", default="")
    match.add_argument("--region", default="")
    match.add_argument("--tags", default="", help="comma-separated: 个体户,小微,规上,专精特新,民营,初创…")
    match.add_argument("--text", default="", help="free-text description of the enterprise")
    match.add_argument("--more", action="store_true", help="also list the weaker matches beyond the first 12")
    match.add_argument("--json", action="store_true")
    _filters(match)
    match.set_defaults(run=cmd_match)

    profiles = sub.add_parser("eval-profiles", help="precision and recall of the measure finder on enterprise profiles")
    profiles.add_argument("--profiles", default=None, help="JSONL profiles (default evals/profiles.jsonl)")
    profiles.add_argument("--json", action="store_true")
    profiles.set_defaults(run=cmd_eval_profiles)

    quiz = sub.add_parser("quiz", help="build a quiz with answer key")
    quiz.add_argument("-n", type=int, default=10, help="number of items")
    quiz.add_argument("--section", default="", help="part of the plan, e.g. 二 or 二（三）")
    quiz.add_argument("--types", default="", help="comma-separated: blank,choice,multi,truefalse")
    quiz.add_argument("--difficulty", default="", help="easy | medium | hard")
    quiz.add_argument("--seed", type=int, default=0)
    quiz.add_argument("--format", default="md", help="md | csv | json | docx")
    quiz.add_argument("--no-answers", action="store_true", help="participants' version, without the key")
    quiz.add_argument("-o", "--output", default="", help="output file (default: stdout; required for docx)")
    _filters(quiz)
    quiz.set_defaults(run=cmd_quiz)
    return parser


def _delegate(module: str, function: str = "command"):
    """Commands of the other tools live in their own modules, imported only when used."""

    def run(args, settings: Settings) -> int:
        from importlib import import_module

        return getattr(import_module(f"rag.{module}"), function)(args, settings)

    return run


def main(argv: list[str] | None = None) -> int:
    try:
        settings = Settings.from_env()
    except ConfigError as error:
        print(f"配置错误：{error}", file=sys.stderr)
        return 2
    parser = build_parser()
    args, unknown = parser.parse_known_args(argv)
    configure_logging(settings, progress=args.command == "build")
    if unknown and args.command != "ask":
        parser.error(f"unrecognized arguments: {' '.join(unknown)}")
    if unknown:  # words of a question that starts with "-", which argparse takes for options
        args.question = [*unknown, *args.question]
    try:
        return args.run(args, settings)
    except IndexUnavailable as error:
        print(f"错误：{error}", file=sys.stderr)
        return 2

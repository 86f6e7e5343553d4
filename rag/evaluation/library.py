"""The multi-document eval: a temporary library built from evals/library/docs (through the same `add` path a user
takes), the questions of evals/library/questions.jsonl answered across it, and three scores: fully correct,
citations naming the right document, refusal recall."""

from __future__ import annotations

import json
import logging
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, replace
from pathlib import Path

from ..config import PROJECT_ROOT, Settings
from ..corpus.library import add_file
from ..schema import Citation, Document
from .harness import EvalQuestion, judge
from .metrics import summarize, summarize_by_type

log = logging.getLogger(__name__)

LIBRARY_DIR = PROJECT_ROOT / "evals" / "library"
TARGETS = {"fully_correct": 0.85, "citation_documents": 1.0, "refusal_recall": 0.90}


@dataclass(frozen=True)
class LibraryQuestion:
    question: EvalQuestion
    documents: tuple[str, ...]  # file names of the documents the answer must come from


def load_library_questions(path: Path) -> list[LibraryQuestion]:
    questions = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            raw = json.loads(line)
            documents = tuple(raw.pop("documents", ()))
            questions.append(LibraryQuestion(EvalQuestion(**raw), documents))
        except (json.JSONDecodeError, TypeError) as error:
            raise ValueError(f"{path}:{number}: not a library eval question ({error})") from error
    return questions


def _cited_text(citation: Citation, documents: list[Document]) -> str:
    """What a citation quotes; a target-table row's citation also holds the row as printed (its cells), which
    is what the row's restated clause text stands for."""
    document = next((d for d in documents if d.doc_id == citation.doc_id), None)
    row = document.row(citation.ref) if document else None
    if row is None:
        return citation.text
    return f"{citation.text}\n{row.name}\t{row.unit}\t{row.base_raw}\t{row.target_raw}"


def evaluate_library(settings: Settings, folder: Path = LIBRARY_DIR, questions_file: Path | None = None) -> dict:
    """The library of folder/docs asked the questions of folder/questions.jsonl, or of another file of
    questions about the same documents (a set written apart from these)."""
    from ..qa.engine import Assistant

    questions = load_library_questions(questions_file or folder / "questions.jsonl")
    with tempfile.TemporaryDirectory() as scratch:
        corpus = Path(scratch) / "corpus"
        for path in sorted((folder / "docs").iterdir()):
            add_file(corpus, path)
        started = time.perf_counter()
        assistant = Assistant(replace(settings, corpus_dir=corpus, data_dir=Path(scratch) / "data"))
        build_seconds = round(time.perf_counter() - started, 2)  # a fresh folder: a full build, model load included
        sources = {d.doc_id: d.meta.source for d in assistant.documents}
        outcomes, documents_right, wrong = [], [], []
        for item in questions:
            q = item.question
            started = time.perf_counter()
            answer = assistant.ask(q.question)
            latency = (time.perf_counter() - started) * 1000
            cited = [_cited_text(c, assistant.documents) for c in answer.citations] if not answer.refused else []
            retrieved = [h.clause.text for h in assistant.retrieve(q.question)[1][:5]]
            outcome = judge(q, answer.text, answer.refused, cited, retrieved, latency)
            if not q.should_refuse and not answer.refused and answer.citations:
                named = [sources[c.doc_id] for c in answer.citations]
                right = all(source in item.documents for source in named)
                documents_right.append(right)
                if not right:
                    outcome.missing.append("document:" + ",".join(sorted(set(named) - set(item.documents))))
                    wrong.append(q.id)
            outcomes.append(outcome)
    report = {
        "documents": sorted(sources.values()),
        "index_build_seconds": build_seconds,
        "ours": summarize(outcomes) | {
            "citation_documents": round(sum(documents_right) / len(documents_right), 4) if documents_right else None,
            "wrong_document_answers": wrong,
        },
        "ours_by_type": summarize_by_type(outcomes),
        "failures": [asdict(o) for o in outcomes if not o.fully_correct],
        "targets": TARGETS,
    }
    return report


def command(args, settings: Settings) -> int:
    """report.json in --out (default evals/library/); for another questions file, <its name>.report.json beside
    it unless --out says where."""
    questions = Path(args.questions) if args.questions else None
    if questions and not questions.is_file():
        print(f"错误：找不到问题文件 {questions}", file=sys.stderr)
        return 2
    report = evaluate_library(settings, questions_file=questions)
    out = Path(args.out) if args.out else questions.parent if questions else LIBRARY_DIR
    out.mkdir(parents=True, exist_ok=True)
    out /= f"{questions.stem}.report.json" if questions else "report.json"
    out.write_text(json.dumps(report, ensure_ascii=False, indent=1), encoding="utf-8")
    ours = report["ours"]
    print(f"library: fully correct {ours['fully_correct']}, citations naming the right document "
          f"{ours['citation_documents']}, refusal recall {ours['refusal_recall']}, false refusals "
          f"{ours['false_refusals']} → {out}")
    return 0

"""``make bench``: generated libraries at several scales, each built and queried with every store; the
report (bench/report.md) gives full build time, one-document update time, index size, start time, peak RSS,
warm p50/p95 over the questions and the share of query time in each stage. Scales not run are extrapolated
from the largest measured one (per-node costs) and marked as such.

    python -m bench.run --scales 1,10,100 --stores embedded,milvus
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import subprocess
import sys
import time
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from rag.config import PROJECT_ROOT, Settings

from .generate import generate, touch_one

QUESTIONS = PROJECT_ROOT / "evals" / "dev.jsonl"


class _CachedEmbedder:
    """The real embedder, with passage vectors kept for the second store of a scale: both stores index the
    same texts, so embedding is measured once (``seconds``) and each store's own build time on top of it.

    With ``share_copies`` the copies of the plan take the vectors of the plan's own passages (their texts
    differ only in the province and the figures): on a shared 2-core machine embedding 10× or 100× the plan
    does not fit, so the embedding part of those builds is extrapolated from the measured per-passage cost,
    while everything else (tokens, statistics, store writes, search, start-up) runs at full scale."""

    def __init__(self, embedder, share_copies: bool = False):
        self._embedder, self._cache, self.seconds, self.cpu_seconds = embedder, {}, 0.0, 0.0
        self.model_id, self.dimension = embedder.model_id, embedder.dimension
        self.share_copies, self.embedded = share_copies, 0

    def _key(self, text: str) -> str:
        return re.sub(r"\d", "", re.sub(r"试点\d+号", "湖南", text)) if self.share_copies else text

    def passages(self, texts: list[str]) -> np.ndarray:
        todo = {self._key(t): t for t in texts if self._key(t) not in self._cache}
        if todo:
            started, cpu = time.perf_counter(), time.process_time()
            self._cache.update(zip(todo, self._embedder.passages(list(todo.values()))))
            self.seconds += time.perf_counter() - started
            self.cpu_seconds += time.process_time() - cpu
            self.embedded += len(todo)
        return np.stack([self._cache[self._key(t)] for t in texts])


@dataclass
class Row:
    scale: int
    store: str
    documents: int
    nodes: int
    embed_s: float  # embedding every passage once
    store_build_s: float  # the rest of a full build (parse excluded): tokens, statistics, store writes
    update_s: float  # one document changed: re-embed it, rewrite the store
    size_mb: float
    start_s: float
    rss_mb: float
    p50_ms: float
    p95_ms: float
    share: dict
    questions: int = 0
    build_cpu_s: float = 0.0  # CPU seconds of the full build, embedding included (all threads)
    update_cpu_s: float = 0.0
    start_cpu_s: float = 0.0
    cpu_p50_ms: float = 0.0
    cpu_p95_ms: float = 0.0
    measured: bool = True

    @property
    def build_s(self) -> float:
        return self.embed_s + self.store_build_s


def _size_mb(*paths: Path) -> float:
    files = [f for p in paths if p.exists() for f in ([p] if p.is_file() else p.rglob("*")) if f.is_file()]
    return sum(f.stat().st_size for f in files) / 2**20


def measure(scale: int, stores: list[str], work: Path, questions: int, settings: Settings,
            share_copies: bool = False) -> list[Row]:
    from rag.corpus.load import load_corpus
    from rag.embedding import load_embedder
    from rag.index.store import update_index
    from rag.index.tokenize import Tokenizer

    corpus = work / f"corpus-{scale}"
    paths = generate(next(settings.corpus_dir.glob("*.txt")), corpus, scale)
    documents = load_corpus(corpus)
    tokenizer = Tokenizer(documents)
    embedder = _CachedEmbedder(load_embedder(settings), share_copies)
    rows = []
    for store in stores:
        data = work / f"data-{store}-{scale}"
        local = replace(settings, corpus_dir=corpus, data_dir=data, store=store, milvus_uri="")
        spent, spent_cpu, cpu = embedder.seconds, embedder.cpu_seconds, time.process_time()
        report = update_index(local, embedder, tokenizer, documents, full=True)
        per_passage = report.nodes / max(embedder.embedded, 1)  # > 1 when copies share vectors
        build_cpu_s = time.process_time() - cpu - (embedder.cpu_seconds - spent_cpu) + embedder.cpu_seconds * per_passage
        embed_s = (embedder.seconds - spent) * per_passage if store == stores[0] else rows[0].embed_s
        store_build_s = report.seconds - (embedder.seconds - spent)
        touch_one(paths[-1], revision=len(rows) + 1)
        changed = load_corpus(corpus)
        started, cpu = time.perf_counter(), time.process_time()
        update = update_index(local, embedder._embedder, tokenizer, changed)
        update_s, update_cpu_s = time.perf_counter() - started, time.process_time() - cpu
        assert update.embedded and len(update.status.changed) == 1, update.status
        probe = subprocess.run(
            [sys.executable, "-m", "bench.probe", str(corpus), str(data), store, str(QUESTIONS), str(questions)],
            capture_output=True, text=True, cwd=PROJECT_ROOT, check=True, env={**os.environ, "RAG_LOG_LEVEL": "ERROR"})
        result = json.loads(probe.stdout.strip().splitlines()[-1])
        latencies, cpu_ms = np.array(result["latencies_ms"]), np.array(result["cpu_ms"])
        rows.append(Row(scale, store, len(documents), report.nodes, round(embed_s, 1), round(store_build_s, 1),
                        round(update_s, 1), round(_size_mb(data / "index", data / "milvus.db"), 1),
                        result["start_s"], result["rss_mb"], round(float(np.percentile(latencies, 50)), 1),
                        round(float(np.percentile(latencies, 95)), 1), result["share"], questions,
                        round(build_cpu_s, 1), round(update_cpu_s, 1), result["start_cpu_s"],
                        round(float(np.percentile(cpu_ms, 50)), 1), round(float(np.percentile(cpu_ms, 95)), 1)))
        print(json.dumps(rows[-1].__dict__, ensure_ascii=False), flush=True)
    (work / f"rows-{scale}.json").write_text(json.dumps([r.__dict__ for r in rows], ensure_ascii=False), "utf-8")
    return rows


def measured_rows(work: Path) -> list[Row]:
    """Every scale measured in this work folder (runs at different scales can be made separately)."""
    rows = [Row(**row) for path in work.glob("rows-*.json") for row in json.loads(path.read_text("utf-8"))]
    return sorted(rows, key=lambda r: (r.scale, r.store))


def extrapolate(rows: list[Row], scale: int) -> list[Row]:
    """Per-node costs of the largest measured scale carried to ``scale``: build and size linear in nodes;
    update, start, memory and latency by their growth between the two largest measured scales."""
    out = []
    for store in dict.fromkeys(r.store for r in rows):
        mine = sorted((r for r in rows if r.store == store), key=lambda r: r.scale)
        last, before = mine[-1], (mine[-2] if len(mine) > 1 else mine[-1])
        factor = scale / last.scale

        def grown(attr: str) -> float:
            """NaN (shown as "–") when only one scale was measured: no growth to carry forward."""
            if last.scale == before.scale:
                return math.nan
            a, b = getattr(before, attr), getattr(last, attr)
            return round(b + (b - a) / (last.scale - before.scale) * (scale - last.scale), 1)

        linear = {name: round(getattr(last, name) * factor, 1)
                  for name in ("embed_s", "store_build_s", "size_mb", "build_cpu_s")}
        growing = {name: grown(name) for name in ("update_s", "start_s", "rss_mb", "p50_ms", "p95_ms",
                                                   "update_cpu_s", "start_cpu_s", "cpu_p50_ms", "cpu_p95_ms")}
        out.append(Row(scale=scale, store=store, documents=last.documents * int(factor), nodes=int(last.nodes * factor),
                       share=last.share, questions=last.questions, measured=False, **linear, **growing))
    return out


def _cells(row: Row, names: tuple[str, ...]) -> str:
    return " | ".join("–" if math.isnan(getattr(row, n)) else f"{getattr(row, n):g}" for n in names)


def render(rows: list[Row], cores: int) -> str:
    lines = [
        "# Benchmark: stores at scale",
        "",
        f"Generated libraries (copies of the plan with the province and figures changed, one file per copy), "
        f"warm questions from evals/dev.jsonl (count per row), {cores} CPU cores (shared with other work "
        f"while measured). Produced by `make bench` (`python -m bench.run`).",
        "",
        "| scale | store | docs | nodes | full build s (embed + store) | 1-doc update s | index MB | start s | "
        "RSS MB | questions | p50 ms | p95 ms | embedding / search / answer |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        mark = "" if r.measured else " *(extrapolated)*"
        share = " / ".join(f"{r.share[k] * 100:.0f}%" for k in ("embedding", "search", "answer"))
        lines.append(f"| {r.scale}×{mark} | {r.store} | {r.documents} | {r.nodes} | {r.build_s:.0f} "
                     f"({r.embed_s:.0f} + {r.store_build_s:.1f}) | {_cells(r, ('update_s', 'size_mb', 'start_s'))} | "
                     f"{_cells(r, ('rss_mb',))} | {r.questions} | {_cells(r, ('p50_ms', 'p95_ms'))} | {share} |")
    lines += ["", "CPU time of the same runs (all threads of the process; steadier than wall time on a shared machine):",
              "", "| scale | store | full build CPU s | 1-doc update CPU s | start CPU s | CPU p50 ms | CPU p95 ms |",
              "|---|---|---|---|---|---|---|"]
    for r in rows:
        mark = "" if r.measured else " *(extrapolated)*"
        lines.append(f"| {r.scale}×{mark} | {r.store} | "
                     f"{_cells(r, ('build_cpu_s', 'update_cpu_s', 'start_cpu_s', 'cpu_p50_ms', 'cpu_p95_ms'))} |")
    lines += ["", "Embedding is measured once per scale and shared by the stores (they index the same texts); each "
              "store's own build time is added to it. Start = a fresh process from import to ready (model, "
              "corpus parse, tokenizer, index load and verification). Rows marked *extrapolated* were not run: "
              "build and size are scaled linearly in nodes from the largest measured scale; update, start, memory "
              "and latency grow as they did between the two largest measured scales.", ""]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.run")
    parser.add_argument("--scales", default="1,10,100", help="scales to measure now (empty: report only)")
    parser.add_argument("--extrapolate", default="1000", help="scales reported from per-node costs only")
    parser.add_argument("--stores", default="embedded,milvus")
    parser.add_argument("--questions", type=int, default=50)
    parser.add_argument("--share-copies", action="store_true",
                        help="copies reuse the plan's passage vectors; embedding time scaled from the per-passage cost")
    parser.add_argument("--work", default=str(PROJECT_ROOT / "data" / "bench"))
    parser.add_argument("--out", default=str(PROJECT_ROOT / "bench" / "report.md"))
    args = parser.parse_args(argv)
    settings, work = Settings.from_env(), Path(args.work)
    for scale in filter(None, args.scales.split(",")):
        measure(int(scale), args.stores.split(","), work, args.questions, settings, args.share_copies)
    rows = measured_rows(work)
    for scale in filter(None, args.extrapolate.split(",")):
        rows += extrapolate(rows, int(scale))
    Path(args.out).write_text(render(rows, os.cpu_count() or 1), "utf-8")
    print(f"report → {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

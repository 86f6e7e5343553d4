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
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from rag.config import PROJECT_ROOT, Settings

from .generate import generate

QUESTIONS = PROJECT_ROOT / "evals" / "dev.jsonl"


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
    passages: int = 0  # distinct texts embedded (clauses shared word for word are embedded once)
    embedding_scaled: bool = False  # --share-copies: embed_s scaled from the measured per-passage cost

    @property
    def build_s(self) -> float:
        return self.embed_s + self.store_build_s


def _size_mb(*paths: Path) -> float:
    files = [f for p in paths if p.exists() for f in ([p] if p.is_file() else p.rglob("*")) if f.is_file()]
    return sum(f.stat().st_size for f in files) / 2**20


def _child(module: str, *args: object) -> dict:
    """Run one bench step in a fresh interpreter (no store file held open across steps); its last line is JSON."""
    done = subprocess.run([sys.executable, "-m", module, *map(str, args)], capture_output=True, text=True,
                          cwd=PROJECT_ROOT, env={**os.environ, "RAG_LOG_LEVEL": "ERROR"})
    if done.returncode:
        raise SystemExit(f"{module} {' '.join(map(str, args))} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def measure(scale: int, stores: list[str], work: Path, questions: int, settings: Settings,
            share_copies: bool = False) -> list[Row]:
    corpus = work / f"corpus-{scale}"
    generate(next(settings.corpus_dir.glob("*.txt")), corpus, scale)
    vectors = work / f"vectors-{scale}.npz"  # written by the first store's build, read by the others
    vectors.unlink(missing_ok=True)
    rows = []
    for store in stores:
        data = work / f"data-{store}-{scale}"
        shutil.rmtree(data, ignore_errors=True)
        built = _child("bench.build", corpus, data, store, vectors, int(share_copies))
        result = _child("bench.probe", corpus, data, store, QUESTIONS, questions)
        latencies, cpu_ms = np.array(result["latencies_ms"]), np.array(result["cpu_ms"])
        rows.append(Row(scale, store, built["documents"], built["nodes"], built["embed_s"], built["store_build_s"],
                        round(built["update_s"], 1), round(_size_mb(data / "index", data / "milvus.db"), 1),
                        result["start_s"], result["rss_mb"], round(float(np.percentile(latencies, 50)), 1),
                        round(float(np.percentile(latencies, 95)), 1), result["share"], questions,
                        built["build_cpu_s"], round(built["update_cpu_s"], 1), result["start_cpu_s"],
                        round(float(np.percentile(cpu_ms, 50)), 1), round(float(np.percentile(cpu_ms, 95)), 1),
                        passages=built["passages"], embedding_scaled=share_copies))
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
            # never below the largest measured value: a drop between two scales is noise of the shared machine
            return round(max(b, b + (b - a) / (last.scale - before.scale) * (scale - last.scale)), 1)

        linear = {name: round(getattr(last, name) * factor, 1)
                  for name in ("embed_s", "store_build_s", "size_mb", "build_cpu_s")}
        growing = {name: grown(name) for name in ("update_s", "start_s", "rss_mb", "p50_ms", "p95_ms",
                                                   "update_cpu_s", "start_cpu_s", "cpu_p50_ms", "cpu_p95_ms")}
        out.append(Row(scale=scale, store=store, documents=last.documents * int(factor), nodes=int(last.nodes * factor),
                       passages=int(last.passages * factor),
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
        "| scale | store | docs | nodes (distinct passages) | full build s (embed + store) | 1-doc update s | index MB | start s | "
        "RSS MB | questions | p50 ms | p95 ms | embedding / search / answer |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        mark = "" if r.measured else " *(extrapolated)*"
        share = " / ".join(f"{r.share[k] * 100:.0f}%" for k in ("embedding", "search", "answer"))
        scaled = "†" if r.embedding_scaled else ""
        lines.append(f"| {r.scale}×{mark} | {r.store} | {r.documents} | {r.nodes} ({r.passages}) | {r.build_s:.0f}{scaled} "
                     f"({r.embed_s:.0f}{scaled} + {r.store_build_s:.1f}) | {_cells(r, ('update_s', 'size_mb', 'start_s'))} | "
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
              "and latency grow as they did between the two largest measured scales (never below the largest "
              "measured value). † embedding not run in full: the copies reused the plan's passage vectors and the "
              "embedding time is the measured per-passage time times the distinct passages (`--share-copies`).", ""]
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

"""One cold start of the assistant in this process, then warm questions: start-up seconds, peak RSS and
per-question latency split into stages (query embedding, store search, the rest = analysis and answer), with
the process's CPU time beside wall time (on a shared machine CPU time is the steadier figure).
Prints one JSON object; run by bench.run in a fresh interpreter per measurement."""

from __future__ import annotations

import json
import resource
import sys
import time
from dataclasses import replace
from pathlib import Path


class _Timer:
    """Wall time inside the wrapped functions; a wrapped call inside another (the embedded store's hybrid
    calls its dense and lexical) counts once."""

    def __init__(self):
        self.seconds = 0.0
        self._depth = 0

    def wrap(self, function):
        def timed(*args, **kwargs):
            started = time.perf_counter()
            self._depth += 1
            try:
                return function(*args, **kwargs)
            finally:
                self._depth -= 1
                if not self._depth:
                    self.seconds += time.perf_counter() - started

        return timed


def main() -> None:
    corpus, data, store, questions_path, count = sys.argv[1:6]
    started = time.perf_counter()
    from rag.config import Settings
    from rag.qa.engine import Assistant

    settings = replace(Settings.from_env(), corpus_dir=Path(corpus), data_dir=Path(data), store=store, milvus_uri="")
    assistant = Assistant(settings)
    start_seconds, start_cpu = time.perf_counter() - started, time.process_time()
    embedding, search = _Timer(), _Timer()
    assistant.embedder.queries = embedding.wrap(assistant.embedder.queries)
    for name in ("dense", "lexical", "hybrid", "get"):
        setattr(assistant.index.store, name, search.wrap(getattr(assistant.index.store, name)))
    questions = [json.loads(line)["question"] for line in Path(questions_path).read_text("utf-8").splitlines()]
    assistant.ask(questions[0])  # warm-up
    embedding.seconds = search.seconds = 0.0
    latencies, cpu = [], []
    for question in questions[: int(count)]:
        began, began_cpu = time.perf_counter(), time.process_time()
        assistant.ask(question)
        latencies.append(time.perf_counter() - began)
        cpu.append(time.process_time() - began_cpu)
    total = sum(latencies)
    print(json.dumps({
        "start_s": round(start_seconds, 2),
        "start_cpu_s": round(start_cpu, 2),
        "rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        "latencies_ms": [round(x * 1000, 2) for x in latencies],
        "cpu_ms": [round(x * 1000, 2) for x in cpu],
        "share": {"embedding": embedding.seconds / total, "search": search.seconds / total,
                  "answer": (total - embedding.seconds - search.seconds) / total},
        "stale_notice": assistant.index.notice,
    }))


if __name__ == "__main__":
    main()

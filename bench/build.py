"""One store's full build and one-document update of a generated library, in a fresh interpreter (a
milvus-lite file is held by the process that opened it, so every store and scale gets its own process).
Prints one JSON object; run by bench.run.

Passage vectors are kept in a file (the cache argument): the first store of a scale embeds
and records the embedding time, the next store of the same scale reuses the vectors (both index the same
texts), so embedding is measured once per scale and each store's own build time on top of it.
"""

from __future__ import annotations

import json
import re
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

_COPY_NAME = re.compile(r"试点\d+号")


class CachedEmbedder:
    """The real embedder with a persistent passage cache. With ``share_copies`` the copies of the plan take the
    vectors of the plan's own passages (their texts differ only in the province and the figures): embedding
    10× or 100× the plan may not fit a shared machine's time, so the embedding part of those builds is then
    scaled from the measured per-passage cost, while everything else runs at full scale."""

    def __init__(self, embedder, cache: Path, share_copies: bool):
        self._embedder, self._path, self.share_copies = embedder, cache, share_copies
        self.model_id, self.dimension = embedder.model_id, embedder.dimension
        self._cache: dict[str, np.ndarray] = {}
        self.seconds = self.cpu_seconds = 0.0
        self.embedded = 0  # texts this cache embedded
        self.requested = 0  # distinct texts the builds asked for (what a build without the cache embeds)
        if cache.exists():
            with np.load(cache, allow_pickle=False) as saved:
                self._cache = dict(zip(json.loads(str(saved["keys"])), saved["vectors"]))
                self.seconds, self.cpu_seconds = float(saved["seconds"]), float(saved["cpu_seconds"])
                self.embedded, self.requested = int(saved["embedded"]), int(saved["requested"])
        self.reused = bool(self._cache)

    def _key(self, text: str) -> str:
        return re.sub(r"\d", "", _COPY_NAME.sub("湖南", text)) if self.share_copies else text

    def passages(self, texts: list[str]) -> np.ndarray:
        if not self.reused:
            self.requested += len(texts)
        todo = {self._key(t): t for t in texts if self._key(t) not in self._cache}
        if todo:
            started, cpu = time.perf_counter(), time.process_time()
            self._cache.update(zip(todo, self._embedder.passages(list(todo.values()))))
            self.seconds += time.perf_counter() - started
            self.cpu_seconds += time.process_time() - cpu
            self.embedded += len(todo)
        return np.stack([self._cache[self._key(t)] for t in texts])

    def save(self) -> None:
        with self._path.open("wb") as handle:
            np.savez(handle, keys=np.array(json.dumps(list(self._cache), ensure_ascii=False)),
                     vectors=np.stack(list(self._cache.values())), seconds=self.seconds,
                     cpu_seconds=self.cpu_seconds, embedded=self.embedded, requested=self.requested)


def _timed(function, *args) -> float:
    started = time.perf_counter()
    function(*args)
    return time.perf_counter() - started


def main() -> None:
    corpus, data, store, cache, share_copies = sys.argv[1:6]
    from rag.config import Settings
    from rag.corpus.load import load_corpus
    from rag.embedding import load_embedder
    from rag.index.store import update_index
    from rag.index.tokenize import Tokenizer
    from rag.qa.engine import derive_library

    from .generate import touch_one

    corpus, data = Path(corpus), Path(data)
    settings = replace(Settings.from_env(), corpus_dir=corpus, data_dir=data, store=store, milvus_uri="")
    documents = load_corpus(corpus)
    tokenizer = Tokenizer(documents)
    real = load_embedder(settings)
    embedder = CachedEmbedder(real, Path(cache), share_copies == "1")
    cpu = time.process_time()
    spent_cpu = embedder.cpu_seconds
    report = update_index(settings, embedder, tokenizer, documents, full=True)
    derive_s = _timed(derive_library, settings, documents, tokenizer, embedder)  # as `rag build` does
    build_cpu = time.process_time() - cpu - (embedder.cpu_seconds - spent_cpu)  # the store's own CPU
    if not embedder.reused:
        embedder.save()
    per_passage = embedder.requested / max(embedder.embedded, 1)  # > 1 when copies share vectors
    embed_s, embed_cpu_s = embedder.seconds * per_passage, embedder.cpu_seconds * per_passage
    store_build_s = report.seconds + derive_s - (0.0 if embedder.reused else embedder.seconds)
    last = sorted(corpus.glob("*.txt"))[-1]
    original = last.read_text("utf-8")
    touch_one(last, revision=1)
    try:
        changed = load_corpus(corpus)
        started, cpu = time.perf_counter(), time.process_time()
        update = update_index(settings, real, tokenizer, changed)
        derive_library(settings, changed, tokenizer, real)
        update_s, update_cpu_s = time.perf_counter() - started, time.process_time() - cpu
    finally:
        last.write_text(original, "utf-8")  # the next store builds the same library
    assert update.embedded and len(update.status.changed) == 1, update.status
    print(json.dumps({"documents": len(documents), "nodes": report.nodes, "passages": embedder.requested,
                      "embed_s": round(embed_s, 1),
                      "store_build_s": round(store_build_s, 1), "update_s": round(update_s, 2),
                      "build_cpu_s": round(build_cpu + embed_cpu_s, 1), "update_cpu_s": round(update_cpu_s, 2),
                      "precision": real.precision}))


if __name__ == "__main__":
    main()

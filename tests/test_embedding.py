"""The faster CPU path keeps parity: bfloat16 products give the same passage vectors as fp32 (cosine >= 0.99)
on the corpus's own passages, and the precision setting is checked."""

from __future__ import annotations

import numpy as np
import pytest

from rag.config import ConfigError
from rag.embedding.embedder import resolve_precision
from rag.index.nodes import embed_text, make_nodes


def test_bf16_passage_vectors_match_fp32_on_the_corpus(assistant, document):
    texts = [embed_text(node) for node in make_nodes(document, assistant.tokenizer)]
    embedder, before = assistant.embedder, assistant.embedder.precision
    try:
        embedder.precision = "fp32"
        exact = embedder.passages(texts)
        embedder.precision = "bf16"
        fast = embedder.passages(texts)
    finally:
        embedder.precision = before
    cosines = np.sum(exact * fast, axis=1)
    assert len(texts) > 50 and cosines.min() >= 0.99, cosines.min()
    assert not np.array_equal(exact, fast)  # the products really ran in bfloat16


def test_precision_setting_is_validated():
    assert resolve_precision("fp32", "cpu") == "fp32"
    assert resolve_precision("auto", "cuda") == "fp32"
    with pytest.raises(ConfigError, match="RAG_EMBED_PRECISION"):
        resolve_precision("int8", "cpu")

"""Near-synonyms read by meaning: a word of a question that the documents never write (轿车) taken as the
document's word it means (汽车), found with the embedding model the index already uses, not from a list.

A document's words are its text cut by the tokenizer, kept where jieba's dictionary knows them (not fragments);
their embeddings are cached per document beside the index (rag.corpus.derived), so start-up does not embed them
again. A question word is read as a document word only when that word is clearly the nearest in meaning of all
(NEAR, MARGIN), ends in the same character and is not a part of the word: Chinese compounds end in their head
(轿车 and 汽车 are both 车), so a word that shares only a modifier (新能源汽车, 新能源电池) is another thing, and a
part of the word leaves out what the rest of it says.
"""

from __future__ import annotations

import base64
import re
from functools import cached_property, lru_cache

import numpy as np

from ..corpus.derived import DerivedCache
from ..embedding import Embedder
from ..index.tokenize import Tokenizer
from ..schema import Document
from ..text import normalize
from ..text.quantities import BOUND_WORDS, UNITS

NEAR = 0.958  # cosine of the passage embeddings a word and the document's word must reach
MARGIN = 0.015  # ... and by which the document's word must be nearer than any other of the documents
MAX_CHARS = 6
WORDS_CACHED = 1024
_CJK_WORD = re.compile(rf"[\u4e00-\u9fff]{{2,{MAX_CHARS}}}")


class NearWords:
    """The documents' words with their embeddings; ``forms(word)`` is the document word a question word means.
    With ``lazy`` the table is read at the first word looked up, not at start-up (most questions use only words
    the documents write)."""

    def __init__(self, documents: list[Document], tokenizer: Tokenizer, embedder: Embedder,
                 cache: DerivedCache | None = None, lazy: bool = False):
        self.embedder = embedder
        self._sources = (documents, tokenizer, cache or DerivedCache(None))
        self.forms = lru_cache(maxsize=WORDS_CACHED)(self._forms)
        if not lazy:
            self.table  # noqa: B018 (read now: a build stores it for the next start)

    @cached_property
    def table(self) -> tuple[list[str], np.ndarray]:
        """The documents' words, sorted, and their embeddings, row by row."""
        documents, tokenizer, cache = self._sources
        depends = f"{self.embedder.model_id}:{tokenizer.fingerprint}" if cache.folder else ""
        vectors: dict[str, np.ndarray] = {}
        for document in documents:
            # cut into words only when not stored; a word another document uses too is embedded once
            stored = cache.get("near", document,
                               lambda: _embedded(vocabulary(document, tokenizer), self.embedder, vectors),
                               _record, _read, depends)
            vectors.update(stored)
        words = sorted(vectors)
        return words, np.stack([vectors[w] for w in words]) if words else np.zeros((0, 1), np.float32)

    def _forms(self, word: str) -> tuple[str, ...]:
        if not _CJK_WORD.fullmatch(word) or word in BOUND_WORDS or word in UNITS:
            return ()  # the number grammar reads bounds and units: 低于 is not 高于, however close they embed
        words, vectors = self.table
        if len(words) < 2:
            return ()
        closeness = vectors @ self.embedder.passages([word])[0].astype(np.float32)
        second, best = np.argsort(closeness)[-2:]
        near = words[best]
        clear = closeness[best] >= NEAR and closeness[best] - closeness[second] >= MARGIN
        # a word inside the question's word is a part of it, the rest of its meaning left out
        return (near,) if clear and near[-1] == word[-1] and near not in word else ()


def vocabulary(document: Document, tokenizer: Tokenizer) -> list[str]:
    """The dictionary words a document writes (CJK, two to MAX_CHARS characters, no stopwords)."""
    words = {w for clause in document.clauses for w in tokenizer.cut(normalize(clause.text).lower())}
    return sorted(w for w in words
                  if _CJK_WORD.fullmatch(w) and tokenizer.is_dictionary_word(w) and w not in tokenizer.stopwords)


def _embedded(words: list[str], embedder: Embedder, known: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    new = [w for w in words if w not in known]
    vectors = np.asarray(embedder.passages(new)).astype(np.float16).astype(np.float32) if new else []  # as stored
    embedded = dict(zip(new, vectors, strict=True))
    return {w: embedded[w] if w in embedded else known[w] for w in words}


def _record(vectors: dict[str, np.ndarray]) -> dict:
    words = list(vectors)
    matrix = np.stack([vectors[w] for w in words]).astype(np.float16) if words else np.zeros((0, 0), np.float16)
    return {"words": words, "dimension": int(matrix.shape[1]) if words else 0,
            "vectors": base64.b64encode(matrix.tobytes()).decode("ascii")}


def _read(record: dict) -> dict[str, np.ndarray]:
    words = record["words"]
    if not words:
        return {}
    matrix = np.frombuffer(base64.b64decode(record["vectors"]), dtype=np.float16).astype(np.float32)
    return dict(zip(words, matrix.reshape(len(words), record["dimension"]), strict=True))

"""The plain LlamaIndex pipeline a newcomer would write, kept as the yardstick for the eval:
default ``SentenceSplitter`` chunks of the raw files, dense-only retrieval with the same embedding model,
and the top chunk's best-matching sentences as the answer. No clause structure, no refusals."""

from __future__ import annotations

from llama_index.core import SimpleDirectoryReader, VectorStoreIndex
from llama_index.core.base.embeddings.base import BaseEmbedding
from llama_index.core.node_parser import SentenceSplitter
from pydantic import PrivateAttr

from ..embedding import Embedder
from ..text import split_sentences

ANSWER_SENTENCES = 3


class _EmbedderAdapter(BaseEmbedding):
    """Lets LlamaIndex use the project's embedding model (same model as the main pipeline)."""

    _embedder: Embedder = PrivateAttr()

    def __init__(self, embedder: Embedder):
        super().__init__(model_name=embedder.model_id)
        self._embedder = embedder

    def _get_query_embedding(self, query: str) -> list[float]:
        return self._embedder.queries([query])[0].tolist()

    def _get_text_embedding(self, text: str) -> list[float]:
        return self._embedder.passages([text])[0].tolist()

    def _get_text_embeddings(self, texts: list[str]) -> list[list[float]]:
        return self._embedder.passages(texts).tolist()

    async def _aget_query_embedding(self, query: str) -> list[float]:
        return self._get_query_embedding(query)


def _bigrams(text: str) -> set[str]:
    return {text[i : i + 2] for i in range(len(text) - 1)}


class BaselinePipeline:
    def __init__(self, corpus_dir, embedder: Embedder, top_k: int = 5):
        documents = SimpleDirectoryReader(str(corpus_dir), required_exts=[".txt"]).load_data()
        self.index = VectorStoreIndex.from_documents(
            documents, transformations=[SentenceSplitter()], embed_model=_EmbedderAdapter(embedder)
        )
        self.retriever = self.index.as_retriever(similarity_top_k=top_k)

    def retrieve(self, question: str) -> list[str]:
        return [hit.node.get_content() for hit in self.retriever.retrieve(question)]

    def answer(self, question: str, chunks: list[str]) -> str:
        if not chunks:
            return ""
        wanted = _bigrams(question)
        sentences = split_sentences(chunks[0])
        ranked = sorted(sentences, key=lambda s: len(wanted & _bigrams(s)), reverse=True)[:ANSWER_SENTENCES]
        return "".join(s for s in sentences if s in ranked)

"""What the index holds of each clause: llama-index TextNodes with clause metadata, their BM25 tokens and
the text that is embedded."""

from __future__ import annotations

from llama_index.core.schema import TextNode

from ..schema import Clause, ClauseKind, Document
from ..text import split_sentences
from .tokenize import Tokenizer

MAX_CHUNK_CHARS = 320


def chunk_text(text: str, limit: int = MAX_CHUNK_CHARS) -> list[str]:
    """One chunk for a normal clause; a very long one is split at sentence ends."""
    if len(text) <= limit:
        return [text]
    chunks, current = [], ""
    for sentence in split_sentences(text):
        if current and len(current) + len(sentence) > limit:
            chunks.append(current)
            current = ""
        current += sentence
    return chunks + ([current] if current else [])


def _searchable_text(clause: Clause, document: Document) -> str:
    """What the index sees of a clause: a table by its title and note, a parent also by its items' titles."""
    if clause.kind == ClauseKind.TABLE:
        lines = clause.text.split("\n")
        text = "\n".join([lines[0]] + [line for line in lines[1:] if line.startswith("注")])
    else:
        text = clause.text
    children = [c for c in document.children(clause.ref) if c.kind == ClauseKind.CLAUSE]
    if children:
        text += "\n包括：" + "；".join(c.title_path[-1] for c in children)
    return text


def make_nodes(documents: list[Document]) -> list[TextNode]:
    nodes = []
    for document in documents:
        for clause in document.clauses:
            for i, chunk in enumerate(chunk_text(_searchable_text(clause, document))):
                nodes.append(
                    TextNode(
                        id_=f"{document.doc_id}:{clause.ref}#{i}",
                        text=chunk,
                        metadata={
                            "doc_id": document.doc_id,
                            "ref": clause.ref,
                            "kind": clause.kind,
                            "title": clause.title,
                            "context": " ".join(clause.title_path[-2:]),
                            "chunk": i,
                        },
                        excluded_embed_metadata_keys=["doc_id", "ref", "kind", "chunk", "context"],
                        excluded_llm_metadata_keys=["doc_id", "kind", "chunk", "context"],
                    )
                )
    return nodes


def node_tokens(tokenizer: Tokenizer, node: TextNode) -> list[str]:
    return tokenizer.words(node.metadata["context"] + "\n" + node.text) or ["∅"]


def embed_text(node: TextNode) -> str:
    return node.metadata["title"] + "\n" + node.text



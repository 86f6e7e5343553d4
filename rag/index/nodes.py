"""What the index holds of each clause: nodes (chunks) with clause and document metadata, their BM25 terms
and the text that is embedded."""

from __future__ import annotations

from functools import lru_cache

from ..corpus.vocab import Gloss, glosses_in
from ..schema import Clause, ClauseKind, Document
from ..text import split_sentences
from .store_api import StoredNode
from .tokenize import Tokenizer

MAX_CHUNK_CHARS = 320
CLAUSES_REMEMBERED = 1 << 14  # clause texts whose glossary terms are remembered (copies share most clauses)
GLOSS_KIND = "gloss"  # a node's kind when it holds a term's plain meaning, not the clause's own words


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


@lru_cache(maxsize=CLAUSES_REMEMBERED)
def _glosses(text: str) -> tuple[Gloss, ...]:
    return tuple(glosses_in(text))


def make_nodes(document: Document, tokenizer: Tokenizer) -> list[StoredNode]:
    """The nodes of one document, with their BM25 terms and the document's metadata. After a clause's own
    chunks come the plain meanings of the terms it uses (揭榜挂帅：…), each a node of the clause, so that a
    question describing a thing in everyday words finds the clause that names it."""
    meta = document.meta
    nodes = []
    for clause in document.clauses:
        context = " ".join(clause.title_path[-2:])
        # the terms of "context\nchunk": jieba segments the two lines apart, so each line's terms are
        # remembered on their own (documents share headings, clauses and the glossary's meanings)
        chunks = [(str(clause.kind), tokenizer.terms(context) + tokenizer.terms(chunk), chunk)
                  for chunk in chunk_text(_searchable_text(clause, document))]
        chunks += [(GLOSS_KIND, tokenizer.terms(gloss.text), gloss.text) for gloss in _glosses(clause.text)]
        for i, (kind, terms, chunk) in enumerate(chunks):
            nodes.append(StoredNode(
                node_id=f"{document.doc_id}:{clause.ref}#{i}", doc_id=document.doc_id, ref=clause.ref, chunk=i,
                kind=kind, title=clause.title, context=context, text=chunk, terms=terms or ("∅",),
                issuer=meta.issuer, year=meta.year, status=meta.status,
            ))
    return nodes


def embed_text(node: StoredNode) -> str:
    return node.text if node.kind == GLOSS_KIND else node.title + "\n" + node.text

"""Near-synonyms read by meaning (rag.qa.near): a question word the documents never write, taken as the documents'
word nearest in meaning when it clearly is and shares its head; the words' embeddings cached per document."""

from __future__ import annotations

from rag.corpus.derived import DerivedCache
from rag.qa.near import NearWords
from rag.qa.query import analyze


def test_a_word_the_plan_never_writes_is_read_as_its_word_of_the_same_head(assistant):
    assert not assistant.tokenizer.in_corpus("轿车")
    assert assistant.near.forms("轿车") == ("汽车",)
    concept = next(c for c in analyze("轿车产业有什么支持？", assistant.tokenizer, near=assistant.near.forms).concepts
                   if c.word == "轿车")
    assert concept.known and "汽车" in concept.broader and concept.forms == ("轿车",)  # less sure than the word
    assert "汽车" in assistant.analyze("轿车产业有什么支持？").terms


def test_words_of_the_number_grammar_and_parts_of_the_word_are_never_taken(assistant):
    assert assistant.near.forms("低于") == ()  # a bound: 高于 embeds close but means the opposite
    assert assistant.near.forms("百分点") == ()  # a unit
    assert assistant.near.forms("新能源汽车") == ()  # the documents' 新能源 words share a modifier, not the head


def test_the_words_embeddings_are_cached_per_document(assistant, tmp_path, monkeypatch):
    cache = DerivedCache(tmp_path)
    first = NearWords(assistant.documents, assistant.tokenizer, assistant.embedder, cache)
    meant = first.forms("轿车")
    embedded = []
    monkeypatch.setattr(assistant.embedder, "passages", lambda texts: embedded.append(texts) or
                        type(assistant.embedder).passages(assistant.embedder, texts))
    again = NearWords(assistant.documents, assistant.tokenizer, assistant.embedder, cache)
    assert not embedded and again.table[0] == first.table[0] and len(again.table[0]) > 500
    assert again.forms("轿车") == meant and embedded == [["轿车"]]  # only the question's word

"""The node stores behind one interface (the same contract for every implementation) and the persisted index:
incremental builds, verified files, stale indexes used without rebuilding, staging folders cleaned."""

from __future__ import annotations

import json
import re
import shutil
import threading
import time
from dataclasses import replace

import numpy as np
import pytest

from rag.config import PROJECT_ROOT
from rag.corpus.load import load_corpus
from rag.index.embedded import EmbeddedStore
from rag.index.node_table import NodeTable
from rag.index.nodes import GLOSS_KIND, embed_text, make_nodes
from rag.index.store import _locked, _read, index_status, open_index, open_store, update_index
from rag.index.store_api import Filter, IndexDamaged, StoredNode

SMALL_PLAN = """测试市人民政府关于印发《测试市数据产业发展规划》的通知
测试政发〔2026〕1号

各区县人民政府：
现将《测试市数据产业发展规划》印发给你们，请认真组织实施。

测试市人民政府
2026年3月1日

测试市数据产业发展规划

一、总体要求
（一）发展目标
1.数据产业。到2030年，全市数据产业营收达到123亿元，培育数据标注企业15家。
2.算力设施。建成智能算力中心2个。
二、保障措施
（一）资金支持。设立数据产业专项资金。
"""

DIMENSION = 8
STORES = ["embedded", "milvus"]


def _node(doc: str, ref: str, terms: tuple[str, ...], issuer: str = "甲", year: int = 2026) -> StoredNode:
    return StoredNode(f"{doc}:{ref}#0", doc, ref, 0, "clause", ref, ref, "".join(terms), terms, issuer, year, "现行")


def _unit(seed: int) -> np.ndarray:
    vector = np.random.default_rng(seed).normal(size=DIMENSION).astype(np.float32)
    return vector / np.linalg.norm(vector)


NODES = [
    _node("a", "一", ("数据", "产业", "营收")),
    _node("a", "二", ("算力", "中心", "数据")),
    _node("b", "一", ("汽车", "产业", "营收"), issuer="乙", year=2025),
    _node("b", "二", ("专项", "资金")),
]
VECTORS = np.stack([_unit(i) for i in range(len(NODES))])


@pytest.fixture(params=STORES)
def store(request, settings, tmp_path):
    if request.param == "milvus":
        pytest.importorskip("pymilvus", reason="the milvus extra is not installed (pip install -e '.[milvus]')")
    store = open_store(replace(settings, store=request.param, data_dir=tmp_path, milvus_uri=""), DIMENSION, fresh=True)
    store.upsert(NODES, VECTORS)
    return store


def test_equal_dense_scores_rank_in_the_order_the_nodes_were_stored(store):
    """Nodes of one text share a vector: both stores rank them as stored (Milvus does so itself), so that
    fused ranks, and the answers, do not depend on the store (the eval sets give the same answers with both)."""
    twins = [_node("c", ref, ("孪生",)) for ref in ("五", "三", "四", "一")]
    store.upsert(twins, np.tile(_unit(9), (len(twins), 1)))
    assert [node_id for node_id, _ in store.dense(_unit(9), k=len(twins))] == [t.node_id for t in twins]


def test_get_returns_known_nodes_in_the_order_asked(store):
    assert [n.node_id for n in store.get(["b:二#0", "nope#0", "a:一#0"])] == ["b:二#0", "a:一#0"]
    assert store.get(["a:一#0"])[0] == NODES[0]
    assert store.count() == 4


def test_dense_ranks_by_inner_product_and_filters_by_document_metadata(store):
    ranked = store.dense(VECTORS[2], k=4)
    assert ranked[0][0] == "b:一#0" and ranked[0][1] == pytest.approx(1.0, abs=1e-5)
    assert [s for _, s in ranked] == sorted((s for _, s in ranked), reverse=True)
    assert len(store.dense(VECTORS[2], k=2)) == 2
    assert {i for i, _ in store.dense(VECTORS[2], k=4, filter=Filter(doc_ids=frozenset({"a"})))} == {"a:一#0", "a:二#0"}
    assert {i for i, _ in store.dense(VECTORS[0], k=4, filter=Filter(issuer="乙"))} == {"b:一#0"}
    assert {i for i, _ in store.dense(VECTORS[0], k=4, filter=Filter(year=2026))} == {"a:一#0", "a:二#0", "b:二#0"}


def test_lexical_scores_only_nodes_with_the_terms(store):
    ranked = store.lexical(["算力", "营收"], k=10)
    assert ranked[0][0] == "a:二#0"  # 算力 is in one node only: the rarer term weighs more
    assert {i for i, _ in ranked} == {"a:二#0", "a:一#0", "b:一#0"} and all(s > 0 for _, s in ranked)
    assert len(store.lexical(["营收"], k=1)) == 1
    assert store.lexical(["不存在"], k=5) == []
    assert [i for i, _ in store.lexical(["营收"], k=5, filter=Filter(issuer="乙"))] == ["b:一#0"]


def test_hybrid_fuses_dense_and_lexical_ranks_by_rrf(store):
    """Rank r (from 1) in either list adds 1 / (60 + r): the embedded store computes it, Milvus's RRF ranker
    gives the same order and scores."""
    ranked = store.hybrid(VECTORS[1], ["算力", "营收"], k=4)
    dense = [i for i, _ in store.dense(VECTORS[1], k=4)]
    lexical = [i for i, _ in store.lexical(["算力", "营收"], k=4)]
    expected = {i: sum(1 / (60 + ranks.index(i) + 1) for ranks in (dense, lexical) if i in ranks) for i in dense}
    assert ranked[0][0] == "a:二#0"  # first in both lists
    assert dict(ranked) == pytest.approx(expected, rel=1e-5)
    assert [s for _, s in ranked] == sorted((s for _, s in ranked), reverse=True)
    assert {i for i, _ in store.hybrid(VECTORS[1], ["营收"], k=4, filter=Filter(doc_ids=frozenset({"b"})))} == {
        "b:一#0", "b:二#0"}


def test_upsert_replaces_by_id_and_delete_removes_a_document(store):
    changed = replace(NODES[0], text="新文本", terms=("新", "文本"))
    store.upsert([changed], VECTORS[:1])
    assert store.count() == 4 and store.get(["a:一#0"])[0].text == "新文本"
    assert store.lexical(["营收"], k=5)[0][0] == "b:一#0"
    store.delete("a")
    assert store.count() == 2 and store.get(["a:一#0", "a:二#0"]) == []
    assert {i for i, _ in store.dense(VECTORS[0], k=4)} == {"b:一#0", "b:二#0"}


def test_vectors_are_read_back_by_node_id(store):
    held = store.vectors(["b:二#0", "nope#0", "a:一#0"])
    assert sorted(held) == ["a:一#0", "b:二#0"]
    assert np.array_equal(held["a:一#0"], VECTORS[0]) and np.array_equal(held["b:二#0"], VECTORS[3])
    assert store.vectors([]) == {}


def test_embedded_files_hold_each_string_and_vector_once_and_load_as_saved(tmp_path):
    """Nodes sharing a text (a glossary meaning under several clauses) share one string and one vector row
    on disk; loading gives back every node, vector and score as saved."""
    shared = [replace(NODES[i], node_id=f"{NODES[i].doc_id}:{NODES[i].ref}#1", chunk=1, kind=GLOSS_KIND,
                      text="共享的释义", terms=("共享", "释义")) for i in range(len(NODES))]
    store = EmbeddedStore.empty(DIMENSION)
    store.upsert(NODES + shared, np.vstack([VECTORS, np.repeat(_unit(99)[None], len(shared), axis=0)]))
    store.persist(tmp_path)
    assert len(np.load(tmp_path / "vectors.npy")) == len(NODES) + 1
    assert (tmp_path / "nodes.json").read_text("utf-8").count("共享的释义") == 1
    loaded = EmbeddedStore.load(tmp_path)
    ids = [n.node_id for n in NODES + shared]
    assert loaded.get(ids) == NODES + shared
    assert all(np.array_equal(loaded.vectors(ids)[i], store.vectors(ids)[i]) for i in ids)
    for query in (VECTORS[1], _unit(99)):
        assert loaded.dense(query, k=8) == store.dense(query, k=8)
    assert loaded.lexical(["释义", "营收"], k=8) == store.lexical(["释义", "营收"], k=8)


def _node_ids(folder) -> list[str]:
    return NodeTable.load(folder / "nodes.json", ["vector"])[0].node_ids


def test_embedded_lexical_scores_equal_bm25s_full_scoring(assistant):
    import bm25s

    store = assistant.index.store
    nodes = store.get(_node_ids(assistant.settings.index_dir))
    reference = bm25s.BM25()
    reference.index([list(n.terms) for n in nodes], show_progress=False)
    terms = assistant.tokenizer.query_terms("新材料产业营收目标")
    full = reference.get_scores([t for t in terms if t in reference.vocab_dict])
    top = store.lexical(terms, k=5)
    expected = sorted(((nodes[i].node_id, float(full[i])) for i in range(len(nodes)) if full[i] > 0),
                      key=lambda pair: -pair[1])[:5]
    assert top == expected


def test_node_terms_are_the_words_of_what_the_node_searches(assistant, document):
    """Terms are remembered per line (heading, chunk, glossary meaning); they must be what segmenting the
    node's whole searched text gives."""
    tokenizer = assistant.tokenizer
    nodes = make_nodes(document, tokenizer)
    assert sum(n.kind == GLOSS_KIND for n in nodes) > 100
    for node in nodes:
        searched = node.text if node.kind == GLOSS_KIND else node.context + "\n" + node.text
        assert node.terms == tuple(tokenizer.words(searched) or ["∅"]), node.node_id


# ------------------------------------------------------------------------------------------- the index on disk
@pytest.fixture
def library(assistant, tmp_path):
    """A copy of the built index and of the corpus, to change without touching the live ones."""
    corpus = tmp_path / "corpus"
    shutil.copytree(assistant.settings.corpus_dir, corpus)
    settings = replace(assistant.settings, data_dir=tmp_path / "data", corpus_dir=corpus)
    shutil.copytree(assistant.settings.index_dir, settings.index_dir)
    return settings


def _update(assistant, settings):
    documents = load_corpus(settings.corpus_dir)
    return update_index(settings, assistant.embedder, assistant.tokenizer, documents), documents


def test_build_embeds_only_new_documents_and_drops_removed_ones(assistant, library):
    (library.corpus_dir / "test-data-plan.txt").write_text(SMALL_PLAN, "utf-8")
    report, documents = _update(assistant, library)
    added = next(d for d in documents if d.doc_id == "test-data-plan")
    assert report.status.added == ("test-data-plan",) and len(report.status.unchanged) == 1
    assert report.embedded == len(make_nodes(added, assistant.tokenizer)) and report.nodes == assistant.index.store.count() + report.embedded
    index = open_index(library, assistant.embedder, assistant.tokenizer, documents)
    assert not index.notice and index.stats.clauses == sum(len(d.clauses) for d in documents)
    hit = index.store.lexical(assistant.tokenizer.words("数据标注企业"), k=1)[0][0]
    assert hit.startswith("test-data-plan:一（一）1")

    (library.corpus_dir / "test-data-plan.txt").unlink()
    report, _ = _update(assistant, library)
    assert report.status.removed == ("test-data-plan",) and report.embedded == 0
    assert report.nodes == assistant.index.store.count()


class _Recording:
    """The real embedder, remembering the passages it was asked to embed."""

    def __init__(self, embedder):
        self._embedder, self.model_id, self.dimension = embedder, embedder.model_id, embedder.dimension
        self.texts: list[str] = []

    def passages(self, texts):
        self.texts += texts
        return self._embedder.passages(texts)


def test_update_embeds_only_the_texts_the_store_does_not_hold(assistant, library):
    """A changed figure re-embeds the passages that state it; the document's other clauses and the glossary's
    meanings keep the vectors the store holds."""
    path = next(library.corpus_dir.glob("*.txt"))
    text = path.read_text("utf-8")
    figure = re.search(r"\d+亿元", text).group()
    path.write_text(text.replace(figure, "9" + figure, 1), "utf-8")
    recording = _Recording(assistant.embedder)
    report = update_index(library, recording, assistant.tokenizer, load_corpus(library.corpus_dir))
    assert len(report.status.changed) == 1 and report.embedded == assistant.index.store.count()
    assert recording.texts and all("9" + figure in text for text in recording.texts)
    old, new = assistant.index.store, EmbeddedStore.load(library.index_dir)
    texts = {embed_text(node) for node in new.get(_node_ids(library.index_dir))}
    assert report.reused == len(texts) - len(recording.texts) > 200
    ids = _node_ids(library.index_dir)
    kept = [node.node_id for node in new.get(ids) if "9" + figure not in embed_text(node)]
    assert len(ids) - 5 < len(kept) < len(ids)
    old_vectors, new_vectors = old.vectors(kept), new.vectors(kept)
    assert all(np.array_equal(old_vectors[i], new_vectors[i]) for i in kept)


def test_stale_index_is_used_with_a_notice_and_not_rebuilt(assistant, library):
    manifest = (library.index_dir / "manifest.json").read_bytes()
    (library.corpus_dir / "test-data-plan.txt").write_text(SMALL_PLAN, "utf-8")
    documents = load_corpus(library.corpus_dir)
    assert index_status(library, documents).added == ("test-data-plan",)
    index = open_index(library, assistant.embedder, assistant.tokenizer, documents)
    assert "新增 1" in index.notice and "python -m rag build" in index.notice
    assert (library.index_dir / "manifest.json").read_bytes() == manifest
    assert index.store.count() == assistant.index.store.count()


@pytest.mark.parametrize("damage", ["reverse nodes", "overwrite vectors", "append to bm25", "truncate stats",
                                    "rename a ref", "drop a file"])
def test_damaged_files_are_named_when_loading(library, damage):
    folder = library.index_dir
    if damage == "reverse nodes":
        table = json.loads((folder / "nodes.json").read_text("utf-8"))
        table["columns"]["node_id"].reverse()
        (folder / "nodes.json").write_text(json.dumps(table, ensure_ascii=False), "utf-8")
    elif damage == "overwrite vectors":
        data = bytearray((folder / "vectors.npy").read_bytes())
        data[-64:] = bytes(64)
        (folder / "vectors.npy").write_bytes(bytes(data))
    elif damage == "append to bm25":
        with (folder / "bm25.npz").open("ab") as handle:
            handle.write(b"junk")
    elif damage == "truncate stats":
        (folder / "stats.json").write_text("{", "utf-8")
    elif damage == "rename a ref":
        text = (folder / "nodes.json").read_text("utf-8")
        (folder / "nodes.json").write_text(text.replace("二（三）5", "二（三）9"), "utf-8")
    else:
        (folder / "bm25.npz").unlink()
    with pytest.raises(IndexDamaged, match=r"nodes\.json|vectors\.npy|bm25\.npz|stats\.json"):
        _read(library)


def test_inconsistent_files_name_both(library):
    vectors = np.load(library.index_dir / "vectors.npy")
    np.save(library.index_dir / "vectors.npy", vectors[:-1])
    with pytest.raises(IndexDamaged, match=f"nodes.json refers to vectors that vectors.npy \\(holding {len(vectors) - 1}\\)"):
        EmbeddedStore.load(library.index_dir)


def _leave_staging_folders(data_dir):
    for name in (".index-killed", ".retired-index-old"):
        (data_dir / name).mkdir()
        (data_dir / name / "nodes.json").write_text("[]", "utf-8")


def test_build_and_start_remove_staging_folders_of_a_killed_build(assistant, library):
    _leave_staging_folders(library.data_dir)
    report, documents = _update(assistant, library)
    assert report.embedded == 0
    assert sorted(p.name for p in library.data_dir.iterdir() if p.is_dir()) == ["index"]
    _leave_staging_folders(library.data_dir)
    with _locked(library.data_dir / "index.build.lock", exclusive=True):  # a build in progress: leave them
        open_index(library, assistant.embedder, assistant.tokenizer, documents)
        assert (library.data_dir / ".index-killed").exists()
    open_index(library, assistant.embedder, assistant.tokenizer, documents)
    assert sorted(p.name for p in library.data_dir.iterdir() if p.is_dir()) == ["index"]


def test_readers_wait_while_an_index_is_being_installed(library):
    released = threading.Event()

    def install():
        with _locked(library.data_dir / "index.lock", exclusive=True):
            time.sleep(0.4)
            released.set()

    installer = threading.Thread(target=install)
    installer.start()
    time.sleep(0.1)
    _read(library)
    assert released.is_set(), "the reader went ahead while the install lock was held"
    installer.join()


def test_milvus_scores_bm25_like_the_embedded_store(settings, tmp_path):
    pytest.importorskip("pymilvus", reason="the milvus extra is not installed (pip install -e '.[milvus]')")
    stores = [open_store(replace(settings, store=kind, data_dir=tmp_path, milvus_uri=""), DIMENSION, fresh=True)
              for kind in STORES]
    for store in stores:
        store.upsert(NODES, VECTORS)
    for terms in (["算力", "营收"], ["产业", "产业", "资金"], ["数据"]):
        embedded, milvus = (store.lexical(terms, k=10) for store in stores)
        assert [i for i, _ in embedded] == [i for i, _ in milvus]
        assert [s for _, s in embedded] == pytest.approx([s for _, s in milvus], rel=1e-4)


def test_milvus_store_gives_the_same_answers_as_the_embedded_store(assistant, tmp_path):
    """The real index copied into milvus-lite (same nodes and vectors): the first 40 questions of the dev
    set get the same answers and citations from either store."""
    pytest.importorskip("pymilvus", reason="the milvus extra is not installed (pip install -e '.[milvus]')")
    import copy

    from rag.index.store import Index
    from rag.qa.retrievers import Retriever

    folder = assistant.settings.index_dir
    ids = _node_ids(folder)
    nodes, vectors = assistant.index.store.get(ids), assistant.index.store.vectors(ids)
    milvus = open_store(replace(assistant.settings, store="milvus", data_dir=tmp_path, milvus_uri=""),
                        assistant.embedder.dimension, fresh=True)
    milvus.upsert(nodes, np.stack([vectors[i] for i in ids]))
    twin = copy.copy(assistant)
    twin.retriever = Retriever(Index(milvus, assistant.index.stats, assistant.index.manifest), assistant.documents,
                               assistant.embedder)
    questions = [json.loads(line)["question"] for line in
                 (PROJECT_ROOT / "evals" / "dev.jsonl").read_text("utf-8").splitlines()]
    for question in questions[:40]:
        ours, theirs = assistant.ask(question), twin.ask(question)
        assert (theirs.text, [c.ref for c in theirs.citations]) == (ours.text, [c.ref for c in ours.citations]), question

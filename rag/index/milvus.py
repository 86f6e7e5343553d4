"""The Milvus node store (``RAG_STORE=milvus``): a milvus-lite file for development and tests, or a Milvus
standalone/cluster by URI (``RAG_MILVUS_URI=http://host:19530``).

Dense vectors are searched exactly (FLAT, inner product); ``hybrid`` is Milvus's hybrid search, both requests
fused by its RRF ranker. Lexical search is Milvus's own BM25 full-text search
over the project's jieba terms, so both stores score the same words: each term is written as an ASCII token
(``t`` + its UTF-8 in hex) that Milvus's ``standard`` analyzer keeps whole (milvus-lite has no whitespace
analyzer, and its ``jieba`` analyzer would segment with another dictionary than the project's).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from ..config import Settings
from .store_api import RRF_K, Filter, IndexDamaged, Scored, StoredNode

COLLECTION = "rag_nodes"
BATCH = 512
BM25_PARAMS = {"bm25_k1": 1.5, "bm25_b": 0.75}  # bm25s's defaults, so scores match the embedded store
_BM25_SCALE = BM25_PARAMS["bm25_k1"] + 1  # Milvus's BM25 carries the (k1 + 1) factor that bm25s's "lucene" drops
_TEXT_FIELDS = ("doc_id", "ref", "kind", "title", "context", "text", "issuer", "status")
_OUTPUT = ["node_id", "chunk", "year", "terms", *_TEXT_FIELDS]


def encode_terms(terms: Sequence[str]) -> str:
    return " ".join("t" + term.encode("utf-8").hex() for term in terms)


def decode_terms(encoded: str) -> tuple[str, ...]:
    return tuple(bytes.fromhex(token[1:]).decode("utf-8") for token in encoded.split())


def _quote(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)


def _with_ids(node_ids: Sequence[str]) -> str:
    return f"node_id in [{', '.join(map(_quote, node_ids))}]"


def filter_expression(filter: Filter | None) -> str:
    if filter is None:
        return ""
    parts = []
    if filter.doc_ids is not None:
        parts.append(f"doc_id in [{', '.join(_quote(i) for i in sorted(filter.doc_ids))}]")
    if filter.issuer is not None:
        parts.append(f"issuer == {_quote(filter.issuer)}")
    if filter.year is not None:
        parts.append(f"year == {int(filter.year)}")
    if filter.status is not None:
        parts.append(f"status == {_quote(filter.status)}")
    return " and ".join(parts)


class MilvusStore:
    def __init__(self, client, collection: str = COLLECTION):
        self._client = client
        self._collection = collection

    @classmethod
    def connect(cls, settings: Settings, dimension: int | None, fresh: bool) -> "MilvusStore":
        """The collection as the last build left it, or a new empty one (``fresh``, which needs ``dimension``)."""
        from pymilvus import MilvusClient

        # milvus-lite's in-process gRPC server logs a traceback each time pymilvus asks it for a timestamp it
        # does not implement (AllocTimestamp); searches and writes are unaffected
        logging.getLogger("grpc._server").setLevel(logging.CRITICAL)
        client = MilvusClient(uri=settings.milvus_location, token=settings.milvus_token or "")
        if fresh:
            if client.has_collection(COLLECTION):
                client.drop_collection(COLLECTION)
            cls._create(client, dimension)
        elif not client.has_collection(COLLECTION):
            raise IndexDamaged(f"Milvus at {settings.milvus_location} has no collection {COLLECTION}")
        else:
            client.load_collection(COLLECTION)  # a new process finds it released (not searchable) until loaded
        return cls(client)

    @staticmethod
    def _create(client, dimension: int) -> None:
        from pymilvus import DataType, Function, FunctionType

        schema = client.create_schema(auto_id=False)
        schema.add_field("node_id", DataType.VARCHAR, is_primary=True, max_length=1024)
        for name in _TEXT_FIELDS:
            schema.add_field(name, DataType.VARCHAR, max_length=16384 if name == "text" else 2048)
        schema.add_field("chunk", DataType.INT64)
        schema.add_field("year", DataType.INT64)
        schema.add_field("terms", DataType.VARCHAR, max_length=65535, enable_analyzer=True,
                         analyzer_params={"tokenizer": "standard"})
        schema.add_field("sparse", DataType.SPARSE_FLOAT_VECTOR)
        schema.add_field("vector", DataType.FLOAT_VECTOR, dim=dimension)
        schema.add_function(Function(name="bm25", function_type=FunctionType.BM25,
                                     input_field_names=["terms"], output_field_names=["sparse"]))
        index = client.prepare_index_params()
        index.add_index("vector", index_type="FLAT", metric_type="IP")
        index.add_index("sparse", index_type="SPARSE_INVERTED_INDEX", metric_type="BM25", params=BM25_PARAMS)
        client.create_collection(COLLECTION, schema=schema, index_params=index)

    # writes -------------------------------------------------------------------------------------------
    def upsert(self, nodes: Sequence[StoredNode], vectors: np.ndarray) -> None:
        rows = [
            {"node_id": n.node_id, **{name: getattr(n, name) for name in _TEXT_FIELDS}, "chunk": n.chunk,
             "year": n.year, "terms": encode_terms(n.terms), "vector": vector.tolist()}
            for n, vector in zip(nodes, vectors.astype(np.float32))
        ]
        for start in range(0, len(rows), BATCH):
            self._client.upsert(self._collection, rows[start:start + BATCH])

    def delete(self, doc_id: str) -> None:
        self._client.delete(self._collection, filter=f"doc_id == {_quote(doc_id)}")

    def persist(self, folder: Path) -> list[str]:
        self._client.flush(self._collection)
        return []

    # reads --------------------------------------------------------------------------------------------
    def dense(self, vector: np.ndarray, k: int, filter: Filter | None = None) -> Scored:
        return self._search([vector.astype(np.float32).tolist()], "vector", "IP", k, filter)

    def lexical(self, terms: Sequence[str], k: int, filter: Filter | None = None) -> Scored:
        if not terms:
            return []
        # milvus-lite reports BM25 relevance as a negative distance, a server as a positive score
        found = [(i, abs(s) / _BM25_SCALE) for i, s in self._search([encode_terms(terms)], "sparse", "BM25", k, filter)]
        return [(i, s) for i, s in found if s > 0]

    def hybrid(self, vector: np.ndarray, terms: Sequence[str], k: int, filter: Filter | None = None) -> Scored:
        """Milvus's own hybrid search: the dense and the BM25 request fused by its RRF ranker."""
        from pymilvus import AnnSearchRequest, RRFRanker

        if k <= 0:
            return []
        expression = filter_expression(filter)
        requests = [AnnSearchRequest([vector.astype(np.float32).tolist()], "vector", {"metric_type": "IP"}, k,
                                     expr=expression)]
        if terms:
            requests.append(AnnSearchRequest([encode_terms(terms)], "sparse", {"metric_type": "BM25"}, k,
                                             expr=expression))
        result = self._client.hybrid_search(self._collection, requests, RRFRanker(RRF_K), limit=len(requests) * k,
                                            output_fields=["node_id"])
        # equal fused scores in node id order, as the embedded store orders them
        return sorted(((hit["node_id"], float(hit["distance"])) for hit in result[0]), key=lambda h: (-h[1], h[0]))

    def _search(self, data: list, field: str, metric: str, k: int, filter: Filter | None) -> Scored:
        if k <= 0:
            return []
        result = self._client.search(self._collection, data=data, anns_field=field, limit=k,
                                     filter=filter_expression(filter), output_fields=["node_id"],
                                     search_params={"metric_type": metric})
        return [(hit["node_id"], float(hit["distance"])) for hit in result[0]]

    def get(self, node_ids: Sequence[str]) -> list[StoredNode]:
        if not node_ids:
            return []
        rows = self._client.query(self._collection, filter=_with_ids(node_ids),
                                  output_fields=_OUTPUT)
        by_id = {row["node_id"]: row for row in rows}
        return [self._node(by_id[i]) for i in node_ids if i in by_id]

    def vectors(self, node_ids: Sequence[str]) -> dict[str, np.ndarray]:
        if not node_ids:
            return {}
        rows = self._client.query(self._collection, filter=_with_ids(node_ids),
                                  output_fields=["node_id", "vector"])
        return {row["node_id"]: np.asarray(row["vector"], dtype=np.float32) for row in rows}

    @staticmethod
    def _node(row: dict) -> StoredNode:
        return StoredNode(node_id=row["node_id"], chunk=int(row["chunk"]), year=int(row["year"]),
                          terms=decode_terms(row["terms"]), **{name: row[name] for name in _TEXT_FIELDS})

    def count(self) -> int:
        return int(self._client.query(self._collection, filter="", output_fields=["count(*)"])[0]["count(*)"])

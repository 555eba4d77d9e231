"""Recover a BERT classifier's weights from our int8 ONNX export, to start a new training run from them.

The fp32 checkpoint behind a shipped model is not kept; its int8 export is. Every quantized weight there
is stored per output column (int8 values, a scale and a zero point each), so dequantizing gives the
trained weights back to within half a quantization step, which a few hundred steps of fine-tuning absorb.

Weights are found by what consumes them, not by position: a MatMul's (or MatMulInteger's) output runs
into an `Add` whose bias initializer carries the PyTorch name (`bert.encoder.layer.0.attention.self.query.bias`),
so the weight is that name with `.weight`. Embeddings and the pooler/classifier keep their PyTorch names
in the export.

    state = state_dict_from_onnx(Path("models/sentiment-minilm-l6/model.onnx"))
    model.load_state_dict(widen_head(state, old_labels, new_labels), strict=False)
"""

from pathlib import Path

import numpy as np
import onnx
import torch
from onnx import numpy_helper

# Ops between a weight's MatMul and its bias Add in our exports (the int8 path rescales the integer product).
RESCALE_OPS = {"Cast", "Sub", "Mul"}


def _dequantize(arrays: dict[str, np.ndarray], stem: str) -> np.ndarray:
    """`<stem>_quantized` as float: (q - zero_point) * scale, scale and zero point broadcast per column."""
    values = arrays[f"{stem}_quantized"].astype(np.float32)
    return (values - arrays[f"{stem}_zero_point"].astype(np.float32)) * arrays[f"{stem}_scale"]


def _bias_name(consumers: dict[str, list[onnx.NodeProto]], start: str, initializers: set[str]) -> str | None:
    """Follow `start` through the rescaling ops to the Add that adds a named bias; return that bias's name."""
    tensor = start
    for _ in range(len(RESCALE_OPS) + 1):
        nodes = consumers.get(tensor, [])
        if len(nodes) != 1:
            return None
        node = nodes[0]
        if node.op_type == "Add":
            return next((name for name in node.input if name in initializers and name.endswith(".bias")), None)
        if node.op_type not in RESCALE_OPS:
            return None
        tensor = node.output[0]
    return None


def state_dict_from_onnx(path: Path) -> dict[str, torch.Tensor]:
    """Every weight and bias of a BertForSequenceClassification export, in PyTorch layout, as float32."""
    model = onnx.load(str(path))
    graph = model.graph
    arrays = {t.name: numpy_helper.to_array(t) for t in graph.initializer}
    initializers = set(arrays)
    state: dict[str, np.ndarray] = {name: array for name, array in arrays.items()
                                    if name.endswith((".bias", "LayerNorm.weight"))}
    for name in arrays:
        if name.startswith("bert.embeddings.") and name.endswith(".weight_quantized"):
            stem = name.removesuffix("_quantized")
            state[stem] = _dequantize(arrays, stem)
        elif name.endswith(".weight_Transposed_quantized"):  # pooler and classifier (Gemm in the fp32 graph)
            stem = name.removesuffix("_quantized")
            state[stem.removesuffix("_Transposed")] = _dequantize(arrays, stem).T
    consumers: dict[str, list[onnx.NodeProto]] = {}
    for node in graph.node:
        for name in node.input:
            consumers.setdefault(name, []).append(node)
    for node in graph.node:
        if node.op_type not in ("MatMul", "MatMulInteger"):
            continue
        weight = node.input[1]
        stem = weight.removesuffix("_quantized")
        if weight not in arrays or stem.endswith("_Transposed"):
            continue
        bias = _bias_name(consumers, node.output[0], initializers)
        if bias is None:
            raise ValueError(f"{path}: cannot tell which layer {node.name} belongs to")
        matrix = _dequantize(arrays, stem) if weight.endswith("_quantized") else arrays[weight]
        state[bias.removesuffix(".bias") + ".weight"] = matrix.T  # ONNX keeps (in, out); PyTorch (out, in)
    # np.array copies: torch wants writable memory, and the initializers' arrays are read-only views
    return {name: torch.from_numpy(np.array(value, dtype=np.float32)) for name, value in state.items()}


def widen_head(state: dict[str, torch.Tensor], old_labels: list[str], new_labels: list[str]) -> dict[str, torch.Tensor]:
    """Map the classifier rows onto a new label list; a label the old head lacked starts at zero weight and bias."""
    weight, bias = state["classifier.weight"], state["classifier.bias"]
    new_weight = torch.zeros((len(new_labels), weight.shape[1]))
    new_bias = torch.zeros(len(new_labels))
    for row, label in enumerate(new_labels):
        if label in old_labels:
            new_weight[row] = weight[old_labels.index(label)]
            new_bias[row] = bias[old_labels.index(label)]
    return {**state, "classifier.weight": new_weight, "classifier.bias": new_bias}

"""A Hugging Face sequence classifier to ONNX: fp32, dynamic batch and sequence axes, and int8 per token.

The graph takes exactly the inputs the service feeds (input_ids, attention_mask, and token_type_ids where the
architecture has them) and returns `logits`. Attention is exported in its eager form (MatMul, Softmax, MatMul),
which onnxruntime optimizes at load. int8: weights per channel (quantize_dynamic), then every activation is
quantized per token (per_token.py), so a text's scores do not depend on what shares its batch. MatMuls of two
activations (attention scores) stay fp32: quantizing them costs accuracy and saves little; so do MatMuls that
take a weight first.
"""

import inspect
from pathlib import Path

import onnx
import torch
from onnxruntime.quantization import QuantType, quantize_dynamic

from sentiment_service.models.per_token import make_per_token

OPSET = 17
INPUTS = ("input_ids", "attention_mask", "token_type_ids")


class UnsupportedModel(Exception):
    """The checkpoint cannot be exported or served; the message names its architecture and why."""


def model_inputs(model: torch.nn.Module) -> list[str]:
    """The service's inputs this architecture's forward() takes, in the order it takes them."""
    accepted = inspect.signature(model.forward).parameters
    names = [name for name in accepted if name in INPUTS]
    if names[:2] != ["input_ids", "attention_mask"]:
        raise UnsupportedModel(f"{type(model).__name__}.forward takes {list(accepted)[:4]}: the service feeds "
                               "input_ids and attention_mask (and token_type_ids)")
    return names


def export_fp32(model: torch.nn.Module, out: Path, pad_id: int) -> list[str]:
    """Write the fp32 graph to `out`; returns its input names. Raises UnsupportedModel."""
    names = model_inputs(model)
    model.eval()
    model.config.return_dict = False
    sample = torch.tensor([[pad_id + 5, pad_id + 6, pad_id + 7, pad_id + 8]], dtype=torch.long)
    feeds = {"input_ids": sample, "attention_mask": torch.ones_like(sample), "token_type_ids": torch.zeros_like(sample)}
    axes = {name: {0: "batch", 1: "sequence"} for name in names} | {"logits": {0: "batch"}}
    try:
        torch.onnx.export(model, tuple(feeds[name] for name in names), str(out), input_names=names,
                          output_names=["logits"], dynamic_axes=axes, opset_version=OPSET, dynamo=False)
    except Exception as exc:  # torch raises many kinds; the user needs the architecture and the first line
        raise UnsupportedModel(f"{type(model).__name__} cannot be exported to ONNX: {str(exc).splitlines()[0]}") from exc
    return names


# The first encoder layer's feed-forward, as BERT-family exports name it. Its inputs are closest to the raw
# embeddings, whose outliers per-token int8 represents worst: kept in fp32, it lifts int8's agreement with fp32 for
# about 2 MB (measured on SST-2 dev when the shipped model was first quantized: 98.97% -> 99.08%).
FIRST_FEED_FORWARD = ("/encoder/layer.0/intermediate/", "/encoder/layer.0/output/dense/")


def matmuls_left_in_fp32(model_path: Path) -> list[str]:
    """MatMul nodes kept out of int8: those that are not an activation times a weight (two activations, as in
    attention scores, or a weight first, as in DeBERTa's relative-position projections), which per-token
    quantization of the activation cannot cover, and the first layer's feed-forward (FIRST_FEED_FORWARD)."""
    graph = onnx.load(str(model_path), load_external_data=False).graph
    weights = {i.name for i in graph.initializer}
    return [n.name for n in graph.node if n.op_type == "MatMul" and (
        n.input[1] not in weights or n.input[0] in weights or any(part in n.name for part in FIRST_FEED_FORWARD))]


def quantize_per_token(fp32: Path, out: Path, work: Path) -> dict:
    """int8 weights per channel, activations per token; returns what was replaced."""
    dynamic = work / "model-int8-dynamic.onnx"
    # Contrib ops hide tensor types from shape inference: name the default for the quantizer.
    quantize_dynamic(str(fp32), str(dynamic), weight_type=QuantType.QInt8, per_channel=True,
                     nodes_to_exclude=matmuls_left_in_fp32(fp32), extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT})
    model, counts = make_per_token(onnx.load(str(dynamic)))
    onnx.save(model, str(out))
    return counts

"""Export the fine-tuned model to ONNX (fp32) and quantize it to dynamic int8 (per-tensor activations).

2.0.0's export; `make model` now exports through the fine-tune command, i.e. model import
(sentiment_service/models/onnx_export.py), which makes the same choices below.

    HF_HUB_OFFLINE=1 .venv-train/bin/python -m training.export \
        --model training/work/run/final --out training/work/onnx

Writes <out>/model-fp32.onnx (dynamic batch and sequence axes), <out>/model-int8-dynamic.onnx and
tokenizer.json with padding switched off and truncation at --max-length. model-int8-dynamic.onnx is not
shipped: its activations are quantized per tensor, i.e. over the whole batch, so a text's scores depend
on its batch companions. sentiment_service/models/per_token.py turns it into the shipped, batch-invariant model-int8.onnx.

Quantization choices (measured with the 1.0.0 model, SST-2 dev, 1 thread):
- weights int8 per channel, activations quantized at run time (quantize_dynamic);
- the attention-score MatMuls (activation x activation) stay fp32: quantizing them costs accuracy
  and saves little;
- layer 0's feed-forward MatMuls stay fp32: with them int8, int8 and fp32 agreed on 98.97% of SST-2 dev
  predictions, below the 99% we require; fp32 there brings it to 99.08% for ~2 MB.
- no offline BERT fusions: the fused int8 graph (QAttention, DynamicQuantizeMatMul) quantizes per tensor
  inside its kernels, so it cannot be made batch-invariant; it was also no faster batched on a 2-core
  AVX2 CPU (458 vs 461 texts/s) and less faithful to fp32 (98.85% agreement).
"""

import argparse
import json
from pathlib import Path

import onnx
import torch
from onnxruntime.quantization import QuantType, quantize_dynamic
from tokenizers import Tokenizer
from transformers import AutoModelForSequenceClassification

OPSET = 17


def export_fp32(model_dir: Path, out: Path, checkpoint: Path | None) -> dict:
    # Eager attention exports the classic MatMul-Softmax-MatMul pattern that the BERT fusion recognises.
    model = AutoModelForSequenceClassification.from_pretrained(model_dir, attn_implementation="eager")
    if checkpoint is not None:  # export an in-progress run, e.g. to try the pipeline before training ends
        model.load_state_dict(torch.load(checkpoint, weights_only=False)["model"])
    model.eval()
    model.config.return_dict = False
    sample = torch.tensor([[101, 2023, 3185, 2001, 2307, 102]])
    dynamic = {"input_ids": {0: "batch", 1: "sequence"}, "attention_mask": {0: "batch", 1: "sequence"},
               "token_type_ids": {0: "batch", 1: "sequence"}, "logits": {0: "batch"}}
    torch.onnx.export(
        model, (sample, torch.ones_like(sample), torch.zeros_like(sample)), str(out),
        input_names=["input_ids", "attention_mask", "token_type_ids"], output_names=["logits"],
        dynamic_axes=dynamic, opset_version=OPSET, dynamo=False,
    )
    return {"hidden_size": model.config.hidden_size, "num_heads": model.config.num_attention_heads}


def kept_in_fp32(model_path: Path) -> list[str]:
    """Nodes left unquantized: attention scores (activation x activation) and layer 0's feed-forward."""
    graph = onnx.load(str(model_path), load_external_data=False).graph
    return [n.name for n in graph.node if n.op_type == "MatMul" and (
        n.name.endswith(("/attention/self/MatMul", "/attention/self/MatMul_1"))
        or n.name.startswith(("/bert/encoder/layer.0/intermediate/", "/bert/encoder/layer.0/output/dense")))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, required=True, help="Hugging Face model directory")
    parser.add_argument("--checkpoint", type=Path, help="optional train.py checkpoint.pt to load over --model")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--max-length", type=int, default=256)
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)

    fp32, int8 = (args.out / f"model-{kind}.onnx" for kind in ("fp32", "int8-dynamic"))
    shape = export_fp32(args.model, fp32, args.checkpoint)
    # Contrib ops hide tensor types from shape inference: name the default for the quantizer.
    options = {"DefaultTensorType": onnx.TensorProto.FLOAT}
    quantize_dynamic(str(fp32), str(int8), weight_type=QuantType.QInt8, per_channel=True,
                     nodes_to_exclude=kept_in_fp32(fp32), extra_options=options)

    tokenizer = Tokenizer.from_file(str(args.model / "tokenizer.json"))
    tokenizer.no_padding()  # the service pads each batch to its own longest text
    tokenizer.enable_truncation(max_length=args.max_length)
    tokenizer.save(str(args.out / "tokenizer.json"))
    sizes = {p.name: p.stat().st_size for p in (fp32, int8)}
    (args.out / "export_config.json").write_text(json.dumps(
        {"opset": OPSET, "max_length": args.max_length,
         "quantization": "int8 weights per channel (quantize_dynamic, QInt8); activations quantized at run time per "
                         "token (sentiment_service/models/per_token.py), asymmetric uint8; fp32 kept for the attention-score MatMuls "
                         "and layer 0's feed-forward",
         "fusions": "none offline (fused int8 kernels quantize per tensor); onnxruntime optimizes the graph at load",
         "bytes": sizes, **shape}, indent=2) + "\n")
    print(json.dumps(sizes))


if __name__ == "__main__":
    main()

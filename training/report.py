"""The new model against the one it replaces, and against VADER, on every held-out set, per domain, with calibration.

    .venv-train/bin/python -m training.report --model training/work/tuned --baseline training/work/start \
        --data training/work/data --out training/work/report.json

- **Temperature.** Fitted once for the new model, as the fine-tune command fits one (grid 0.50..4.00, step 0.01,
  least NLL), on calib.jsonl, the slice prepare.py carved from the training sources and never trained on; it is no
  test set. Binary rows (IMDB) count over negative and positive only. Logits of the first window, as the fit
  needs logits.
- **Scoring.** Then both models score every test set as the service does (ScoringCore.score: a text longer than the
  window is read whole), each with its own temperature, on the same rows.
- **Binary** (a set whose gold is only negative/positive, or a three-way set's non-neutral rows): the likelier of
  negative and positive; accuracy, and ECE (10 equal-width bins) of that two-way probability.
- **Three-way** (tweets, Amazon, finance, GoEmotions): macro-averaged recall, accuracy, recall per label, ECE of
  the top probability.
- **VADER** on the same rows, as training/evaluate.py scores it.
- **Batch invariance** of the new model (SST-2 dev alone and in random batches) and **speed** of both, texts/s on
  one onnxruntime thread at batch 1, 8 and 32, the models alternating.
"""

import argparse
import json
import shutil
import tempfile
from pathlib import Path

import numpy as np

from evaluation.data import read_jsonl
from sentiment_service.predictor.manifest import MANIFEST_NAME, write_manifest
from sentiment_service.predictor.scoring_core import ScoringCore
from sentiment_service.tune.calibration import fitted_on
from sentiment_service.tune.labelled import LabelledText
from training.evaluate import LABELS, NEG, NEU, POS, batch_invariance, ece, speed, vader

BINARY_ONLY = ("sst2", "tweets", "imdb")  # test_<name>.jsonl: gold is negative or positive
THREE_WAY = ("tweets3", "amazon3", "finance3", "goemotions3")  # test_<name>.jsonl: gold may be neutral


def fit_temperature(core: ScoringCore, calib: list[dict]) -> float:
    """The fine-tune command's fit (sentiment_service/tune/calibration.py); a binary row leaves neutral out."""
    rows = [LabelledText(r["text"], r["label"], r.get("domain", "")) for r in calib]
    left_out = [(NEU,) if r.get("classes", 3) == 2 else () for r in calib]
    return fitted_on(core, rows, list(LABELS), left_out)["value"]


def with_temperature(model_dir: Path, temperature: float, workdir: Path) -> Path:
    """A copy of the model directory whose manifest carries `temperature`, so the service's own code applies it."""
    copy = workdir / model_dir.name
    shutil.copytree(model_dir, copy)
    fields = json.loads((copy / MANIFEST_NAME).read_text(encoding="utf-8"))
    model_file, tokenizer_file = fields.pop("model_file"), fields.pop("tokenizer_file")
    fields.pop("files", None)
    write_manifest(copy, {**fields, "temperature": temperature}, model_file, tokenizer_file)
    return copy


def probabilities(core: ScoringCore, rows: list[dict]) -> np.ndarray:
    """[rows, (negative, neutral, positive)] as the service answers them."""
    return np.array([[p.scores[label] for label in LABELS] for p in core.score([r["text"] for r in rows])])


def binary_metrics(probs: np.ndarray, gold: np.ndarray) -> dict:
    two = probs[:, [NEG, POS]] / probs[:, [NEG, POS]].sum(axis=1, keepdims=True)
    predicted = np.where(two[:, 1] > two[:, 0], POS, NEG)
    return {"rows": int(len(gold)), "accuracy": round(float((predicted == gold).mean()), 4),
            "ece": round(ece(two.max(axis=1), predicted == gold), 4)}


def three_way_metrics(probs: np.ndarray, gold: np.ndarray) -> dict:
    predicted = probs.argmax(axis=1)
    recall = {LABELS[g]: round(float((predicted[gold == g] == g).mean()), 4) for g in range(3) if (gold == g).any()}
    return {"rows": int(len(gold)), "macro_recall": round(float(np.mean(list(recall.values()))), 4),
            "accuracy": round(float((predicted == gold).mean()), 4), "recall": recall,
            "ece": round(ece(probs.max(axis=1), predicted == gold), 4)}


def scored(core: ScoringCore, sets: dict[str, list[dict]]) -> dict:
    result = {}
    for name, rows in sets.items():
        probs, gold = probabilities(core, rows), np.array([LABELS.index(r["label"]) for r in rows])
        if name in BINARY_ONLY:
            result[name] = binary_metrics(probs, gold)
        else:
            result[name] = three_way_metrics(probs, gold)
            result[name.removesuffix("3") + "_binary"] = binary_metrics(probs[gold != NEU], gold[gold != NEU])
        print(f"{core.info.name} {core.info.version}: {name} {json.dumps(result[name])}", flush=True)
    return result


def vader_scores(sets: dict[str, list[dict]]) -> dict:
    result = {}
    for name, rows in sets.items():
        if name in BINARY_ONLY:
            result[name] = vader(rows, False)
        else:
            result[name] = vader(rows, True)
            result[name.removesuffix("3") + "_binary"] = vader([r for r in rows if r["label"] != "neutral"], False)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, required=True, help="the new model directory")
    parser.add_argument("--baseline", type=Path, required=True, help="the model directory it replaces")
    parser.add_argument("--data", type=Path, required=True, help="prepare.py's output: calib.jsonl and test_*.jsonl")
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    sets = {name: read_jsonl(args.data / f"test_{name}.jsonl") for name in BINARY_ONLY + THREE_WAY
            if (args.data / f"test_{name}.jsonl").is_file()}
    with tempfile.TemporaryDirectory() as workdir:
        temperature = fit_temperature(ScoringCore.open(args.model), read_jsonl(args.data / "calib.jsonl"))
        print(f"temperature {temperature} (least NLL on calib.jsonl)", flush=True)
        new = ScoringCore.open(with_temperature(args.model, temperature, Path(workdir)))
        old = ScoringCore.open(args.baseline)
        report = {
            "temperature": temperature,
            "temperature_fit": "least NLL on calib.jsonl (first window), grid 0.50..4.00 step 0.01",
            "rows": {name: len(rows) for name, rows in sets.items()},
            "reading": "as the service scores: a text longer than the window read whole",
            "model": {"name": new.info.name, "version": new.info.version, **scored(new, sets)},
            "baseline": {"name": old.info.name, "version": old.info.version, "temperature": old.info.temperature,
                         **scored(old, sets)},
            "vader": vader_scores(sets),
        }
        sst2 = [e.ids for e in new.encode([r["text"] for r in sets["sst2"]])]
        companions = [e.ids for e in new.encode([r["text"] for r in sets["tweets3"][:2000] + sets["imdb"][:200]])]
        report["batch_invariance_max_abs_diff_sst2"] = batch_invariance(new, sst2, companions)
        report["texts_per_s_1thread_sst2"] = speed({"model": new, "baseline": old}, sst2)
    args.out.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()

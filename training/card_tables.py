"""The model card's measured tables, written from the manifest's `metrics`, so the card never disagrees with them.

    .venv/bin/python -m training.card_tables models/sentiment-minilm-l6          # rewrite the tables in the card
    .venv/bin/python -m training.card_tables models/sentiment-minilm-l6 --check  # exit 1 if the card is stale

Each table sits between `<!-- table:NAME -->` and `<!-- /table:NAME -->` in MODEL_CARD.md; the text around them
is written by hand and says what they show.
"""

import argparse
import re
import sys
from pathlib import Path

from sentiment_service.predictor.manifest import MANIFEST_NAME, load_manifest

CARD = "MODEL_CARD.md"
# (key in the report, what the set is); binary sets report accuracy, three-way sets macro recall.
BINARY_SETS = [
    ("sst2", "SST-2 dev (movie-review phrases)"),
    ("tweets", "SemEval 2016 test tweets, positive/negative rows"),
    ("imdb", "IMDB reviews, read whole"),
    ("amazon_binary", "Amazon reviews, 1-2 and 4-5 stars"),
    ("finance_binary", "financial news and tweets, positive/negative rows"),
    ("goemotions_binary", "Reddit comments (GoEmotions), positive/negative rows"),
]
THREE_WAY_SETS = [
    ("tweets3", "SemEval 2016 test tweets"),
    ("amazon3", "Amazon reviews (3 stars neutral)"),
    ("finance3", "financial news and tweets (Twitter Financial News dev)"),
    ("goemotions3", "Reddit comments (GoEmotions)"),
]


def _percent(value: float | None) -> str:
    return "-" if value is None else f"{value:.2%}"


def _recall(value: float | None) -> str:
    return "-" if value is None else f"{value:.4f}"


def evaluation_table(metrics: dict) -> str:
    new, old, vader = metrics["model"], metrics["baseline"], metrics["vader"]
    rows = [f"| held-out set | texts | **{new['version']}** | {old['version']} | VADER |", "|---|---:|---:|---:|---:|"]
    for key, title in BINARY_SETS:
        if key in new:
            rows.append(f"| {title}, accuracy | {new[key]['rows']:,} | **{_percent(new[key]['accuracy'])}** | "
                        f"{_percent(old[key]['accuracy'])} | {_percent(vader[key]['accuracy'])} |")
    binary = _binary_keys(new)
    rows.append(f"| mean of the {len(binary)} binary sets | | **{_percent(_mean(new, binary, 'accuracy'))}** | "
                f"{_percent(_mean(old, binary, 'accuracy'))} | {_percent(_mean(vader, binary, 'accuracy'))} |")
    for key, title in THREE_WAY_SETS:
        if key in new:
            rows.append(f"| {title}, 3 classes, macro recall | {new[key]['rows']:,} | **{_recall(new[key]['macro_recall'])}** | "
                        f"{_recall(old[key]['macro_recall'])} | {_recall(vader[key]['macro_recall'])} |")
    return "\n".join(rows)


def recall_table(metrics: dict) -> str:
    new, old = metrics["model"], metrics["baseline"]
    rows = [f"| set, 3 classes | recall negative | neutral | positive | ({old['version']}: negative, neutral, positive) |",
            "|---|---:|---:|---:|---|"]
    for key, title in THREE_WAY_SETS:
        if key in new:
            recall, before = new[key]["recall"], old[key]["recall"]
            rows.append(f"| {title} | {recall['negative']:.3f} | {recall['neutral']:.3f} | {recall['positive']:.3f} | "
                        f"{before['negative']:.3f}, {before['neutral']:.3f}, {before['positive']:.3f} |")
    return "\n".join(rows)


def calibration_table(metrics: dict) -> str:
    new, old = metrics["model"], metrics["baseline"]
    rows = [f"| set | ECE, {new['version']} (T = {metrics['temperature']}) | ECE, {old['version']} (T = {old['temperature']}) |",
            "|---|---:|---:|"]
    for key, title in BINARY_SETS:
        if key in new:
            rows.append(f"| {title} (binary) | {new[key]['ece']:.3f} | {old[key]['ece']:.3f} |")
    for key, title in THREE_WAY_SETS:
        if key in new:
            rows.append(f"| {title} (3 classes, top probability) | {new[key]['ece']:.3f} | {old[key]['ece']:.3f} |")
    return "\n".join(rows)


def speed_table(metrics: dict) -> str:
    speed, new, old = metrics["texts_per_s_1thread_sst2"], metrics["model"], metrics["baseline"]
    rows = ["| texts/s, one onnxruntime thread | batch 1 | batch 8 | batch 32 |", "|---|---:|---:|---:|"]
    for key, entry in (("model", new), ("baseline", old)):
        rows.append(f"| {entry['version']} | " + " | ".join(f"{speed[key][size]:.1f}" for size in ("1", "8", "32")) + " |")
    return "\n".join(rows)


def targets_table(metrics: dict) -> str:
    """The release's targets (issue: model 3), each with the figure that meets or misses it."""
    new, old = metrics["model"], metrics["baseline"]
    binary = _binary_keys(new)
    worst_key = min(binary, key=lambda key: new[key]["accuracy"] - old[key]["accuracy"])
    worst = new[worst_key]["accuracy"] - old[worst_key]["accuracy"]
    checks = [
        ("SST-2 accuracy ≥ 92.0%", _percent(new["sst2"]["accuracy"]), new["sst2"]["accuracy"] >= 0.92),
        ("mean of the binary sets ≥ 90.0%", _percent(_mean(new, binary, "accuracy")), _mean(new, binary, "accuracy") >= 0.90),
        (f"no binary set more than 1 point below {old['version']}",
         f"largest change {worst * 100:+.2f} points ({dict(BINARY_SETS)[worst_key]})", worst >= -0.01),
        ("tweets, 3 classes, macro recall ≥ 0.71", _recall(new["tweets3"]["macro_recall"]), new["tweets3"]["macro_recall"] >= 0.71),
        ("financial, 3 classes, macro recall ≥ 0.65", _recall(new["finance3"]["macro_recall"]),
         new["finance3"]["macro_recall"] >= 0.65),
        ("batch-invariant (a text alone vs in batches, largest difference ≤ 1e-4)",
         f"{metrics['batch_invariance_max_abs_diff_sst2']:.1e}", metrics["batch_invariance_max_abs_diff_sst2"] <= 1e-4),
    ]
    rows = ["| target | measured | |", "|---|---|---|"]
    rows += [f"| {target} | {measured} | {'met' if met else '**missed**'} |" for target, measured, met in checks]
    return "\n".join(rows)


def sources_table(metrics: dict) -> str:
    """What each source measured with and without adds: the shipped build against a build without it."""
    without, new = metrics.get("without", {}), metrics["model"]
    if not without:
        return "No build without a source has been measured for this version."
    rows = ["| held-out set | all sources | " + " | ".join(f"without {source}" for source in without) + " |",
            "|---|---:|" + "---:|" * len(without)]
    for key, title in BINARY_SETS:
        if key in new:
            rows.append(f"| {title}, accuracy | {_percent(new[key]['accuracy'])} | "
                        + " | ".join(_percent(other.get(key, {}).get("accuracy")) for other in without.values()) + " |")
    binary = _binary_keys(new)
    rows.append(f"| mean of the binary sets above | {_percent(_mean(new, binary, 'accuracy'))} | "
                + " | ".join(_percent(_mean(other, binary, "accuracy")) for other in without.values()) + " |")
    for key, title in THREE_WAY_SETS:
        if key in new:
            rows.append(f"| {title}, 3 classes, macro recall | {_recall(new[key]['macro_recall'])} | "
                        + " | ".join(_recall(other.get(key, {}).get("macro_recall")) for other in without.values()) + " |")
    return "\n".join(rows)


def _binary_keys(scores: dict) -> list[str]:
    """The binary sets these scores have, in the card's order."""
    return [key for key, _ in BINARY_SETS if key in scores]


def _mean(scores: dict, keys: list[str], metric: str) -> float | None:
    values = [scores[key][metric] for key in keys if key in scores]
    return sum(values) / len(values) if values else None


TABLES = {"targets": targets_table, "evaluation": evaluation_table, "recall": recall_table,
          "calibration": calibration_table, "speed": speed_table, "sources": sources_table}


def rendered(card: str, metrics: dict) -> str:
    for name, render in TABLES.items():
        pattern = re.compile(rf"(<!-- table:{name} -->\n).*?(<!-- /table:{name} -->)", re.S)
        if not pattern.search(card):
            raise SystemExit(f"{CARD} has no <!-- table:{name} --> ... <!-- /table:{name} --> block")
        table = render(metrics)
        card = pattern.sub(lambda m, table=table: m.group(1) + table + "\n" + m.group(2), card)
    return card


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model_dir", type=Path)
    parser.add_argument("--check", action="store_true", help="exit 1 if the card's tables differ from the manifest's")
    args = parser.parse_args()
    metrics = load_manifest(args.model_dir).raw["metrics"]
    path = args.model_dir / CARD
    card = path.read_text(encoding="utf-8")
    fresh = rendered(card, metrics)
    if args.check:
        if fresh != card:
            print(f"{path}: its tables differ from {MANIFEST_NAME}'s metrics; run python -m training.card_tables "
                  f"{args.model_dir}", file=sys.stderr)
            return 1
        return 0
    path.write_text(fresh, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())

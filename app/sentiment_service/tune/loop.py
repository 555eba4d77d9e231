"""The training loop: the recipe's batches, validation and early stopping, a time budget, resumable checkpoints.

Every `eval_every` steps (and when training ends) the model is scored on the validation rows; the weights with the
best validation macro recall so far are kept in best.pt, and those are what is exported. Training ends at the end
of the schedule (epochs, or max_steps when fewer), after `patience` validations without a better one, or when the
time budget is spent (counted across resumed runs). Ctrl-C or SIGTERM stop it at the end of the step in progress:
a checkpoint is written and Interrupted raised; the same command then resumes from it.
"""

import signal
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import torch
from tqdm import tqdm

from sentiment_service.tune.labelled import LabelledText
from sentiment_service.tune.metrics import evaluate_rows, torch_predictions
from sentiment_service.tune.recipe import (
    Example,
    batches_for_epoch,
    load_checkpoint,
    optimizer_and_schedule,
    save_checkpoint,
    train_step,
)

CHECKPOINT = "checkpoint.pt"
BEST = "best.pt"


@dataclass(frozen=True)
class Schedule:
    """What decides which weights a run produces: a resumed run must have the same."""

    seed: int = 13
    epochs: int = 4
    max_steps: int | None = None
    batch_size: int = 32
    # From a warm start the encoder already knows polarity: a small step adapts it without forgetting.
    learning_rate: float = 4e-5
    weight_decay: float = 0.01
    warmup_ratio: float = 0.06
    bucket_pool_batches: int = 50
    eval_every: int | None = None  # steps between validations; None: twice an epoch


@dataclass(frozen=True)
class Stopping:
    """When to stop early and how often to checkpoint: may change between a run and its resumption."""

    patience: int = 3  # validations without a better macro recall; 0 never stops early
    time_budget_s: float | None = None
    checkpoint_every: int = 50


@dataclass
class Outcome:
    steps: int
    total_steps: int
    stopped_by: str  # "schedule", "early stopping" or "time budget"
    best: dict | None  # {"step", "macro_recall", "accuracy"} of the weights kept, None without validation rows
    history: list[dict] = field(default_factory=list)
    train_seconds: float = 0.0


class Interrupted(Exception):
    """Ctrl-C or SIGTERM: a checkpoint was written at `step`."""

    def __init__(self, step: int, total_steps: int):
        super().__init__(f"interrupted at step {step}/{total_steps}")
        self.step, self.total_steps = step, total_steps


class StopSignals:
    """The first SIGINT or SIGTERM asks the loop to stop after the step in progress; a second one ends the process."""

    def __init__(self):
        self.requested = False
        self._previous = {}

    def __enter__(self):
        for number in (signal.SIGINT, signal.SIGTERM):
            self._previous[number] = signal.signal(number, self._request)
        return self

    def __exit__(self, *exc):
        for number, handler in self._previous.items():
            signal.signal(number, handler)

    def _request(self, number, frame):
        self.requested = True
        signal.signal(number, signal.default_int_handler if number == signal.SIGINT else signal.SIG_DFL)


def plan(examples: list[Example], schedule: Schedule) -> tuple[list[list[int]], int]:
    """Every batch the schedule trains on, in order (epochs of length-bucketed batches, cut at max_steps), and the
    number of batches in an epoch."""
    lengths = [len(e.ids) for e in examples]
    epochs = [batches_for_epoch(lengths, epoch, schedule.seed, schedule.batch_size, schedule.bucket_pool_batches)
              for epoch in range(schedule.epochs)]
    batches = [b for epoch in epochs for b in epoch]
    return (batches[: schedule.max_steps] if schedule.max_steps else batches), len(epochs[0])


def train(model, tokenizer, labels: list[str], examples: list[Example], validation: list[LabelledText], max_length: int,
          schedule: Schedule, stopping: Stopping, work: Path, log: Callable[[str], None]) -> Outcome:
    """Train `model` in place (ending on the best validated weights); raises Interrupted after checkpointing."""
    torch.manual_seed(schedule.seed)
    batches, per_epoch = plan(examples, schedule)
    total = len(batches)
    eval_every = schedule.eval_every or max(1, per_epoch // 2)
    optimizer, scheduler = optimizer_and_schedule(model, schedule.learning_rate, schedule.weight_decay,
                                                  schedule.warmup_ratio, total)
    outcome = Outcome(steps=0, total_steps=total, stopped_by="schedule", best=None)
    since_best, finished = 0, False
    checkpoint = work / CHECKPOINT
    if checkpoint.exists():
        state = load_checkpoint(checkpoint, model, optimizer, scheduler)
        outcome.steps, outcome.history, outcome.best = state["step"], state["history"], state["best"]
        outcome.train_seconds, since_best = state["train_seconds"], state["since_best"]
        outcome.stopped_by = state.get("stopped_by") or outcome.stopped_by
        finished = state.get("stopped_by") is not None
        log(f"resumed at step {outcome.steps}/{total} from {checkpoint}" + (" (training had ended)" if finished else ""))
    else:
        log(f"training {len(examples)} rows: {total} steps of {schedule.batch_size}, validating every {eval_every} steps "
            f"on {len(validation)} rows")

    def validate() -> None:
        nonlocal since_best
        if not validation:
            return
        scores = evaluate_rows(validation, torch_predictions(model, tokenizer, [r.text for r in validation], labels,
                                                             max_length), labels)
        entry = {"step": outcome.steps, "macro_recall": scores["macro_recall"], "accuracy": scores["accuracy"]}
        outcome.history.append(entry)
        if outcome.best is None or entry["macro_recall"] > outcome.best["macro_recall"]:
            outcome.best, since_best = entry, 0
            tmp = work / (BEST + ".tmp")
            torch.save(model.state_dict(), tmp)
            tmp.replace(work / BEST)
        else:
            since_best += 1
        postfix.update(validation=entry["macro_recall"], best=outcome.best["macro_recall"])
        bar.set_postfix(postfix)
        log(f"step {outcome.steps}: validation macro recall {entry['macro_recall']:.4f}, accuracy {entry['accuracy']:.4f}"
            f" (best {outcome.best['macro_recall']:.4f} at step {outcome.best['step']})")

    def save(stopped_by: str | None = None) -> None:
        save_checkpoint(checkpoint, model, optimizer, scheduler, outcome.steps, history=outcome.history, best=outcome.best,
                        since_best=since_best, train_seconds=outcome.train_seconds, total_steps=total, stopped_by=stopped_by)

    model.train()
    postfix: dict = {}  # the progress bar's loss, last validation and best validation macro recall
    bar = tqdm(total=total, initial=outcome.steps, desc="fine-tuning", unit="step", file=sys.stderr, dynamic_ncols=True)
    started = time.monotonic() - outcome.train_seconds
    with bar, StopSignals() as signals:
        if not outcome.history and outcome.steps == 0 and validation:
            validate()  # the starting point is a candidate too: training must beat it to replace it
        while outcome.steps < total and not finished:
            loss = train_step(model, optimizer, scheduler, examples, batches[outcome.steps], tokenizer.pad_token_id or 0,
                              len(labels))
            outcome.steps += 1
            outcome.train_seconds = time.monotonic() - started
            postfix["loss"] = f"{loss.item():.3f}"
            bar.set_postfix(postfix, refresh=False)
            bar.update()
            out_of_time = stopping.time_budget_s is not None and outcome.train_seconds >= stopping.time_budget_s
            if outcome.steps % eval_every == 0 or outcome.steps == total or out_of_time:
                validate()
            if outcome.steps % stopping.checkpoint_every == 0 or outcome.steps % eval_every == 0 or signals.requested:
                save()
            if signals.requested:
                raise Interrupted(outcome.steps, total)
            if out_of_time:  # named first: the budget's own validation may also have run out the patience
                outcome.stopped_by = "time budget"
                break
            if stopping.patience and since_best >= stopping.patience:
                outcome.stopped_by = "early stopping"
                break
        if not finished:
            save(outcome.stopped_by)  # an interruption during export resumes at export, not at more training
    if outcome.best is not None:
        model.load_state_dict(torch.load(work / BEST, weights_only=True))
    log(f"stopped by {outcome.stopped_by} at step {outcome.steps}/{total} after {outcome.train_seconds / 60:.1f} min"
        + (f"; keeping the weights of step {outcome.best['step']}" if outcome.best else ""))
    return outcome

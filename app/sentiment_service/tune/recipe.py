"""The training recipe of the fine-tune command (which `make model` runs) and of training/train.py (which built 2.0.0).

- Length-bucketed batches: shuffled, then sorted by length within pools of `pool_batches` batches, so short
  phrases are not padded to the length of a review; deterministic per (seed, epoch), so a resumed run sees
  exactly the batches it would have seen.
- Masked loss: a row may leave labels out of its softmax. A row from a source that never uses some of the
  model's labels (SST-2 has no neutral) is scored over the labels its source has, so it never teaches "not
  neutral"; every other row uses the ordinary cross-entropy.
- AdamW without decay on biases and LayerNorm weights, linear warm-up then linear decay to zero, gradients
  clipped to norm 1.
- Checkpoints written atomically: an interrupted save never corrupts the last good one.
"""

import random
from dataclasses import dataclass
from pathlib import Path

import torch
from transformers import get_linear_schedule_with_warmup

# A masked logit: far below any real one, yet finite, so the softmax and its gradient stay finite.
MASKED_LOGIT = -1e4


@dataclass(frozen=True)
class Example:
    """One tokenized training row: its token ids, its label's index and the label indices left out of its softmax."""

    ids: list[int]
    label: int
    left_out: tuple[int, ...] = ()


def batches_for_epoch(lengths: list[int], epoch: int, seed: int, batch_size: int, pool_batches: int) -> list[list[int]]:
    """Row indices in batches of similar length, the same for the same (seed, epoch)."""
    rng = random.Random(seed * 1000 + epoch)  # noqa: S311 - a reproducible order, not a secret
    order = list(range(len(lengths)))
    rng.shuffle(order)
    pool = batch_size * pool_batches
    batches = []
    for start in range(0, len(order), pool):
        chunk = sorted(order[start : start + pool], key=lambda i: lengths[i])
        batches += [chunk[i : i + batch_size] for i in range(0, len(chunk), batch_size)]
    rng.shuffle(batches)
    return batches


def collate(examples: list[Example], batch: list[int], pad_id: int, num_labels: int):
    """(input ids, attention mask, labels, left-out mask [batch, labels]) tensors for one batch, padded to its longest."""
    longest = max(len(examples[i].ids) for i in batch)
    ids = torch.full((len(batch), longest), pad_id, dtype=torch.long)
    mask = torch.zeros((len(batch), longest), dtype=torch.long)
    left_out = torch.zeros((len(batch), num_labels), dtype=torch.bool)
    for row, i in enumerate(batch):
        tokens = examples[i].ids
        ids[row, : len(tokens)] = torch.tensor(tokens)
        mask[row, : len(tokens)] = 1
        left_out[row, list(examples[i].left_out)] = True
    labels = torch.tensor([examples[i].label for i in batch])
    return ids, mask, labels, left_out


def masked_loss(logits: torch.Tensor, labels: torch.Tensor, left_out: torch.Tensor) -> torch.Tensor:
    """Cross-entropy with each row's left-out labels masked out of its softmax."""
    return torch.nn.functional.cross_entropy(logits.masked_fill(left_out, MASKED_LOGIT), labels)


def train_step(model: torch.nn.Module, optimizer, scheduler, examples: list[Example], batch: list[int], pad_id: int,
               num_labels: int) -> torch.Tensor:
    """One optimisation step on one batch: masked loss, backward, clipped gradients, the optimizer and schedule
    stepped; returns the batch's loss."""
    ids, mask, labels, left_out = collate(examples, batch, pad_id, num_labels)
    loss = masked_loss(model(input_ids=ids, attention_mask=mask).logits, labels, left_out)
    loss.backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
    optimizer.step()
    scheduler.step()
    optimizer.zero_grad()
    return loss


def optimizer_and_schedule(model: torch.nn.Module, learning_rate: float, weight_decay: float, warmup_ratio: float,
                           total_steps: int):
    """AdamW (no decay on biases and LayerNorm weights) and its linear warm-up and decay over total_steps."""
    no_decay = ("bias", "LayerNorm.weight")
    groups = [
        {"params": [p for n, p in model.named_parameters() if not n.endswith(no_decay)], "weight_decay": weight_decay},
        {"params": [p for n, p in model.named_parameters() if n.endswith(no_decay)], "weight_decay": 0.0},
    ]
    optimizer = torch.optim.AdamW(groups, lr=learning_rate)
    return optimizer, get_linear_schedule_with_warmup(optimizer, int(warmup_ratio * total_steps), total_steps)


def save_checkpoint(path: Path, model, optimizer, scheduler, step: int, **extra) -> None:
    """Model, optimizer and schedule state at `step` (plus anything in extra), replacing the file atomically."""
    tmp = path.with_suffix(".tmp")
    torch.save({"model": model.state_dict(), "optimizer": optimizer.state_dict(), "scheduler": scheduler.state_dict(),
                "step": step, "torch_rng": torch.get_rng_state(), **extra}, tmp)
    tmp.replace(path)


def load_checkpoint(path: Path, model, optimizer, scheduler) -> dict:
    """Restore what save_checkpoint wrote into model, optimizer and schedule; returns the whole checkpoint."""
    state = torch.load(path, weights_only=False)
    model.load_state_dict(state["model"])
    optimizer.load_state_dict(state["optimizer"])
    scheduler.load_state_dict(state["scheduler"])
    if "torch_rng" in state:
        torch.set_rng_state(state["torch_rng"])
    return state

"""Does the exported model answer as the checkpoint does? Checked before a model directory is written.

Three checks, on a built-in probe set (short and long, plain and hard texts) plus any probes the user gives:
- tokenizer parity: the exported tokenizer.json gives the token ids transformers' tokenizer gives;
- model parity: on those ids, the checkpoint in PyTorch (fp32) and the exported graph, run by the service's own
  scoring core, give the same top label and probabilities within a threshold;
- batch invariance: a text scores the same alone and inside random batches of other probes.

Thresholds (THRESHOLDS): fp32 must match within 1e-4 on every probability and on every top label; int8 within
0.10 on every probability and on at least 95% of top labels, where a probe whose two best labels the
checkpoint itself separates by less than TIE_MARGIN does not count (a flip between near-equal labels is no
disagreement of substance). Batch invariance within 1e-4 for both.
"""

import random
from dataclasses import dataclass

import numpy as np
import torch

from sentiment_service.predictor.onnx_model import probabilities_from_logits
from sentiment_service.predictor.scoring_core import ScoringCore

PROBES = [
    "I loved it.", "Terrible, a waste of money.", "The meeting is at 3 pm on Tuesday.", "not bad at all",
    "Great, another update that breaks everything.", "The checkout was quick and painless.", "meh",
    "Shares of the company rose 4% after the earnings call.", "The bank cut its growth forecast for next year.",
    "Worst customer service I have ever had, and I have had plenty.", "Absolutely fantastic performance by the whole cast!",
    "It arrived on time. It works. Nothing more to say.", "I can't believe how good this was 😍", "😡😡😡",
    "Não gostei nada do atendimento.", "Der Film war überraschend gut.", "C'était correct, sans plus.",
    "The room was clean but the staff were rude and the breakfast was cold.", "wow. just wow.", "5 stars!!!",
    "Would not recommend to anyone.", "Product description: 12 oz stainless steel tumbler, dishwasher safe.",
    "If you like slow films you might enjoy it; I did not.", "OMG best day ever", "The update fixed the crash on start.",
    ("We stayed three nights. The lobby is lovely and the location could not be better, close to the old town and "
     "the river. The staff at the desk were friendly and the room was large. Then on the second night we found "
     "bedbugs, and the manager refused a refund. The worst stay of my life.") * 3,
    "Revenue fell short of analyst expectations, sending the stock down sharply in after-hours trading.",
    "I have no strong feelings about this one way or the other.", "Thanks for nothing.", "Could be better, could be worse.",
]
TIE_MARGIN = 0.02
INVARIANCE_LIMIT = 1e-4


@dataclass(frozen=True)
class Thresholds:
    min_agreement: float
    max_abs_diff: float


THRESHOLDS = {"fp32": Thresholds(min_agreement=1.0, max_abs_diff=1e-4), "int8": Thresholds(min_agreement=0.95, max_abs_diff=0.10)}


def reference_logits(model: torch.nn.Module, inputs: list[str], ids: list[list[int]]) -> np.ndarray:
    """The checkpoint's logits, one text at a time (no padding), float64."""
    rows = []
    with torch.no_grad():
        for one in ids:
            tensor = torch.tensor([one], dtype=torch.long)
            feeds = {"input_ids": tensor, "attention_mask": torch.ones_like(tensor), "token_type_ids": torch.zeros_like(tensor)}
            rows.append(model(*(feeds[name] for name in inputs))[0][0].double().numpy())
    return np.stack(rows)


def batch_invariance(core: ScoringCore, ids: list[list[int]], seed: int = 0, rounds: int = 3) -> float:
    """Largest |p(text alone) - p(text in a batch)| over every text, in random batches of 1-32 of the others."""
    alone = [core.probabilities_in_one_call([one])[0] for one in ids]
    rng = random.Random(seed)  # noqa: S311 - a reproducible choice of batches, not a secret
    worst = 0.0
    for _ in range(rounds):
        order = list(range(len(ids)))
        rng.shuffle(order)
        start = 0
        while start < len(order):
            members = order[start : start + rng.randint(1, 32)]
            start += len(members)
            probabilities = core.probabilities_in_one_call([ids[i] for i in members])
            worst = max([worst] + [float(np.abs(p - alone[i]).max()) for i, p in zip(members, probabilities)])
    return worst


def verify(model: torch.nn.Module, inputs: list[str], hf_tokenizer, core: ScoringCore, texts: list[str],
           limits: Thresholds) -> dict:
    """The verification report: each measure, its threshold, and whether the export passes."""
    exported_ids = [e.ids for e in core.encode(texts)]
    hf_ids = hf_tokenizer(texts, truncation=True, max_length=core.info.max_length)["input_ids"]
    tokenizer_agreement = float(np.mean([a == list(b) for a, b in zip(exported_ids, hf_ids)]))
    multi_label = core.info.multi_label
    expected = probabilities_from_logits(reference_logits(model, inputs, exported_ids), 1.0, multi_label)
    got = probabilities_from_logits(core.logits(exported_ids), 1.0, multi_label)
    ranked = np.sort(expected, axis=1)
    decided = ranked[:, -1] - (ranked[:, -2] if ranked.shape[1] > 1 else 0) >= TIE_MARGIN
    same_top = expected.argmax(axis=1) == got.argmax(axis=1)
    agreement = float(same_top[decided].mean()) if decided.any() else 1.0
    max_abs_diff = float(np.abs(expected - got).max())
    invariance = batch_invariance(core, exported_ids)
    failures = []
    if tokenizer_agreement < 1.0:
        failures.append(f"the exported tokenizer gives other token ids than transformers' on {1 - tokenizer_agreement:.0%} of probes")
    if agreement < limits.min_agreement:
        failures.append(f"top-label agreement {agreement:.3f} < {limits.min_agreement}")
    if max_abs_diff > limits.max_abs_diff:
        failures.append(f"largest probability difference {max_abs_diff:.2e} > {limits.max_abs_diff:.0e}")
    if invariance > INVARIANCE_LIMIT:
        failures.append(f"batch invariance {invariance:.2e} > {INVARIANCE_LIMIT:.0e}")
    return {
        "probes": len(texts), "tokenizer_agreement": tokenizer_agreement,
        "top_label_agreement": round(agreement, 4), "decided_probes": int(decided.sum()),
        "max_abs_probability_diff": max_abs_diff, "batch_invariance_max_abs_diff": invariance,
        "thresholds": {"min_agreement": limits.min_agreement, "max_abs_diff": limits.max_abs_diff,
                       "batch_invariance": INVARIANCE_LIMIT, "tie_margin": TIE_MARGIN},
        "passed": not failures, "failures": failures,
    }

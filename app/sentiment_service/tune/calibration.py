"""The softmax temperature a fine-tuned model is served with, fitted on its validation rows.

A fine-tune sharpens a model: its top probability runs ahead of how often it is right. The service divides the
logits by the manifest's `temperature` before the softmax, so one number fitted on rows the model did not train
on (least negative log-likelihood over a grid) makes its probabilities calibrated where those rows come from. A
row of a `--partial` file counts over its own labels only, as it was trained.
"""

import numpy as np

from sentiment_service.tune.labelled import LabelledText

GRID = np.round(np.arange(0.5, 4.0001, 0.01), 2)
# Logits of labels a row leaves out: far below any real one, so they take no probability.
_LEFT_OUT = -1e4


def negative_log_likelihood(logits: np.ndarray, gold: np.ndarray, temperature: float) -> float:
    z = logits / temperature
    z = z - z.max(axis=1, keepdims=True)
    log_probabilities = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
    return float(-log_probabilities[np.arange(len(gold)), gold].mean())


def fit_temperature(logits: np.ndarray, gold: np.ndarray, left_out: list[tuple[int, ...]]) -> dict:
    """{"value", "rows", "nll_at_1", "nll"}: the grid's temperature of least NLL, and the NLL before and after."""
    masked = np.array(logits, dtype=np.float64)
    for row, labels in enumerate(left_out):
        masked[row, list(labels)] = _LEFT_OUT
    losses = [negative_log_likelihood(masked, gold, t) for t in GRID]
    best = int(np.argmin(losses))
    return {"value": float(GRID[best]), "rows": len(gold), "nll_at_1": round(negative_log_likelihood(masked, gold, 1.0), 4),
            "nll": round(losses[best], 4)}


def fitted_on(core, rows: list[LabelledText], labels: list[str], left_out: list[tuple[int, ...]]) -> dict:
    """fit_temperature() on a model directory's scoring core (first window of each text, as its logits come)."""
    logits = core.logits([encoded.ids for encoded in core.encode([r.text for r in rows])])
    return fit_temperature(logits, np.array([labels.index(r.label) for r in rows]), left_out)

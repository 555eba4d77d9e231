"""The fine-tune's temperature: least NLL on validation rows, a row of a --partial file over its own labels."""

import numpy as np
import pytest

from sentiment_service.tune.calibration import fit_temperature, negative_log_likelihood


def overconfident(rows: int, right: float, scale: float, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Three-way logits whose top label is right `right` of the time, `scale` sharper than that deserves."""
    rng = np.random.default_rng(seed)
    gold = rng.integers(0, 3, rows)
    top = np.where(rng.random(rows) < right, gold, (gold + rng.integers(1, 3, rows)) % 3)
    logits = np.zeros((rows, 3))
    logits[np.arange(rows), top] = scale
    return logits, gold


def test_an_overconfident_model_gets_a_temperature_above_one_that_lowers_its_nll():
    logits, gold = overconfident(2000, right=0.8, scale=6.0)
    fitted = fit_temperature(logits, gold, [()] * len(gold))
    assert fitted["value"] > 1.5 and fitted["nll"] < fitted["nll_at_1"]
    # A top probability of 0.8 needs exp(6 / T) = 0.8 / 0.1 for the two other labels' 0.1 each.
    assert fitted["value"] == pytest.approx(6 / np.log(8), abs=0.05)


def test_an_underconfident_model_gets_one_below_one():
    logits, gold = overconfident(2000, right=0.95, scale=1.0)
    assert fit_temperature(logits, gold, [()] * len(gold))["value"] < 1.0


def test_a_left_out_label_takes_no_probability():
    logits = np.array([[0.0, 5.0, 1.0]])  # the neutral logit is the largest, but this row has no neutral
    masked = fit_temperature(logits, np.array([2]), [(1,)])
    assert masked["nll_at_1"] == pytest.approx(negative_log_likelihood(np.array([[0.0, 1.0]]), np.array([1]), 1.0), abs=1e-4)

"""The shape-aware cost model: it learns what calls of each shape cost, the quadratic part included, and prices
a job by splitting it into calls as the scoring core does."""

import random

import numpy as np
import pytest

from sentiment_service.predictor.call_budget import CallBudget, chunk_by_budget
from sentiment_service.predictor.cost_model import PRIOR, CostModel, call_features

# A machine whose calls cost 1 ms each, 50 ms per thousand padded tokens, and whose attention costs as much again
# at 256 tokens: a different balance from the prior's, so the fit has to learn the shape.
TRUTH = np.array([1e-3, 0.05, 0.05])


def true_s(texts: int, length: int) -> float:
    return float(call_features(texts, length) @ TRUTH)


def train(model: CostModel, shapes, cycles: int, rng: random.Random) -> None:
    for _ in range(cycles):
        calls = [rng.choice(shapes) for _ in range(rng.randint(1, 3))]
        model.observe(sum(true_s(n, length) for n, length in calls), calls)


SHORT = [(64, 16), (32, 24), (64, 32), (16, 12)]
LONG = [(8, 256), (7, 256), (4, 200), (8, 240)]


@pytest.mark.parametrize("texts, length", [(64, 16), (8, 256), (1, 10), (16, 128)])
def test_after_mixed_cycles_every_shape_is_priced_within_10_percent(texts, length):
    model = CostModel()
    train(model, SHORT + LONG + [(16, 128), (1, 10)], 200, random.Random(3))
    # Within 10%, or a millisecond for a call that costs about that much in all.
    assert model.call_s(texts, length) == pytest.approx(true_s(texts, length), rel=0.10, abs=1e-3)


def test_long_calls_cost_more_per_token_than_short_ones():
    model = CostModel()
    train(model, SHORT + LONG, 200, random.Random(4))
    per_token_long = model.call_s(8, 256) / (8 * 256)
    per_token_short = model.call_s(64, 16) / (64 * 16)
    assert per_token_long > 1.5 * per_token_short


def test_a_machine_slower_in_every_shape_is_followed_even_for_shapes_not_seen():
    model = CostModel()
    rng = random.Random(5)
    for _ in range(100):  # only short calls, on a machine three times slower than the prior
        texts, length = rng.choice(SHORT)
        model.observe(3 * float(call_features(texts, length) @ PRIOR), [(texts, length)])
    assert model.call_s(8, 256) == pytest.approx(3 * float(call_features(8, 256) @ PRIOR), rel=0.25)


@pytest.mark.parametrize("lengths, within", [
    ([256] * 16 + [12] * 40, 0.0), ([40, 18, 240, 97, 13, 256, 66] * 20, 0.0), ([7], 0.0),
    ([40, 18, 240, 97, 13, 256, 66] * 100, 0.12),  # past EXACT_INPUTS: the greedy split, a slight overestimate
])
def test_a_job_is_priced_as_the_calls_the_scoring_core_makes(lengths, within):
    budget = CallBudget(max_texts=64, max_tokens=2048)
    model = CostModel(budget)
    calls = chunk_by_budget(lengths, budget.max_texts, budget.max_tokens)
    expected = sum(model.call_s(len(call), max(lengths[i] for i in call)) for call in calls)
    assert expected <= model.predict_s(lengths) <= expected * (1 + within) + 1e-12
    assert model.predict_s([]) == 0.0

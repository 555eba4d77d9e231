"""What an inference call costs, from its shape, learned online from how fast this worker's batcher works.

A call of n texts padded to length L costs a fixed overhead, a part linear in its padded tokens (n x L: the
projections and feed-forward layers) and a part that grows with n x L^2 (attention: every token against every
other). Pricing padded tokens alone undercounts long texts: a 256-token review costs more per token than a
16-token sentence, so a queue of reviews used to be predicted shorter than it was.

The three coefficients are fitted by exponentially weighted least squares over the batcher's cycles (wall-clock
time, so the GIL and the CPU that request threads take count too), held towards the prior's shape scaled to this
machine's speed (one factor, followed as the old model followed its seconds per token), so that a few cycles of
one shape cannot make the others' price nonsense. A job is priced by splitting its inputs into calls as the
scoring core does (chunk_by_budget) and adding up the calls; past EXACT_INPUTS inputs, greedily in length order,
which costs a fraction of the time (it runs before every admission) and overestimates by up to about a tenth.
"""

import threading

import numpy as np

from sentiment_service.predictor.call_budget import CallBudget, chunk_by_budget

# Feature scales, so that the three features of a typical call are of the same order (the fit is better
# conditioned): a call, a thousand padded tokens, a thousand padded tokens at length 256.
_SCALE = np.array([1.0, 1e-3, 1e-3 / 256])
# Seconds per unit of each feature before the first measurement, the shipped int8 model on one AVX2 core: 0.6 ms
# a call, 70 ms per thousand padded tokens, and attention adding about a third of that at 256 tokens.
PRIOR = np.array([6e-4, 0.07, 0.02])
# How fast the fit follows new cycles: each older cycle counts 5% less, so about the last 20 cycles count.
FORGETTING = 0.95
# Jobs of up to this many inputs are priced with the scoring core's own split (a few milliseconds at most).
EXACT_INPUTS = 512
# The prior's weight against the cycles' (a share of their mean squared feature): enough to keep shapes not seen
# lately near their prior price, little enough that a few cycles of every shape outweigh it.
PRIOR_WEIGHT = 0.02


def call_features(texts: int, padded_length: int) -> np.ndarray:
    """A call's shape as the features its cost is linear in: 1, n x L and n x L^2 (scaled)."""
    tokens = texts * padded_length
    return np.array([1.0, tokens, tokens * padded_length]) * _SCALE


class CostModel:
    """Predicted seconds of batcher time for inputs of given token counts."""

    def __init__(self, budget: CallBudget | None = None, prior: np.ndarray = PRIOR):
        self.budget = budget or CallBudget()
        self._prior = np.asarray(prior, dtype=float)
        self._gram = np.zeros((3, 3))
        self._moment = np.zeros(3)
        # How much slower (or faster) than the prior this machine is, whatever the shape.
        self.speed_factor = 1.0
        self.coefficients = self._prior.copy()
        self._lock = threading.Lock()

    def call_s(self, texts: int, padded_length: int) -> float:
        return float(call_features(texts, padded_length) @ self.coefficients)

    def predict_s(self, lengths: list[int]) -> float:
        """Seconds to score inputs of these token counts, in length-sorted calls within the budget."""
        if len(lengths) <= EXACT_INPUTS:
            calls = chunk_by_budget(lengths, self.budget.max_texts, self.budget.max_tokens)
            return sum(self.call_s(len(call), max(lengths[i] for i in call)) for call in calls)
        total, count, longest = 0.0, 0, 0
        for length in sorted(lengths, reverse=True):
            if count and (count == self.budget.max_texts or (count + 1) * longest > self.budget.max_tokens):
                total += self.call_s(count, longest)
                count = 0
            longest = length if count == 0 else longest
            count += 1
        return total + (self.call_s(count, longest) if count else 0.0)

    def observe(self, busy_s: float, calls: list[tuple[int, int]]) -> None:
        """One batcher cycle took busy_s seconds of wall time for these calls, each (texts, padded length)."""
        if busy_s <= 0 or not calls:
            return
        features = sum(call_features(texts, length) for texts, length in calls)
        with self._lock:
            self.speed_factor += (1 - FORGETTING) * (busy_s / float(features @ self._prior) - self.speed_factor)
            self._gram = FORGETTING * self._gram + np.outer(features, features)
            self._moment = FORGETTING * self._moment + features * busy_s
            # Ridge towards the prior at this machine's speed: the fit where the cycles say nothing (a shape not
            # seen lately).
            weight = PRIOR_WEIGHT * max(float(np.trace(self._gram)) / 3, 1e-12)
            target = self.speed_factor * self._prior
            solved = np.linalg.solve(self._gram + weight * np.eye(3), self._moment + weight * target)
            # A negative price is an artefact of few shapes: no part of a call can save time.
            self.coefficients = np.maximum(solved, 0.0)

"""Admission control: admit a request only if it can be scored before its deadline.

Work is counted in what it costs, not in requests: a cost model turns a job's token counts into
predicted seconds, learned from how fast this worker's batcher actually drains its queue (wall-clock
time, so it includes the GIL and the CPU that request threads take). A request is refused at once
when the work already waiting plus its own would overrun the deadline.
"""

import math
import threading

from sentiment_service.predictor.call_budget import CALL_OVERHEAD_TOKENS

# Seconds per padded token before the first measurement: the shipped int8 model on one AVX2 core.
INITIAL_SECONDS_PER_TOKEN = 7e-5
# How fast the estimate follows new measurements: about the last 20 inference cycles count.
SMOOTHING = 0.05
# English averages about 4 characters per WordPiece token: enough to refuse a request before paying for
# its tokenization, which for a batch of long reviews costs more than the refusal itself.
CHARS_PER_TOKEN = 4

# Admit while the predicted wait is within this share of the deadline, so that the error of the
# prediction is absorbed before the deadline and an admitted request is answered, not dropped.
DEADLINE_SHARE = 0.8


class CostModel:
    """Predicted seconds of batcher time for a job of texts with the given token counts."""

    def __init__(self, seconds_per_token: float = INITIAL_SECONDS_PER_TOKEN):
        self.seconds_per_token = seconds_per_token
        self._lock = threading.Lock()

    def predict_s(self, lengths: list[int]) -> float:
        # A job's texts are padded to their chunk's longest and pay a per-call cost; sorting by length keeps
        # padding small, and one call's overhead per job is a slight overestimate when jobs coalesce.
        return self.seconds_per_token * (sum(lengths) + CALL_OVERHEAD_TOKENS)

    def observe(self, busy_s: float, padded_tokens: int, calls: int) -> None:
        """One batcher cycle took busy_s seconds of wall time for this many padded tokens and calls."""
        work = padded_tokens + CALL_OVERHEAD_TOKENS * calls
        if work <= 0 or busy_s <= 0:
            return
        with self._lock:
            self.seconds_per_token += SMOOTHING * (busy_s / work - self.seconds_per_token)


def estimated_tokens(text: str, max_length: int, *, whole: bool = False, sentences: bool = False) -> int:
    """A text's token count before tokenizing it: its length in characters over 4, within the model's window
    unless it is read whole; each sentence scored on its own reads the text once more."""
    tokens = len(text) // CHARS_PER_TOKEN + 2
    return (tokens if whole else min(max_length, tokens)) + (tokens if sentences else 0)


def retry_after_s(backlog_s: float) -> int:
    """Whole seconds until the work now waiting is done: what a refused client should wait."""
    return max(1, math.ceil(backlog_s))


class WaitingRequests:
    """Requests waiting on any model's batcher in one worker: each holds a request thread. With several models
    (MODELS_DIR) their batchers share this count, so together they leave the worker its reserve of threads."""

    def __init__(self):
        self._count = 0
        self._lock = threading.Lock()

    @property
    def count(self) -> int:
        return self._count

    def add(self, requests: int) -> None:
        with self._lock:
            self._count += requests


def refusal_reason(*, backlog_s: float, cost_s: float, deadline_s: float, waiting_requests: int,
                   max_waiting_requests: int, queued_texts: int, texts: int, max_queued_texts: int,
                   worker_waiting_requests: int | None = None) -> str | None:
    """Why a job must be refused now, or None to admit it. An idle model admits anything.

    `waiting_requests` are this model's; `worker_waiting_requests` every model's in the worker (the same number
    when it serves one), which the thread reserve is counted against."""
    if waiting_requests == 0:
        return None
    if (waiting_requests if worker_waiting_requests is None else worker_waiting_requests) >= max_waiting_requests:
        return "threads"  # keep request threads free to answer probes and refusals at once
    if queued_texts + texts > max_queued_texts:
        return "queue_texts"
    if backlog_s + cost_s > deadline_s * DEADLINE_SHARE:
        return "deadline"
    return None

"""Admission control: admit a request only if it can be answered in time.

Work is counted in what it costs, not in requests: the cost model (cost_model.py) turns a job's inputs into
predicted seconds from the shapes of the calls they make, learned from how fast this worker's batcher actually
works, and the lanes (lanes.py) say when a job admitted now would be answered. A request is refused at once
when that is later than its lane allows; the reasons are below.
"""

import math
import threading

# English averages about 4 characters per WordPiece token: enough to refuse a request before paying for
# its tokenization, which for a batch of long reviews costs more than the refusal itself.
CHARS_PER_TOKEN = 4

# Admit while the predicted answer is within this share of the deadline, so that the error of the
# prediction is absorbed before the deadline and an admitted request is answered, not dropped.
DEADLINE_SHARE = 0.8


def estimated_tokens(text: str, max_length: int, *, whole: bool = False, sentences: bool = False) -> int:
    """A text's token count before tokenizing it: its length in characters over 4, within the model's window
    unless it is read whole; each sentence scored on its own reads the text once more."""
    tokens = len(text) // CHARS_PER_TOKEN + 2
    return (tokens if whole else min(max_length, tokens)) + (tokens if sentences else 0)


def estimated_windows(text: str, max_length: int, *, whole: bool = False, sentences: bool = False) -> list[int]:
    """The token counts of a text's inputs before tokenizing it: estimated_tokens() cut into windows of the
    model's length, as a long text read whole is."""
    tokens = estimated_tokens(text, max_length, whole=whole, sentences=sentences)
    return [max_length] * (tokens // max_length) + ([tokens % max_length] if tokens % max_length else [])


# A JSON body holds at least one character of text per this many bytes: "\u00e9" spells one in six.
MAX_BYTES_PER_CHAR = 6
# Bytes of a body that are not text at worst: keys, quotes, brackets, other fields.
BODY_OVERHEAD_BYTES = 256


def minimum_windows(body_bytes: int, max_length: int, max_text_chars: int) -> list[int]:
    """The fewest and shortest inputs a JSON body of this size can cost, whatever it says: its text split into as
    few texts as MAX_TEXT_CHARS allows, each read as its first window only. What Content-Length alone proves."""
    chars = max(0, body_bytes - BODY_OVERHEAD_BYTES) // MAX_BYTES_PER_CHAR
    if chars == 0:
        return []
    texts = -(-chars // max_text_chars)
    return [min(max_length, chars // texts // CHARS_PER_TOKEN + 2)] * texts


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


def refusal_reason(*, predicted_s: float, limit_s: float, waiting_requests: int, max_waiting_requests: int,
                   queued_texts: int, texts: int, max_queued_texts: int,
                   worker_waiting_requests: int | None = None) -> str | None:
    """Why a job must be refused now, or None to admit it. An idle model admits anything.

    `predicted_s`: when the job would be answered (lanes.py); `limit_s`: the latest its lane admits.
    `waiting_requests` are this model's; `worker_waiting_requests` every model's in the worker (the same number
    when it serves one), which the thread reserve is counted against."""
    if waiting_requests == 0:
        return None
    if (waiting_requests if worker_waiting_requests is None else worker_waiting_requests) >= max_waiting_requests:
        return "threads"  # keep request threads free to answer probes and refusals at once
    if queued_texts + texts > max_queued_texts:
        return "queue_texts"
    if predicted_s > limit_s:
        return "deadline"
    return None

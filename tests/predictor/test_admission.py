"""Admission control: the cost model learns from the batcher, and refusals come with the right reason."""

import contextlib
import threading
import time

import pytest

from sentiment_service.predictor.admission import WaitingRequests, refusal_reason, retry_after_s
from sentiment_service.predictor.call_budget import CallBudget
from sentiment_service.predictor.contract import Overloaded
from sentiment_service.predictor.limits import ServingLimits
from sentiment_service.predictor.micro_batcher import MicroBatcher
from sentiment_service.predictor.observer import NullObserver
from tests.predictor.test_micro_batcher import SlowModel, make


def submit_quietly(batcher, texts):
    """For background jobs whose outcome the test does not check."""
    with contextlib.suppress(Exception):
        batcher.submit(texts)


IDLE = dict(predicted_s=0.1, limit_s=0.8, waiting_requests=0, max_waiting_requests=4,
            queued_texts=0, texts=1, max_queued_texts=10)


def test_an_idle_worker_admits_anything_even_a_job_longer_than_the_deadline():
    assert refusal_reason(**{**IDLE, "predicted_s": 50.0, "texts": 500}) is None


@pytest.mark.parametrize("change, reason", [
    ({"predicted_s": 0.85}, "deadline"),     # answered later than its lane admits
    ({"waiting_requests": 4}, "threads"),
    ({"queued_texts": 10}, "queue_texts"),
])
def test_busy_worker_refuses_with_a_reason(change, reason):
    assert refusal_reason(**{**IDLE, "waiting_requests": 1, **change}) == reason


def test_busy_worker_admits_what_fits():
    assert refusal_reason(**{**IDLE, "waiting_requests": 1, "predicted_s": 0.5}) is None


def test_retry_after_reflects_the_backlog():
    assert retry_after_s(0.0) == 1 and retry_after_s(3.2) == 4


def test_batcher_refuses_at_once_when_the_predicted_wait_passes_the_deadline():
    model = SlowModel(delay=0.2)
    batcher = make(model, deadline_s=1.0)
    for _ in range(30):  # teach the cost model that a short text costs about 0.2 s here
        batcher.submit(["warm"])
    model.release.clear()
    threads = [threading.Thread(target=submit_quietly, args=(batcher, ["x"]), daemon=True) for _ in range(8)]
    for t in threads:
        t.start()
    time.sleep(0.1)
    started = time.monotonic()
    with pytest.raises(Overloaded) as refused:
        batcher.submit(["one too many"])
    assert time.monotonic() - started < 0.05
    assert refused.value.reason == "deadline" and refused.value.retry_after_s >= 1
    model.release.set()
    for t in threads:
        t.join(5)
    batcher.close()


def test_batcher_keeps_request_threads_free():
    model = SlowModel()
    model.release.clear()
    batcher = make(model, max_waiting_requests=2)
    threads = [threading.Thread(target=submit_quietly, args=(batcher, [f"t{i}"]), daemon=True) for i in range(2)]
    for t in threads:
        t.start()
    time.sleep(0.1)
    with pytest.raises(Overloaded) as refused:
        batcher.submit(["third"])
    assert refused.value.reason == "threads"
    model.release.set()
    batcher.close()


def test_the_thread_reserve_counts_every_models_waiting_requests():
    assert refusal_reason(**{**IDLE, "waiting_requests": 1, "worker_waiting_requests": 4}) == "threads"
    assert refusal_reason(**{**IDLE, "waiting_requests": 1, "worker_waiting_requests": 3}) is None
    # A model with nothing waiting still admits: the reserve gives way by at most one request per model.
    assert refusal_reason(**{**IDLE, "waiting_requests": 0, "worker_waiting_requests": 4}) is None


def wait_for(condition, timeout_s=10.0):
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, "the state was never reached"
        time.sleep(0.01)


def test_two_models_batchers_share_one_worker_thread_reserve():
    shared = WaitingRequests()
    limits = ServingLimits(call_budget=CallBudget(64, 10_000), max_queued_texts=100, deadline_s=5.0, max_waiting_requests=3)
    first, second = SlowModel(), SlowModel()
    batchers = [MicroBatcher(model, limits, NullObserver(), shared) for model in (first, second)]
    for model in (first, second):
        model.release.clear()
    for batcher in batchers:
        batcher.start()
    blocked = [threading.Thread(target=submit_quietly, args=(batchers[0], [f"t{i}"]), daemon=True) for i in range(2)]
    blocked.append(threading.Thread(target=submit_quietly, args=(batchers[1], ["other model"]), daemon=True))
    for thread in blocked:
        thread.start()
    wait_for(lambda: shared.count == 3)
    # The second model has one request waiting, below its limit of 3; the worker's three are not.
    with pytest.raises(Overloaded) as refused:
        batchers[1].submit(["one too many"])
    assert refused.value.reason == "threads"
    for model in (first, second):
        model.release.set()
    for thread in blocked:
        thread.join(5)
    assert shared.count == 0
    for batcher in batchers:
        batcher.close()

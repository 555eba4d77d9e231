"""Micro-batching: coalescing, per-job errors, backpressure and deadlines."""

import threading
import time

import pytest

from sentiment_service.predictor.call_budget import CallBudget
from sentiment_service.predictor.contract import DeadlineExceeded, InvalidText, ModelInfo, NotReady, Overloaded, Prediction
from sentiment_service.predictor.limits import ServingLimits
from sentiment_service.predictor.micro_batcher import MicroBatcher
from sentiment_service.predictor.observer import NullObserver
from sentiment_service.predictor.onnx_model import Encoded
from sentiment_service.predictor.reading import TextPlan


class SlowModel:
    """Stands in for the scoring core: records how many texts each scoring cycle got; each takes `delay` seconds."""

    info = ModelInfo("slow", "1", ("negative", "positive"), 16)

    def __init__(self, delay=0.05):
        self.delay, self.batches, self.release = delay, [], threading.Event()
        self.release.set()

    def plan(self, texts, long_text="document", sentences=False):
        for i, t in enumerate(texts):
            if t == "BAD":
                raise InvalidText("bad", i)
        return [TextPlan(Encoded([1] * (len(t) + 2), False)) for t in texts]

    def score_plans(self, plans, on_call=None):
        self.release.wait()
        time.sleep(self.delay)
        self.batches.append(len(plans))
        if on_call is not None:
            on_call(len(plans), len(plans) * max(len(p.whole.ids) for p in plans), self.delay)
        return [Prediction("positive", 0.75, {"negative": 0.25, "positive": 0.75}, p.whole.truncated) for p in plans]


def make(model, max_texts=64, **overrides):
    limits = {"wait_s": 0.0, "max_queued_texts": 100, "deadline_s": 5.0, **overrides}
    batcher = MicroBatcher(model, ServingLimits(call_budget=CallBudget(max_texts, 10_000), **limits), NullObserver())
    batcher.start()
    return batcher


def in_threads(fn, count):
    results, threads = [None] * count, []
    for i in range(count):
        def run(i=i):
            try:
                results[i] = fn(i)
            except Exception as exc:
                results[i] = exc
        threads.append(threading.Thread(target=run))
        threads[-1].start()
    for t in threads:
        t.join(10)
    return results


def test_concurrent_requests_are_coalesced():
    model = SlowModel()
    batcher = make(model)
    results = in_threads(lambda i: batcher.submit([f"text {i}"]), 16)
    assert all(r[0].label == "positive" for r in results)
    assert len(model.batches) < 16 and sum(model.batches) == 16
    batcher.close()


def test_a_bad_job_fails_alone():
    batcher = make(SlowModel())
    results = in_threads(lambda i: batcher.submit(["BAD"] if i == 3 else ["fine"]), 8)
    assert isinstance(results[3], InvalidText)
    assert all(not isinstance(r, Exception) for i, r in enumerate(results) if i != 3)
    batcher.close()


def test_full_queue_is_refused_at_once():
    model = SlowModel()
    model.release.clear()  # the model blocks, so the queue fills
    batcher = make(model, max_queued_texts=5)  # texts being scored count too: 1 + 2 + 2
    threading.Thread(target=batcher.submit, args=(["a"],), daemon=True).start()
    time.sleep(0.1)  # that one is now inside the model
    waiting = [threading.Thread(target=batcher.submit, args=(["b", "c"],), daemon=True) for _ in range(2)]
    for t in waiting:
        t.start()
    time.sleep(0.1)
    started = time.monotonic()
    with pytest.raises(Overloaded):
        batcher.submit(["d"])
    assert time.monotonic() - started < 0.05
    model.release.set()
    batcher.close()


def test_jobs_past_their_deadline_are_not_run():
    model = SlowModel(delay=0.3)
    batcher = make(model, deadline_s=0.1, max_texts=1)
    results = in_threads(lambda i: batcher.submit([f"t{i}"]), 3)
    assert any(isinstance(r, DeadlineExceeded) for r in results)
    assert sum(model.batches) < 3
    batcher.close()


def test_closed_batcher_refuses_new_work():
    batcher = make(SlowModel())
    batcher.close()
    with pytest.raises(NotReady):
        batcher.submit(["late"])

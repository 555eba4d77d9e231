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


class RecordingModel(SlowModel):
    """Records the texts of every scoring cycle, in order, and says when the first cycle has started."""

    def __init__(self, delay=0.01):
        super().__init__(delay)
        self.cycles: list[int] = []
        self.entered = threading.Event()

    def score_plans(self, plans, on_call=None):
        self.entered.set()
        self.cycles.append(len(plans))
        return super().score_plans(plans, on_call)


def wait_for(condition, timeout_s=10.0):
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, "the state was never reached"
        time.sleep(0.005)


REVIEW = "r" * 200  # 202 tokens to the stand-in tokenizer: eight of them are one call of the budget below


def test_a_sentence_waits_for_one_call_of_a_review_batch_not_for_the_batch():
    model = RecordingModel()
    model.release.clear()
    batcher = make(model, max_texts=8)
    heavy = threading.Thread(target=batcher.submit, args=([REVIEW] * 64,), daemon=True)
    heavy.start()
    model.entered.wait(10)  # the batch's first call is being scored
    light = in_thread(lambda: batcher.submit(["a sentence"]))
    wait_for(lambda: batcher._waiting_jobs == 2)
    model.release.set()
    heavy.join(10)
    light.join(10)
    # Eight calls of 8 reviews and one of the sentence, which went second, not ninth.
    assert sorted(model.cycles) == [1] + [8] * 8 and model.cycles[1] == 1
    batcher.close()


def test_a_review_batch_is_not_starved_by_a_stream_of_sentences():
    model = RecordingModel()
    batcher = make(model, max_texts=8, max_queued_texts=1000)
    stop = threading.Event()

    def sentences():
        while not stop.is_set():
            batcher.submit(["a sentence"])

    streams = [in_thread(sentences) for _ in range(4)]
    wait_for(lambda: len(model.cycles) > 20)
    answer = batcher.submit([REVIEW] * 32)  # admitted while the stream goes on, and answered
    stop.set()
    for stream in streams:
        stream.join(10)
    assert len(answer) == 32
    batcher.close()


def in_thread(fn) -> threading.Thread:
    thread = threading.Thread(target=fn, daemon=True)
    thread.start()
    return thread

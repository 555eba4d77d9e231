"""Dynamic micro-batching: concurrent requests in one worker share one inference call.

One thread owns the model. Request threads enqueue jobs and wait on a future. The batcher takes every
job already queued (never waiting when the queue is empty), optionally waits `wait_s` for more once it
has company, then scores all their texts in length-sorted chunks under a token budget. Errors stay
with the job that caused them.
"""

import threading
import time
from collections import deque
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass, field

from sentiment_service.predictor.batching import chunk_by_budget
from sentiment_service.predictor.contract import DeadlineExceeded, InvalidText, NotReady, Overloaded, Prediction
from sentiment_service.predictor.engine import Encoded, SentimentModel
from sentiment_service.predictor.limits import BatchLimits
from sentiment_service.predictor.observer import InferenceObserver


@dataclass
class _Job:
    texts: list[str]
    deadline: float
    enqueued: float = field(default_factory=time.monotonic)
    future: Future = field(default_factory=Future)


class MicroBatcher:
    def __init__(self, model: SentimentModel, limits: BatchLimits, observer: InferenceObserver):
        self.model = model
        self.limits = limits
        self.observer = observer
        self._queue: deque[_Job] = deque()
        self._queued_texts = 0
        self._closed = False
        self._cond = threading.Condition()
        self._thread = threading.Thread(target=self._run, name="micro-batcher", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def submit(self, texts: list[str]) -> list[Prediction]:
        """Queue texts and wait for their predictions; raises Overloaded, DeadlineExceeded, NotReady."""
        deadline_s = self.limits.deadline_s
        job = _Job(texts, deadline=time.monotonic() + deadline_s)
        with self._cond:
            if self._closed:
                raise NotReady("worker is shutting down")
            if self._queued_texts + len(texts) > self.limits.max_queued_texts and self._queue:
                raise Overloaded(f"queue full ({self._queued_texts} texts waiting in this worker)")
            self._queue.append(job)
            self._queued_texts += len(texts)
            self._cond.notify()
        try:
            # Past the queue deadline the batcher drops the job; the extra time bounds a hung inference.
            return job.future.result(timeout=deadline_s * 2)
        except FutureTimeout:
            raise DeadlineExceeded(f"no answer within {deadline_s * 2:.1f}s") from None

    def close(self, timeout_s: float = 30.0) -> None:
        """Refuse new jobs, finish the queued ones, stop the thread."""
        with self._cond:
            self._closed = True
            self._cond.notify_all()
        if self._thread.is_alive():
            self._thread.join(timeout_s)

    def _take(self) -> list[_Job] | None:
        with self._cond:
            while not self._queue and not self._closed:
                self._cond.wait()
            if not self._queue:
                return None
            jobs = [self._queue.popleft()]
            self._fill(jobs)
            # Wait for stragglers only when others arrived together: a lone request never waits.
            if self.limits.wait_s and len(jobs) > 1:
                self._cond.wait(self.limits.wait_s)
                self._fill(jobs)
            self._queued_texts -= sum(len(j.texts) for j in jobs)
            return jobs

    def _fill(self, jobs: list[_Job]) -> None:
        count = sum(len(j.texts) for j in jobs)
        while self._queue and count + len(self._queue[0].texts) <= self.limits.max_texts:
            job = self._queue.popleft()
            jobs.append(job)
            count += len(job.texts)

    def _run(self) -> None:
        while (jobs := self._take()) is not None:
            try:
                self._score(jobs)
            except Exception as exc:  # never let one bad batch kill the thread that serves the worker
                for job in jobs:
                    if not job.future.done():
                        job.future.set_exception(exc)

    def _score(self, jobs: list[_Job]) -> None:
        now = time.monotonic()
        live: list[tuple[_Job, list[Encoded]]] = []
        started = time.perf_counter()
        for job in jobs:
            self.observer.queued(now - job.enqueued)
            if now > job.deadline:
                job.future.set_exception(DeadlineExceeded(f"waited {now - job.enqueued:.2f}s in the queue"))
                continue
            try:
                live.append((job, self.model.encode(job.texts)))
            except InvalidText as exc:
                job.future.set_exception(exc)
        tokenize_s = time.perf_counter() - started
        flat = [enc for _, encoded in live for enc in encoded]
        if not flat:
            return
        predictions: list[Prediction | None] = [None] * len(flat)
        lengths = [len(e.ids) for e in flat]
        for chunk in chunk_by_budget(lengths, self.limits.max_texts, self.limits.max_tokens):
            started = time.perf_counter()
            for i, prediction in zip(chunk, self.model.predict([flat[i] for i in chunk])):
                predictions[i] = prediction
            self.observer.batch_scored(len(chunk), len(chunk) * max(lengths[i] for i in chunk),
                                       tokenize_s, time.perf_counter() - started)
            tokenize_s = 0.0
        offset = 0
        for job, encoded in live:
            job.future.set_result(predictions[offset : offset + len(encoded)])
            offset += len(encoded)

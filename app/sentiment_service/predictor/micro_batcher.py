"""Dynamic micro-batching: concurrent requests in one worker share one inference call.

Request threads tokenize their own texts, pass admission control (see admission.py) and enqueue a job.
If the model is idle, the request's own thread scores everything queued at once (no hand-off to another
thread: the common case at low load). Otherwise it wakes the batcher thread and waits on a future; the
batcher takes every job already queued (never waiting when the queue is empty), optionally waits `wait_s`
for more once it has company, and scores them as soon as the model is free. Either way, texts are scored
in length-sorted chunks under a token budget, one caller at a time, and errors stay with their job.
"""

import threading
import time
from collections import deque
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass, field

from sentiment_service.predictor.admission import CostModel, WaitingRequests, estimated_tokens, refusal_reason, retry_after_s
from sentiment_service.predictor.contract import DeadlineExceeded, NotReady, Overloaded, Prediction
from sentiment_service.predictor.documents import DOCUMENT
from sentiment_service.predictor.limits import ServingLimits
from sentiment_service.predictor.observer import InferenceObserver
from sentiment_service.predictor.reading import TextPlan
from sentiment_service.predictor.scoring_core import ScoringCore


@dataclass
class _Job:
    plans: list[TextPlan]
    # The model inputs of its texts (a long text read whole, and each sentence asked for, is several): what the
    # queue counts, what a call's budget holds, and what the cost model is told.
    inputs: int
    cost_s: float
    deadline: float
    enqueued: float = field(default_factory=time.monotonic)
    future: Future = field(default_factory=Future)


class MicroBatcher:
    def __init__(self, core: ScoringCore, limits: ServingLimits, observer: InferenceObserver,
                 worker_waiting: WaitingRequests | None = None):
        self.core = core
        self.limits = limits
        self.observer = observer
        self.costs = CostModel()
        self._queue: deque[_Job] = deque()
        # Texts admitted and not yet answered (queued, or waiting for the model, or being scored).
        self._queued_texts = 0
        # Jobs queued or being scored, and their predicted seconds: the backlog a new job waits behind.
        self._waiting_jobs = 0
        # The same count summed over every model's batcher in this worker (shared when there are several).
        self._worker_waiting = worker_waiting or WaitingRequests()
        self._backlog_s = 0.0
        self._closed = False
        self._cond = threading.Condition()
        # Held while a thread (the batcher or a request's own) runs the model.
        self._model_lock = threading.Lock()
        self._thread = threading.Thread(target=self._run, name="micro-batcher", daemon=True)

    def start(self) -> None:
        self._thread.start()

    @property
    def closed(self) -> bool:
        return self._closed

    def submit(self, texts: list[str], long_text: str = DOCUMENT, sentences: bool = False) -> list[Prediction]:
        """Tokenize, admit, queue, and wait for the predictions; raises InvalidText, Overloaded,
        DeadlineExceeded, NotReady."""
        # A first check on the texts' estimated cost refuses an overloaded worker's request before it is
        # tokenized; the check that reserves a place in the queue uses the exact token counts of every input.
        max_length = self.core.info.max_length
        estimated = [estimated_tokens(t, max_length, whole=long_text == DOCUMENT, sentences=sentences) for t in texts]
        self._refuse_if_overloaded(self.costs.predict_s(estimated), len(texts))
        started = time.perf_counter()
        plans = self.core.plan(texts, long_text, sentences)
        self.observer.tokenized(time.perf_counter() - started)
        job = self._admit(plans)
        if self._model_lock.acquire(blocking=False):
            try:
                self._process(self._take_queued())
            finally:
                self._model_lock.release()
        with self._cond:
            if self._queue:
                self._cond.notify()
        # Past the queue deadline the batcher drops the job. This longer wait only bounds a hung inference:
        # a job admitted by an idle worker may itself take longer than the deadline to score.
        timeout_s = self.limits.deadline_s + max(self.limits.deadline_s, 3 * job.cost_s)
        try:
            return job.future.result(timeout=timeout_s)
        except FutureTimeout:
            raise DeadlineExceeded(f"no answer within {timeout_s:.1f}s") from None

    def _refusal(self, cost_s: float, texts: int) -> str | None:
        """Why a job of this cost would be refused now (call with the lock held)."""
        if self._closed:
            raise NotReady("worker is shutting down")
        return refusal_reason(backlog_s=self._backlog_s, cost_s=cost_s, deadline_s=self.limits.deadline_s,
                              waiting_requests=self._waiting_jobs, max_waiting_requests=self.limits.max_waiting_requests,
                              worker_waiting_requests=self._worker_waiting.count,
                              queued_texts=self._queued_texts, texts=texts, max_queued_texts=self.limits.max_queued_texts)

    def _refuse_if_overloaded(self, cost_s: float, texts: int) -> None:
        with self._cond:
            reason, backlog_s = self._refusal(cost_s, texts), self._backlog_s
        if reason is not None:
            self._refused(reason, backlog_s)

    def _refused(self, reason: str, backlog_s: float) -> None:
        self.observer.refused(reason, backlog_s)
        raise Overloaded(f"this worker has {backlog_s:.2f}s of work waiting ({reason})",
                         retry_after_s=retry_after_s(backlog_s), reason=reason)

    def _admit(self, plans: list[TextPlan]) -> _Job:
        lengths = [len(ids) for plan in plans for ids in plan.inputs]
        cost_s = self.costs.predict_s(lengths)
        with self._cond:
            reason = self._refusal(cost_s, len(lengths))
            if reason is not None:
                backlog_s = self._backlog_s
            else:
                job = _Job(plans, len(lengths), cost_s, deadline=time.monotonic() + self.limits.deadline_s)
                self._queue.append(job)
                self._queued_texts += len(lengths)
                self._waiting_jobs += 1
                self._worker_waiting.add(1)
                self._backlog_s += cost_s
        if reason is not None:
            self._refused(reason, backlog_s)
        self.observer.backlog(self._backlog_s)
        return job

    def close(self, timeout_s: float = 30.0) -> None:
        """Refuse new jobs, finish the queued ones, stop the thread."""
        with self._cond:
            self._closed = True
            self._cond.notify_all()
        if self._thread.is_alive():
            self._thread.join(timeout_s)

    def _take_queued(self) -> list[_Job]:
        """Whatever is queued now (up to max_texts), without waiting; may be empty."""
        with self._cond:
            jobs: list[_Job] = []
            self._fill(jobs)
            return jobs

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
            return jobs

    def _fill(self, jobs: list[_Job]) -> None:
        count = sum(j.inputs for j in jobs)
        while self._queue and (not jobs or count + self._queue[0].inputs <= self.limits.call_budget.max_texts):
            job = self._queue.popleft()
            jobs.append(job)
            count += job.inputs

    def _run(self) -> None:
        while (jobs := self._take()) is not None:
            with self._model_lock:
                self._process(jobs)

    def _process(self, jobs: list[_Job]) -> None:
        if not jobs:
            return
        try:
            self._score(jobs)
        except Exception as exc:  # never let one bad batch kill the thread that serves the worker
            for job in jobs:
                if not job.future.done():
                    job.future.set_exception(exc)
        finally:
            self._done(jobs)

    def _done(self, jobs: list[_Job]) -> None:
        with self._cond:
            self._waiting_jobs -= len(jobs)
            self._worker_waiting.add(-len(jobs))
            self._queued_texts -= sum(j.inputs for j in jobs)
            self._backlog_s = max(0.0, self._backlog_s - sum(j.cost_s for j in jobs))
        self.observer.backlog(self._backlog_s)

    def _score(self, jobs: list[_Job]) -> None:
        now = time.monotonic()
        live: list[_Job] = []
        for job in jobs:
            self.observer.queued(now - job.enqueued)
            if now > job.deadline:
                job.future.set_exception(DeadlineExceeded(f"waited {now - job.enqueued:.2f}s in the queue"))
            else:
                live.append(job)
        flat = [plan for job in live for plan in job.plans]
        if not flat:
            return
        calls = {"count": 0, "padded_tokens": 0}

        def on_call(texts: int, padded_tokens: int, seconds: float) -> None:
            calls["count"] += 1
            calls["padded_tokens"] += padded_tokens
            self.observer.batch_scored(texts, seconds)

        cycle_started = time.perf_counter()
        predictions = self.core.score_plans(flat, on_call)
        self.costs.observe(time.perf_counter() - cycle_started, calls["padded_tokens"], calls["count"])
        offset = 0
        for job in live:
            job.future.set_result(predictions[offset : offset + len(job.plans)])
            offset += len(job.plans)

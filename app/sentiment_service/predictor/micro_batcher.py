"""Dynamic micro-batching: concurrent requests in one worker share inference calls, cheap ones first.

Request threads tokenize their own texts, pass admission control (admission.py) and enqueue a job, cut into
slices of at most one inference call and a quarter of a second each (lanes.CYCLE_MAX_S), in one of two lanes
(lanes.py): light for a sentence or a few, heavy for batches of long texts. If the model is idle, the request's
own thread scores cycles until its job is answered (no hand-off to another thread: the common case at low load).
Otherwise it wakes the batcher thread and waits on a future; the batcher scores one cycle at a time, the next
lane's slices, so a sentence that arrives behind a batch of reviews waits for one cycle, not for the batch. Texts
are scored in length-sorted chunks under a token budget, one caller at a time, and errors stay with their job.
The model is batch-invariant, so how a job is sliced and with what it shares a call never changes its scores.
"""

import threading
import time
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass, field

from sentiment_service.predictor.admission import DEADLINE_SHARE, WaitingRequests, estimated_windows, refusal_reason, retry_after_s
from sentiment_service.predictor.contract import DeadlineExceeded, NotReady, Overloaded, Prediction
from sentiment_service.predictor.cost_model import CostModel
from sentiment_service.predictor.documents import DOCUMENT
from sentiment_service.predictor.lanes import CYCLE_MAX_S, LaneJob, Lanes, Slice
from sentiment_service.predictor.limits import ServingLimits
from sentiment_service.predictor.observer import InferenceObserver
from sentiment_service.predictor.reading import TextPlan
from sentiment_service.predictor.scoring_core import ScoringCore


@dataclass(eq=False)
class _Job(LaneJob):
    plans: list[TextPlan] = field(default_factory=list)
    # The model inputs of its texts (a long text read whole, and each sentence asked for, is several): what the
    # queue counts and what a call's budget holds.
    inputs: int = 0
    cost_s: float = 0.0
    # When admission predicted it would be answered, in seconds from its admission.
    predicted_s: float = 0.0
    enqueued: float = field(default_factory=time.monotonic)
    future: Future = field(default_factory=Future)
    # One per text, None until its slice is scored: the job is answered when none is left.
    results: list[Prediction | None] = field(default_factory=list)
    # The batcher's count of inference calls when the job was admitted, and the calls of its own.
    calls_at_admission: int = 0
    own_calls: int = 0
    started: bool = False


class MicroBatcher:
    def __init__(self, core: ScoringCore, limits: ServingLimits, observer: InferenceObserver,
                 worker_waiting: WaitingRequests | None = None):
        self.core = core
        self.limits = limits
        self.observer = observer
        self.costs = CostModel(limits.call_budget)
        self._lanes = Lanes()
        # Inputs admitted and not yet answered (queued, or waiting for the model, or being scored).
        self._queued_texts = 0
        # Jobs queued or being scored.
        self._waiting_jobs = 0
        # Inference calls run so far: how many a job waited for is counted from this.
        self._calls = 0
        # The same count summed over every model's batcher in this worker (shared when there are several).
        self._worker_waiting = worker_waiting or WaitingRequests()
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
        self.refuse_if_overloaded(self.estimated_cost_s(texts, long_text, sentences), len(texts))
        started = time.perf_counter()
        plans = self.core.plan(texts, long_text, sentences)
        self.observer.tokenized(time.perf_counter() - started)
        job = self._admit(plans)
        if self._model_lock.acquire(blocking=False):
            # The model is idle: this thread runs cycles, in the lanes' order, until its own job is answered.
            try:
                while not job.future.done() and (cycle := self._take_cycle()):
                    self._process(cycle)
            finally:
                self._model_lock.release()
        with self._cond:
            if self._lanes.queued:
                self._cond.notify()
        # Past the deadline the batcher drops the job's remaining slices. This longer wait only bounds a hung
        # inference: a job admitted by an idle worker may itself take longer than the deadline to score.
        timeout_s = self.limits.deadline_s + max(self.limits.deadline_s, 3 * job.cost_s)
        try:
            return job.future.result(timeout=timeout_s)
        except FutureTimeout:
            raise DeadlineExceeded(f"no answer within {timeout_s:.1f}s") from None

    def estimated_cost_s(self, texts: list[str], long_text: str = DOCUMENT, sentences: bool = False) -> float:
        """What these texts would cost, from their lengths in characters, before tokenizing them."""
        max_length = self.core.info.max_length
        return self.costs.predict_s([window for text in texts for window in estimated_windows(
            text, max_length, whole=long_text == DOCUMENT, sentences=sentences)])

    def refuse_if_overloaded(self, cost_s: float, texts: int, *, offered: bool = True) -> None:
        """Raise Overloaded now if a job of this cost would be refused; a check that reserves nothing.

        `offered`: the job counts in the lanes' demand (once per request: not for a check on a lower bound)."""
        with self._cond:
            lane = self._lanes.lane_of(cost_s)
            if offered:
                self._lanes.offered(lane, cost_s, time.monotonic())
            predicted_s, reason = self._judge(lane, cost_s, texts)
        if reason is not None:
            self._refused(reason, predicted_s)

    def _cycle_s(self) -> float:
        """The longest a cycle of either lane is predicted to take: CYCLE_MAX_S, or the most expensive call the
        budget allows where that is cheaper."""
        budget, max_length = self.limits.call_budget, self.core.info.max_length
        return min(CYCLE_MAX_S, self.costs.call_s(max(1, min(budget.max_texts, budget.max_tokens // max_length)), max_length))

    def _judge(self, lane: str, cost_s: float, inputs: int) -> tuple[float, str | None]:
        """When a job of this cost admitted to `lane` now would be answered, and why it would be refused (None to
        admit it); call with the lock held."""
        if self._closed:
            raise NotReady("worker is shutting down")
        cycle_s = self._cycle_s()
        predicted_s = self._lanes.answer_in_s(lane, cost_s, time.monotonic(), cycle_s)
        reason = refusal_reason(predicted_s=predicted_s,
                                limit_s=self._lanes.limit_s(lane, self.limits.deadline_s, DEADLINE_SHARE, cycle_s),
                                waiting_requests=self._waiting_jobs, max_waiting_requests=self.limits.max_waiting_requests,
                                worker_waiting_requests=self._worker_waiting.count,
                                queued_texts=self._queued_texts, texts=inputs, max_queued_texts=self.limits.max_queued_texts)
        return predicted_s, reason

    def _refused(self, reason: str, predicted_s: float) -> None:
        self.observer.refused(reason, predicted_s)
        raise Overloaded(f"this worker would answer in {predicted_s:.2f}s ({reason})",
                         retry_after_s=retry_after_s(predicted_s), reason=reason)

    def _slices(self, job: _Job) -> list[Slice]:
        """The job's texts, shortest first, cut into slices of one inference call at most, each predicted to cost at
        most CYCLE_MAX_S (or one text, where a text costs more)."""
        budget = self.limits.call_budget
        lengths = [[len(ids) for ids in plan.inputs] for plan in job.plans]
        order = sorted(range(len(job.plans)), key=lambda i: max(lengths[i]))
        slices, current, inputs, longest = [], [], 0, 0
        for i in order:
            count, top = len(lengths[i]), max(lengths[i])
            widest = max(longest, top)
            if current and (inputs + count > budget.max_texts or (inputs + count) * widest > budget.max_tokens
                            or self.costs.call_s(inputs + count, widest) > CYCLE_MAX_S):
                slices.append(current)
                current, inputs, longest = [], 0, 0
            current.append(i)
            inputs, longest = inputs + count, max(longest, top)
        slices.append(current)
        return [Slice(job, indices, sum(len(lengths[i]) for i in indices),
                      self.costs.predict_s([n for i in indices for n in lengths[i]])) for indices in slices]

    def _admit(self, plans: list[TextPlan]) -> _Job:
        job = _Job(lane="", deadline=0.0, remaining_s=0.0, plans=plans, results=[None] * len(plans))
        slices = self._slices(job)
        job.inputs, job.cost_s = sum(s.inputs for s in slices), sum(s.cost_s for s in slices)
        with self._cond:
            job.lane = self._lanes.lane_of(job.cost_s)
            predicted_s, reason = self._judge(job.lane, job.cost_s, job.inputs)
            if reason is None:
                job.enqueued = time.monotonic()
                job.deadline = job.enqueued + self.limits.deadline_s
                job.remaining_s, job.predicted_s = job.cost_s, predicted_s
                job.calls_at_admission = self._calls
                self._lanes.push(slices)
                self._queued_texts += job.inputs
                self._waiting_jobs += 1
                self._worker_waiting.add(1)
            backlog_s = self._lanes.backlog_s
        if reason is not None:
            self._refused(reason, predicted_s)
        self.observer.backlog(backlog_s)
        return job

    def close(self, timeout_s: float = 30.0) -> None:
        """Refuse new jobs, finish the queued ones, stop the thread."""
        with self._cond:
            self._closed = True
            self._cond.notify_all()
        if self._thread.is_alive():
            self._thread.join(timeout_s)

    def _take_cycle(self) -> list[Slice]:
        """The next cycle's slices (about one call of one lane), without waiting; may be empty."""
        with self._cond:
            now = time.monotonic()
            lane = self._lanes.next_lane(now, self.limits.deadline_s)
            if lane is None:
                return []
            return self._lanes.take(lane, self.limits.call_budget.max_texts, self._cycle_s())

    def _wait_for_work(self) -> bool:
        """Block until something is queued; False once closed with nothing left."""
        with self._cond:
            while not self._lanes.queued and not self._closed:
                self._cond.wait()
            if not self._lanes.queued:
                return False
            # Wait for stragglers only when others arrived together: a lone request never waits.
            if self.limits.wait_s and self._waiting_jobs > 1:
                self._cond.wait(self.limits.wait_s)
            return True

    def _run(self) -> None:
        while self._wait_for_work():
            # The cycle is chosen once the model is free, not before: chosen earlier, a sentence's slice could
            # wait in this thread while a request's own thread scores a whole batch.
            with self._model_lock:
                self._process(self._take_cycle())

    def _process(self, slices: list[Slice]) -> None:
        if not slices:
            return
        started = time.perf_counter()
        try:
            self._score(slices)
        except Exception as exc:  # never let one bad batch kill the thread that serves the worker
            for item in slices:
                if not item.job.future.done():
                    item.job.future.set_exception(exc)
        finally:
            self._done(slices, time.perf_counter() - started)

    def _done(self, slices: list[Slice], seconds: float) -> None:
        with self._cond:
            # At most what the cycle was predicted to cost: a cycle the OS preempted is not the lane's doing.
            self._lanes.charge(slices[0].job.lane, min(seconds, sum(s.cost_s for s in slices)), time.monotonic())
            for item in slices:
                self._lanes.done(item)
                self._queued_texts -= item.inputs
                if item.job.slices_left == 0:
                    self._waiting_jobs -= 1
                    self._worker_waiting.add(-1)
            backlog_s = self._lanes.backlog_s
        self.observer.backlog(backlog_s)

    def _score(self, slices: list[Slice]) -> None:
        now = time.monotonic()
        live: list[Slice] = []
        for item in slices:
            job = item.job
            if job.future.done():
                continue  # dropped at an earlier slice
            if not job.started:
                self.observer.queued(now - job.enqueued)
                if now > job.deadline:
                    job.future.set_exception(DeadlineExceeded(f"waited {now - job.enqueued:.2f}s in the queue"))
                    continue
                # Once a job has started it is finished, whatever its remaining slices: the work done is not
                # thrown away, and a job an idle worker admitted though it costs more than the deadline is answered.
                job.started = True
            live.append(item)
        flat = [item.job.plans[i] for item in live for i in item.indices]
        if not flat:
            return
        shapes: list[tuple[int, int]] = []

        def on_call(texts: int, padded_tokens: int, seconds: float) -> None:
            shapes.append((texts, padded_tokens // texts))
            self.observer.batch_scored(texts, seconds)

        cycle_started = time.perf_counter()
        predictions = self.core.score_plans(flat, on_call)
        self.costs.observe(time.perf_counter() - cycle_started, shapes)
        with self._cond:
            self._calls += len(shapes)
            calls = self._calls
        # The cycle's calls count as each of its jobs' own: a sentence that shared a call with others did not
        # wait for it.
        for job in {item.job for item in live}:
            job.own_calls += len(shapes)
        offset = 0
        answered_at = time.monotonic()
        for item in live:
            job = item.job
            for i in item.indices:
                job.results[i] = predictions[offset]
                offset += 1
            if None not in job.results:
                job.future.set_result(job.results)
                waited = max(0, calls - job.calls_at_admission - job.own_calls)
                self.observer.answered(job.lane, job.predicted_s, answered_at - job.enqueued, waited)

"""The worker's SIGTERM handler takes no lock: the drain it starts runs later, on the worker's main loop."""

import logging
import signal
import threading

from gunicorn.workers.gthread import PollableMethodQueue

from sentiment_service import metrics
from sentiment_service.server.worker import DrainingThreadWorker


class GaugeBehindAHeldLock:
    """A gauge whose lock the interrupted main thread already holds, as prometheus-client's multiprocess lock is
    held during every gauge write of the worker's main loop."""

    def __init__(self):
        self.lock = threading.Lock()
        self.lock.acquire()
        self.values: list[float] = []

    def set(self, value: float) -> None:
        if not self.lock.acquire(timeout=2):
            raise AssertionError("a gauge was written from inside the signal handler: that deadlocks the worker")
        self.values.append(value)
        self.lock.release()


def loaded_worker(app) -> DrainingThreadWorker:
    """A worker as it is after loading its app, without gunicorn's arbiter around it."""
    worker = DrainingThreadWorker.__new__(DrainingThreadWorker)
    worker.alive = True
    worker.wsgi = app
    worker.log = logging.getLogger("test.worker")
    worker.method_queue = PollableMethodQueue()
    worker.method_queue.init()
    return worker


def test_sigterm_handler_defers_the_drain_to_the_main_loop(app, monkeypatch):
    gauge = GaugeBehindAHeldLock()
    monkeypatch.setattr(metrics, "DRAINING", gauge)
    worker = loaded_worker(app)
    try:
        worker.handle_exit(signal.SIGTERM, None)
        assert worker.alive and not app.state.draining, "the handler itself must only queue the drain"

        gauge.lock.release()  # the main thread finishes its own gauge write, then runs what was queued
        worker.method_queue.run_callbacks(None)
        assert app.state.draining and gauge.values == [1]
        assert not worker.alive, "with no drain delay, the worker stops accepting at once"
    finally:
        worker.method_queue.close()


def test_a_second_sigterm_queues_nothing_more(app, monkeypatch):
    monkeypatch.setattr(metrics, "DRAINING", GaugeBehindAHeldLock())
    worker = loaded_worker(app)
    try:
        worker.handle_exit(signal.SIGTERM, None)
        worker.handle_exit(signal.SIGTERM, None)
        assert worker.method_queue._queue.qsize() == 1
    finally:
        worker.method_queue.close()

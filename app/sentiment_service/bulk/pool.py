"""The score command's worker processes: one per CPU, each loading the service's predictor once.

A worker sees lists of text values and sends back ScoredTexts; reading and writing files stays in the parent.
Results come back in submission order. A worker that dies (killed for memory, say) stops the run with a
message instead of leaving it waiting, and terminate() stops every worker at once on Ctrl-C.

Workers are plain subprocesses (`python -m sentiment_service.bulk.worker`) talking over two pipes each, not
multiprocessing processes: multiprocessing's spawn also starts a resource-tracker process (12 MB RSS) that
this command has no use for, and its memory budget is what a bulk run is measured by. A fresh interpreter,
as spawn gives, so a worker inherits none of the parent's Arrow buffers.
"""

import os
import queue
import subprocess
import sys
import threading
from collections import deque
from collections.abc import Callable
from multiprocessing.connection import Connection, wait
from pathlib import Path

from sentiment_service.bulk.scoring import ScoredTexts
from sentiment_service.predictor.contract import DOCUMENT

# How often the parent checks that its workers are alive while it waits for a result.
LIVENESS_CHECK_S = 1.0
# Chunks given to a worker at once: one to score and one waiting, so it never waits for the parent.
CHUNKS_PER_WORKER = 2
LOAD_FAILED = -1


class WorkerFailed(Exception):
    """A worker could not load the model, failed on a chunk, or died."""


class _Worker:
    """One subprocess and its two pipes: tasks in, results out."""

    def __init__(self, name: str, model_dir: Path, intra_op_threads: int, max_text_chars: int, long_text: str,
                 sentences: bool):
        self.name = name
        task_read, task_write = os.pipe()
        result_read, result_write = os.pipe()
        command = [sys.executable, "-m", "sentiment_service.bulk.worker", str(model_dir), str(intra_op_threads),
                   str(max_text_chars), long_text, "sentences" if sentences else "-", str(task_read), str(result_write)]
        # The parent's import path, as multiprocessing's spawn would pass it: the package may be on it only there.
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(path for path in sys.path if path)}
        self.process = subprocess.Popen(command, pass_fds=(task_read, result_write), stdin=subprocess.DEVNULL, env=env)
        os.close(task_read)
        os.close(result_write)
        self.tasks = Connection(task_write, readable=False)
        self.results = Connection(result_read, writable=False)
        self.outstanding = 0
        # A pipe holds 64 KB: sending a chunk of long reviews blocks until the worker reads it. A thread per
        # worker does the sending, so the parent goes on reading, writing and feeding the other workers.
        self._outbox: queue.SimpleQueue = queue.SimpleQueue()
        self._sender = threading.Thread(target=self._send_all, name=f"{name}-sender", daemon=True)
        self._sender.start()

    def give(self, task: tuple | None) -> None:
        self._outbox.put(task)
        if task is not None:
            self.outstanding += 1

    def _send_all(self) -> None:
        while True:
            task = self._outbox.get()
            try:
                self.tasks.send(task)
            except OSError:  # the worker is gone; the parent learns it from the result pipe
                return
            if task is None:
                return

    def describe_exit(self) -> str:
        return (f"worker {self.name} exited with code {self.process.returncode} "
                "(killed for memory? try fewer --workers or a smaller --chunk-rows)")


class ScoringPool:
    def __init__(self, model_dir: Path, workers: int, max_text_chars: int, intra_op_threads: int = 1, *,
                 long_text: str = DOCUMENT, sentences: bool = False):
        self._workers = [_Worker(f"bulk-worker-{i}", model_dir, intra_op_threads, max_text_chars, long_text, sentences)
                         for i in range(workers)]
        self._submitted = self._returned = 0
        self._arrived: dict[int, ScoredTexts | str] = {}
        self._pending: deque[tuple[int, list[object]]] = deque()

    @property
    def in_flight(self) -> int:
        return self._submitted - self._returned

    def submit(self, values: list[object]) -> None:
        """Queue a chunk; it goes to the first worker with room (see CHUNKS_PER_WORKER)."""
        self._pending.append((self._submitted, values))
        self._submitted += 1
        self._dispatch()

    def _dispatch(self) -> None:
        while self._pending:
            worker = min(self._workers, key=lambda w: w.outstanding)
            if worker.outstanding >= CHUNKS_PER_WORKER:
                return
            worker.give(self._pending.popleft())

    def next_result(self, check_stop: Callable[[], None] = lambda: None) -> ScoredTexts:
        """The result of the oldest submitted chunk, waiting for it; raises WorkerFailed, or whatever check_stop
        raises (it is called at least every LIVENESS_CHECK_S while waiting)."""
        by_connection = {w.results: w for w in self._workers}
        while self._returned not in self._arrived:
            check_stop()
            ready = wait(list(by_connection), timeout=LIVENESS_CHECK_S)
            if not ready:
                self._check_alive()
                continue
            for connection in ready:
                worker = by_connection[connection]
                try:
                    sequence, outcome = connection.recv()
                except EOFError:  # the worker exited without answering
                    worker.process.wait()
                    raise WorkerFailed(worker.describe_exit()) from None
                if sequence == LOAD_FAILED:
                    raise WorkerFailed(outcome)
                worker.outstanding -= 1
                self._arrived[sequence] = outcome
                self._dispatch()
        outcome = self._arrived.pop(self._returned)
        self._returned += 1
        if isinstance(outcome, str):
            raise WorkerFailed(outcome)
        return outcome

    def _check_alive(self) -> None:
        for worker in self._workers:
            if worker.process.poll() is not None:
                raise WorkerFailed(worker.describe_exit())

    def close(self) -> None:
        """Let the workers finish and exit."""
        for worker in self._workers:
            worker.give(None)
        for worker in self._workers:
            worker.process.wait()
            worker.tasks.close()
            worker.results.close()

    def terminate(self) -> None:
        """Stop every worker now, abandoning queued chunks."""
        for worker in self._workers:
            worker.process.terminate()
        for worker in self._workers:
            try:
                worker.process.wait(5)
            except subprocess.TimeoutExpired:
                worker.process.kill()
                worker.process.wait()
            worker.tasks.close()
            worker.results.close()

"""The score command's worker processes: one per CPU, each loading the service's predictor once, fed from one queue.

A worker sees lists of text values and sends back ScoredTexts; reading and writing files stays in the parent.
Results come back in submission order. A worker that dies (killed for memory, say) stops the run with a
message instead of leaving it waiting, and terminate() stops every worker at once on Ctrl-C.
"""

import multiprocessing
import queue
import signal
from pathlib import Path

from sentiment_service.bulk.scoring import ScoredTexts, score_values

# How often the parent checks that its workers are alive while it waits for a result.
LIVENESS_CHECK_S = 1.0
_LOAD_FAILED = -1


class WorkerFailed(Exception):
    """A worker could not load the model, failed on a chunk, or died."""


def worker_main(model_dir: str, intra_op_threads: int, max_text_chars: int, tasks, results) -> None:
    """Runs in each spawned worker: load the predictor, then score (sequence, values) tasks until None arrives."""
    # Ctrl-C reaches the whole process group; the parent decides what it means and stops the workers itself.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # Imported here, not at the top: the parent imports this module too and must not load onnxruntime.
    from sentiment_service.bulk.predictor import bulk_predictor

    try:
        # One onnxruntime thread per process, one process per CPU: the layout the service's benchmark found fastest.
        predictor = bulk_predictor(Path(model_dir), intra_op_threads)
        predictor.load()
    except Exception as exc:  # reported to the parent, which stops the run
        results.put((_LOAD_FAILED, f"a worker could not load the model: {exc}"))
        return
    while (task := tasks.get()) is not None:
        sequence, values = task
        try:
            results.put((sequence, score_values(predictor, values, max_text_chars)))
        except Exception as exc:  # a bug, not a bad row (bad rows never raise): stop the run with it
            results.put((sequence, f"scoring a chunk failed: {exc!r}"))
    predictor.close()


class ScoringPool:
    def __init__(self, model_dir: Path, workers: int, max_text_chars: int, intra_op_threads: int = 1):
        # spawn, not fork: a worker must not inherit the parent's Arrow buffers or any onnxruntime state.
        context = multiprocessing.get_context("spawn")
        self._tasks, self._results = context.Queue(), context.Queue()
        self._processes = [
            context.Process(target=worker_main, name=f"bulk-worker-{i}", daemon=True,
                            args=(str(model_dir), intra_op_threads, max_text_chars, self._tasks, self._results))
            for i in range(workers)
        ]
        for process in self._processes:
            process.start()
        self._submitted = self._returned = 0
        self._arrived: dict[int, ScoredTexts | str] = {}

    @property
    def in_flight(self) -> int:
        return self._submitted - self._returned

    def submit(self, values: list[object]) -> None:
        self._tasks.put((self._submitted, values))
        self._submitted += 1

    def next_result(self) -> ScoredTexts:
        """The result of the oldest submitted chunk, waiting for it; raises WorkerFailed."""
        while self._returned not in self._arrived:
            try:
                sequence, outcome = self._results.get(timeout=LIVENESS_CHECK_S)
            except queue.Empty:
                self._check_alive()
                continue
            if sequence == _LOAD_FAILED:
                raise WorkerFailed(outcome)
            self._arrived[sequence] = outcome
        outcome = self._arrived.pop(self._returned)
        self._returned += 1
        if isinstance(outcome, str):
            raise WorkerFailed(outcome)
        return outcome

    def _check_alive(self) -> None:
        for process in self._processes:
            if not process.is_alive():
                raise WorkerFailed(f"worker {process.name} exited with code {process.exitcode} "
                                   "(killed for memory? try fewer --workers or a smaller --chunk-rows)")

    def close(self) -> None:
        """Let the workers finish and exit."""
        for _ in self._processes:
            self._tasks.put(None)
        for process in self._processes:
            process.join()

    def terminate(self) -> None:
        """Stop every worker now, abandoning queued chunks."""
        self._tasks.cancel_join_thread()  # queued chunks are dropped, not flushed to workers that are gone
        for process in self._processes:
            process.terminate()
        for process in self._processes:
            process.join(5)

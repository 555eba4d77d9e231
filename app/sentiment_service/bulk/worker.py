"""A score-command worker: `python -m sentiment_service.bulk.worker MODEL_DIR THREADS MAX_CHARS LONG_TEXT SENTENCES
TASK_FD RESULT_FD` (LONG_TEXT document or truncate; SENTENCES "sentences" or "-").

Started by pool.py. Loads the bulk scoring core once, then scores (sequence, values) tasks from the task pipe
until None arrives, answering (sequence, ScoredTexts) on the result pipe, or (sequence, message) when a
chunk fails; (LOAD_FAILED, message) if the model cannot be loaded.
"""

import signal
import sys
from multiprocessing.connection import Connection
from pathlib import Path

from sentiment_service.bootstrap import set_library_environment


def main(argv: list[str]) -> int:
    model_dir, threads, max_text_chars, long_text, sentences, task_fd, result_fd = argv
    # Ctrl-C reaches the whole process group; the parent decides what it means and stops the workers itself.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    set_library_environment()  # before onnxruntime and tokenizers are imported
    from sentiment_service.bulk.pool import LOAD_FAILED
    from sentiment_service.bulk.scoring import open_bulk_core, score_values

    tasks, results = Connection(int(task_fd), writable=False), Connection(int(result_fd), readable=False)
    try:
        # One onnxruntime thread per process, one process per CPU: the layout the service's benchmark found fastest.
        core = open_bulk_core(Path(model_dir), intra_op_threads=int(threads))
    except Exception as exc:  # reported to the parent, which stops the run
        results.send((LOAD_FAILED, f"a worker could not load the model: {exc}"))
        return 1
    try:
        while (task := tasks.recv()) is not None:
            sequence, values = task
            try:
                results.send((sequence, score_values(core, values, int(max_text_chars), long_text=long_text,
                                                     sentences=sentences == "sentences")))
            except Exception as exc:  # a bug, not a bad row (bad rows never raise): stop the run with it
                results.send((sequence, f"scoring a chunk failed: {exc!r}"))
    except EOFError:  # the parent went away
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

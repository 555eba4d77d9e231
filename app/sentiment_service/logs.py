"""JSON-lines logging to stdout, shared by the app and gunicorn; in the service, written by a thread of its own.

In the service a request thread formats its line and hands it to a queue; one thread per process writes the
lines (BackgroundStreamHandler). Written in the request's own thread, every line took the handler's lock across a
write to a pipe or a file, and a thread holding it had to win the GIL back before releasing it: under load,
request threads (probes and refusals included) queued for the log lock, not for the model. The queue is drained
at exit, so no line is lost.
"""

import atexit
import json
import logging
import logging.handlers
import os
import queue
import sys
import threading
import time

# LogRecord attributes that are plumbing, not content; everything else passed via `extra` is logged.
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime", "taskName"}


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, and any `extra` fields."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created)) + f".{int(record.msecs):03d}Z",
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        entry.update({k: v for k, v in vars(record).items() if k not in _STANDARD})
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str, ensure_ascii=False)


# The levels LOG_LEVEL accepts, lower-case (Settings, and the bulk command that reads it without Settings).
LOG_LEVELS = ("debug", "info", "warning", "error")


class BackgroundStreamHandler(logging.handlers.QueueHandler):
    """Formats each record in the logging thread, and writes it to `stream` from a writer thread of this process.

    The writer starts with the first record a process logs, so a process forked after logging (a gunicorn worker)
    gets a writer of its own, and stops at exit once the queue is empty."""

    def __init__(self, stream=None):
        super().__init__(queue.SimpleQueue())
        self._writer = logging.StreamHandler(stream if stream is not None else sys.stdout)
        self._writer.setFormatter(logging.Formatter("%(message)s"))  # the line arrives formatted
        self._reset()
        os.register_at_fork(after_in_child=self._reset)
        atexit.register(self.flush)  # inherited by forked children, where it flushes their own writer

    def _reset(self) -> None:
        # In a forked child the parent's writer thread does not exist, and its lock may have been held at fork.
        self._listener: logging.handlers.QueueListener | None = None
        self._started_in: int | None = None
        self._start_lock = threading.Lock()
        self.queue = queue.SimpleQueue()

    def handle(self, record: logging.LogRecord) -> bool:
        # No handler lock: putting on a SimpleQueue is thread-safe, and a lock is what this handler is here to avoid.
        passed = self.filter(record)
        if passed:
            self.emit(record)
        return passed

    def emit(self, record: logging.LogRecord) -> None:
        if self._started_in != os.getpid():
            self._start()
        super().emit(record)

    def _start(self) -> None:
        with self._start_lock:
            if self._started_in != os.getpid():
                self._listener = logging.handlers.QueueListener(self.queue, self._writer)
                self._listener.start()
                self._started_in = os.getpid()

    def flush(self) -> None:
        """Write every line handed over so far, then stop the writer (the next line starts another): at exit, and
        wherever the output is read at once."""
        with self._start_lock:
            if self._listener is not None and self._started_in == os.getpid():
                self._listener.stop()  # the queue is written to its end before the thread stops
            self._listener, self._started_in = None, None
        if not getattr(self._writer.stream, "closed", False):  # its owner may have closed it first (at exit)
            self._writer.flush()


def configure_logging(level: str) -> None:
    """Plain stdout logging, for commands (the bulk command, the tools); gunicorn's log configuration
    (gunicorn_conf.py) puts the service's workers on BackgroundStreamHandler instead."""
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())

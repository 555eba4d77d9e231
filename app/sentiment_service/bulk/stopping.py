"""Ctrl-C and SIGTERM stop a bulk run at its next safe point, never in the middle of a library call.

Python raises KeyboardInterrupt wherever the main thread happens to be, which may be between a lock's acquire
and its release inside a library (subprocess.Popen.poll takes one, for instance); the cleanup that follows then
waits on that lock for ever. Here the signal only records the request, and the run raises KeyboardInterrupt
itself where it checks: before each chunk it reads, and every second while it waits for a result.
"""

import signal
import threading


class StopRequests:
    def __init__(self):
        self._requested = threading.Event()

    def install(self) -> None:
        """Route SIGINT and SIGTERM here (call from the main thread)."""
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, self._record)

    def _record(self, signum, frame) -> None:
        self._requested.set()

    def check(self) -> None:
        """Raise KeyboardInterrupt if a stop was asked for."""
        if self._requested.is_set():
            raise KeyboardInterrupt


# Nothing installed: check() never raises, and Ctrl-C behaves as Python's default (for library callers).
NOT_INSTALLED = StopRequests()

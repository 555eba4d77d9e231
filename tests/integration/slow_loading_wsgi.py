"""A WSGI entry for tests whose load blocks until the test releases it, so "still loading" is a state, not a race.

Each worker, while it imports this module, writes `loading-<pid>` into the directory named by LOAD_GATE_DIR,
writes `stopped-<pid>` once it has been told to stop (gunicorn's SIGTERM handler cleared `alive`), and carries
on loading the real app only when the test creates `release` there.
"""

import os
import signal
import time
from pathlib import Path

_gate = Path(os.environ["LOAD_GATE_DIR"])
# gunicorn installs the worker's signal handlers before it loads the app: the handler is a bound method of the worker.
_worker = signal.getsignal(signal.SIGTERM).__self__
(_gate / f"loading-{os.getpid()}").touch()
while not (_gate / "release").exists():
    if not _worker.alive and not (_gate / f"stopped-{os.getpid()}").exists():
        (_gate / f"stopped-{os.getpid()}").touch()
    time.sleep(0.01)

from sentiment_service.wsgi import app  # noqa: E402  (the point of this module is to load it late)

__all__ = ["app"]

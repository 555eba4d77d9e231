"""Process-wide setup, done once and explicitly by each entry point before the model or metrics load."""

from __future__ import annotations

import os
import shutil
import tempfile
from typing import TYPE_CHECKING

from sentiment_service.logs import configure_logging

if TYPE_CHECKING:  # only for the annotations: the bulk command uses this module without pydantic
    from sentiment_service.settings import Settings


def set_library_environment() -> None:
    """What onnxruntime and tokenizers read from the environment: set before either is imported."""
    # A self-hosted service sends nothing anywhere: onnxruntime creates a telemetry uploader (and a
    # device-id file under $HOME) when its environment is created, unless this is set before that.
    os.environ.setdefault("ORT_DISABLE_TELEMETRY", "1")
    # Tokenizing one request's texts is cheap; a Rust thread pool per worker would fight onnxruntime for cores.
    os.environ["TOKENIZERS_PARALLELISM"] = "false"


# The multiprocess metrics directories this process has emptied already (see bootstrap()).
_PREPARED_METRICS_DIRS: set[str] = set()


def bootstrap(settings: Settings, *, multiprocess_metrics: bool = False) -> Settings:
    """Set what third-party libraries read from the environment, configure logging, and return the
    settings as this process must use them (with the metrics directory filled in under gunicorn).

    Call it first: the variables below are read by onnxruntime, tokenizers and prometheus-client when they
    are imported or first used. Under gunicorn the master calls it (gunicorn_conf.py), so every worker it
    forks inherits the same values.
    """
    set_library_environment()
    if multiprocess_metrics:
        # prometheus-client's multiprocess mode: every worker writes its samples to files in this
        # directory and /metrics merges them. Its own variable, read by workers when they import it.
        directory = str(settings.prometheus_multiproc_dir or tempfile.mkdtemp(prefix="sentiment-metrics-"))
        # Stale samples from an earlier run would be summed in; prometheus-client needs the directory to exist.
        # Emptied once per process: on HUP gunicorn runs this again while the old workers still write there.
        if directory not in _PREPARED_METRICS_DIRS:
            shutil.rmtree(directory, ignore_errors=True)
            _PREPARED_METRICS_DIRS.add(directory)
        os.makedirs(directory, exist_ok=True)
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(directory)
        settings = settings.model_copy(update={"prometheus_multiproc_dir": directory})
    configure_logging(settings.log_level)
    return settings

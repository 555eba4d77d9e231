"""Gunicorn's server hooks for the service: gunicorn_conf.py assigns them, and they call only what is here.

Nothing imported here may import prometheus_client, onnxruntime or tokenizers at module level: the master
imports it before bootstrap() has set what those libraries read.
"""

import gunicorn.http.wsgi

from sentiment_service.predictor.contract import ModelLoadError
from sentiment_service.predictor.labels import BINARY
from sentiment_service.predictor.manifest import load_manifest
from sentiment_service.server.listener import mark_server_stopping_on_stop
from sentiment_service.settings import Settings

# No product/version banner in the Server header (gunicorn_internals.py: a module attribute gunicorn reads).
SERVER_HEADER = "sentiment"


def hide_server_version() -> None:
    gunicorn.http.wsgi.SERVER = SERVER_HEADER


def refuse_a_bad_model_directory(settings: Settings):
    """An on_starting hook: refuse to start on a model directory that is missing or does not match its manifest,
    or whose labels RESPONSE_LABELS=binary cannot map to negative and positive."""
    def on_starting(server) -> None:
        try:
            manifest = load_manifest(settings.model_dir)
        except ModelLoadError as exc:
            server.log.error("refusing to start: %s", exc)
            raise SystemExit(3) from None
        if settings.response_labels == "binary" and not set(BINARY) <= set(manifest.info.labels):
            server.log.error("refusing to start: RESPONSE_LABELS=binary answers negative/positive, but model %s has "
                             "labels %s", manifest.info.name, list(manifest.info.labels))
            raise SystemExit(3)
        server.log.info("model %s %s verified", manifest.info.name, manifest.info.version)

    return on_starting


def when_ready(server) -> None:
    """Let workers know, when the master stops, that the whole server stops (see server/worker.py)."""
    mark_server_stopping_on_stop(server)


def worker_exit(server, worker) -> None:
    """Finish what the batcher accepted before the process exits."""
    # A worker that failed to boot has no app to close.
    app = getattr(worker, "wsgi", None)
    if app is not None:
        app.state.close()


def child_exit(server, worker) -> None:
    from prometheus_client import multiprocess  # imported late: only after bootstrap() set its directory

    multiprocess.mark_process_dead(worker.pid)

"""Gunicorn's server hooks for the service: gunicorn_conf.py assigns them, and they call only what is here.

Nothing imported here may import prometheus_client, onnxruntime or tokenizers at module level: the master
imports it before bootstrap() has set what those libraries read.
"""

import gunicorn.http.wsgi

from sentiment_service.predictor.contract import ModelLoadError
from sentiment_service.predictor.labels import BINARY
from sentiment_service.predictor.manifest import Manifest, load_manifest
from sentiment_service.predictor.model_set import chosen_default
from sentiment_service.server.listener import mark_server_stopping_on_stop
from sentiment_service.settings import Settings

# No product/version banner in the Server header (gunicorn_internals.py: a module attribute gunicorn reads).
SERVER_HEADER = "sentiment"


def hide_server_version() -> None:
    gunicorn.http.wsgi.SERVER = SERVER_HEADER


def verified_models(settings: Settings) -> list[Manifest]:
    """The manifest of every model directory to serve, each checked against its files; raises ModelLoadError for a
    directory that is missing or does not match its manifest, ValueError for names, DEFAULT_MODEL or labels that
    cannot be served together."""
    manifests = [load_manifest(directory) for directory in settings.model_dirs()]
    chosen_default([m.info.name for m in manifests], settings.default_model)
    for manifest in manifests:
        if settings.response_labels == "binary" and not set(BINARY) <= set(manifest.info.labels):
            raise ValueError(f"RESPONSE_LABELS=binary answers negative/positive, but model {manifest.info.name} has "
                             f"labels {list(manifest.info.labels)}")
    return manifests


def refuse_bad_model_directories(settings: Settings):
    """An on_starting hook: refuse to start (exit 3) when verified_models() finds a model that cannot be served."""
    def on_starting(server) -> None:
        try:
            manifests = verified_models(settings)
        except (ModelLoadError, ValueError) as exc:
            server.log.error("refusing to start: %s", exc)
            raise SystemExit(3) from None
        for manifest in manifests:
            server.log.info("model %s %s verified", manifest.info.name, manifest.info.version)

    return on_starting


def report_models_on_reload(settings: Settings):
    """An on_reload hook (HUP; gunicorn reads this file again first, so `settings` are the new ones): say which
    models the new workers will load, or loudly why they will not be ready.

    It cannot refuse the reload: an exception here stops gunicorn's master, and the old workers are replaced
    whatever this hook does. So verify a model directory before swapping it in (the runbook says how)."""
    def on_reload(server) -> None:
        try:
            manifests = verified_models(settings)
        except (ModelLoadError, ValueError) as exc:
            server.log.error("reload: the new workers will not be ready (/ready 503): %s", exc)
            return
        for manifest in manifests:
            server.log.info("reload: model %s %s verified", manifest.info.name, manifest.info.version)

    return on_reload


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

"""The application factory: settings and predictor in, a ready-to-serve Flask app out."""

import logging
import threading
from dataclasses import dataclass

from flask import Flask

from app import __version__, metrics
from app.http.errors import register_error_handlers
from app.http.request_log import install_request_log
from app.http.routes import api
from app.http.security import install_security
from app.predictor.contract import Predictor, PredictorError
from app.predictor.onnx_predictor import OnnxPredictor
from app.settings import Settings, load_settings

log = logging.getLogger("app")


@dataclass
class ServiceState:
    settings: Settings
    predictor: Predictor
    draining: bool = False
    load_error: str | None = None


def build_predictor(settings: Settings) -> OnnxPredictor:
    return OnnxPredictor(
        settings.model_dir, intra_op_threads=settings.ort_threads, batch_max_texts=settings.batch_max_texts,
        batch_max_tokens=settings.batch_max_tokens, batch_wait_s=settings.batch_wait_ms / 1000,
        max_queued_texts=settings.max_queued_texts, deadline_s=settings.request_deadline_s,
        cache_size=settings.cache_size, observer=metrics.MetricsObserver(),
    )


def _load(state: ServiceState) -> None:
    try:
        state.predictor.load()
        info = state.predictor.info
        metrics.BUILD_INFO.labels(__version__, state.settings.git_commit or "unknown", info.name, info.version).set(1)
        log.info("model ready", extra={"model": info.name, "model_version": info.version})
    except PredictorError as exc:
        state.load_error = str(exc)
        log.error("model failed to load", extra={"error": str(exc)})
    except Exception as exc:  # an unexpected failure must still leave /ready answering 503, not hang
        state.load_error = f"unexpected error while loading the model: {exc!r}"
        log.exception("model failed to load")


def create_app(settings: Settings | None = None, predictor: Predictor | None = None, *,
               load_in_background: bool = True) -> Flask:
    """Build the app. The model loads in a thread so /health answers while /ready is still 503."""
    settings = settings or load_settings()
    predictor = predictor or build_predictor(settings)
    app = Flask(__name__)
    app.config["MAX_CONTENT_LENGTH"] = settings.max_body_bytes
    app.json.sort_keys = False
    state = ServiceState(settings, predictor)
    app.extensions["sentiment"] = state
    install_request_log(app, predictor.info.version, settings.log_texts)
    install_security(app, settings)
    register_error_handlers(app)
    app.register_blueprint(api)
    if load_in_background:
        threading.Thread(target=_load, args=(state,), name="model-loader", daemon=True).start()
    else:
        _load(state)
    return app

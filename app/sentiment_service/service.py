"""The composition root: the one place that turns settings into a predictor and an app."""

from pathlib import Path

from sentiment_service import __version__
from sentiment_service.http.factory import create_app
from sentiment_service.http.state import ServiceApp
from sentiment_service.metrics import MetricsObserver
from sentiment_service.predictor.admission import WaitingRequests
from sentiment_service.predictor.manifest import peek_model_info
from sentiment_service.predictor.model_set import ModelSet
from sentiment_service.predictor.serving_predictor import ServingPredictor
from sentiment_service.settings import Settings


def build_predictor(settings: Settings, model_dir: Path | None = None,
                    worker_waiting: WaitingRequests | None = None) -> ServingPredictor:
    """The real predictor of one model directory (MODEL_DIR by default), configured from the settings (not loaded
    yet); its metrics carry the model's name."""
    directory = model_dir or settings.model_dir
    observer = MetricsObserver(__version__, settings.git_commit, model=peek_model_info(directory).name)
    return ServingPredictor(directory, settings.serving_limits, intra_op_threads=settings.ort_threads,
                            cache_size=settings.cache_size, observer=observer, worker_waiting=worker_waiting)


def build_models(settings: Settings) -> ModelSet:
    """Every model the settings name (MODEL_DIR, or each in MODELS_DIR), by name, not loaded yet; raises
    ModelLoadError or ValueError (the gunicorn master checked both before any worker started). Their batchers
    share one count of waiting requests: THREADS are the worker's, whichever model a request is for."""
    waiting = WaitingRequests()
    return ModelSet([build_predictor(settings, d, waiting) for d in settings.model_dirs()], settings.default_model)


def build_app(settings: Settings) -> ServiceApp:
    """The service's app with its model loaded before it returns.

    Under gunicorn each worker loads its model before it starts accepting connections (about 0.5 s), so a
    worker that is still loading, at start-up or after replacing a crashed one, never receives a request
    to answer with 503: its siblings take them. /ready still turns 503 while draining or after a failed load.
    """
    return create_app(settings, build_models(settings))

"""The composition root: the one place that turns settings into a predictor and an app."""

from sentiment_service import __version__
from sentiment_service.http.factory import create_app
from sentiment_service.http.state import ServiceApp
from sentiment_service.metrics import MetricsObserver
from sentiment_service.predictor.serving_predictor import ServingPredictor
from sentiment_service.settings import Settings


def build_predictor(settings: Settings) -> ServingPredictor:
    """The real predictor, configured from the settings (not loaded yet)."""
    return ServingPredictor(settings.model_dir, settings.serving_limits, intra_op_threads=settings.ort_threads,
                         cache_size=settings.cache_size, observer=MetricsObserver(__version__, settings.git_commit))


def build_app(settings: Settings) -> ServiceApp:
    """The service's app with its model loaded before it returns.

    Under gunicorn each worker loads its model before it starts accepting connections (about 0.5 s), so a
    worker that is still loading, at start-up or after replacing a crashed one, never receives a request
    to answer with 503: its siblings take them. /ready still turns 503 while draining or after a failed load.
    """
    return create_app(settings, build_predictor(settings))

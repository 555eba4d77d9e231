"""The running service as the HTTP layer sees it: settings, predictor, how loading went, whether draining."""

import logging

from flask import Flask

from sentiment_service.http.request_log import ScoredResponse
from sentiment_service.predictor.contract import Predictor, PredictorError
from sentiment_service.settings import Settings

log = logging.getLogger("sentiment_service")


class ServiceState:
    def __init__(self, settings: Settings, predictor: Predictor):
        self.settings = settings
        self.predictor = predictor
        self.load_error: str | None = None
        self._draining = False

    @property
    def draining(self) -> bool:
        return self._draining

    def load(self) -> None:
        """Load the model; a failure is kept in load_error (so /ready says why) instead of raised."""
        try:
            self.predictor.load()
            info = self.predictor.info
            log.info("model ready", extra={"model": info.name, "model_version": info.version})
        except PredictorError as exc:
            self.load_error = str(exc)
            log.error("model failed to load", extra={"error": str(exc)})
        except Exception as exc:  # an unexpected failure must still leave /ready answering 503, not hang
            self.load_error = f"unexpected error while loading the model: {exc!r}"
            log.exception("model failed to load")

    def drain(self) -> None:
        """Turn /ready to 503 so load balancers stop sending; requests that still arrive are answered."""
        self._draining = True

    def close(self) -> None:
        """Finish what the predictor accepted and stop it."""
        self.predictor.close()


class ServiceApp(Flask):
    """The service's Flask app, holding its state as a typed attribute: the gunicorn worker and hooks, and
    every blueprint (built from the state), reach it through this, never through a string key."""

    response_class = ScoredResponse

    def __init__(self, state: ServiceState):
        # No implicit /static route: the playground blueprint serves its few files itself, and only when enabled.
        super().__init__("sentiment_service.http", static_folder=None)
        self.state = state

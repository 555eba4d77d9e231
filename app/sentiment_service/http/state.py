"""The running service as the HTTP layer sees it: settings, predictor, how loading went, whether draining."""

import logging

from flask import Flask, current_app

from sentiment_service.predictor.contract import Predictor, PredictorError
from sentiment_service.settings import Settings

log = logging.getLogger("sentiment_service")
_EXTENSION_KEY = "sentiment_service.state"


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


def attach_state(app: Flask, state: ServiceState) -> None:
    app.extensions[_EXTENSION_KEY] = state


def state_of(app: Flask) -> ServiceState:
    return app.extensions[_EXTENSION_KEY]


def current_state() -> ServiceState:
    """The state of the app handling the current request."""
    return state_of(current_app)

"""The running service as the HTTP layer sees it: settings, the models, how loading went, whether draining."""

from flask import Flask

from sentiment_service.http.request_log import ScoredResponse
from sentiment_service.predictor.model_set import ModelSet
from sentiment_service.settings import Settings


class ServiceState:
    def __init__(self, settings: Settings, models: ModelSet):
        self.settings = settings
        self.models = models
        self._draining = False

    @property
    def draining(self) -> bool:
        return self._draining

    @property
    def load_error(self) -> str | None:
        """Why a model failed to load (each that did, by name), or None."""
        errors = self.models.load_errors
        if not errors:
            return None
        if len(self.models.names) == 1:
            return next(iter(errors.values()))
        return "; ".join(f"model {name}: {error}" for name, error in errors.items())

    def load(self) -> None:
        """Load every model; a failure is kept (so /ready says why) instead of raised."""
        self.models.load()

    def drain(self) -> None:
        """Turn /ready to 503 so load balancers stop sending; requests that still arrive are answered."""
        self._draining = True

    def close(self) -> None:
        """Finish what the predictors accepted and stop them."""
        self.models.close()


class ServiceApp(Flask):
    """The service's Flask app, holding its state as a typed attribute: the gunicorn worker and hooks, and
    every blueprint (built from the state), reach it through this, never through a string key."""

    response_class = ScoredResponse

    def __init__(self, state: ServiceState):
        # No implicit /static route: the playground blueprint serves its few files itself, and only when enabled.
        super().__init__("sentiment_service.http", static_folder=None)
        self.state = state

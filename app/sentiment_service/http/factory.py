"""The application factory: settings and a predictor in, a ready-to-serve Flask app out."""

from sentiment_service.http.early_refusal import install_early_refusal
from sentiment_service.http.errors import register_error_handlers
from sentiment_service.http.explain_api import explain_blueprint
from sentiment_service.http.playground import PAGE_PATHS, playground_blueprint
from sentiment_service.http.request_log import install_request_log
from sentiment_service.http.routes import api_blueprint
from sentiment_service.http.security import install_security
from sentiment_service.http.state import ServiceApp, ServiceState
from sentiment_service.predictor.contract import Predictor
from sentiment_service.predictor.model_set import ModelSet
from sentiment_service.settings import Settings


def create_app(settings: Settings, models: ModelSet | Predictor) -> ServiceApp:
    """Build the app around models (or one predictor) not loaded yet, and load them before returning.

    Under gunicorn each worker does this before it accepts a connection, so a worker never receives a
    request while its models load; a failed load is kept in the state, and /ready says why.
    """
    state = ServiceState(settings, models if isinstance(models, ModelSet) else ModelSet([models]))
    app = ServiceApp(state)
    app.config["MAX_CONTENT_LENGTH"] = settings.max_body_bytes
    app.json.sort_keys = False
    install_request_log(app, settings.log_texts)
    # The playground page and its assets hold no data, so they need no key; when it is off they answer 404,
    # with or without a key.
    install_security(app, settings, page_paths=PAGE_PATHS)
    install_early_refusal(app, state)
    register_error_handlers(app)
    app.register_blueprint(api_blueprint(state))
    app.register_blueprint(explain_blueprint(state))
    if settings.playground:
        app.register_blueprint(playground_blueprint())
    state.load()
    return app

"""The application factory: settings and a predictor in, a ready-to-serve Flask app out."""

import threading

from flask import Flask

from sentiment_service.http.errors import register_error_handlers
from sentiment_service.http.explain_api import explain_api
from sentiment_service.http.playground import playground_blueprint
from sentiment_service.http.request_log import install_request_log
from sentiment_service.http.routes import api
from sentiment_service.http.security import install_security
from sentiment_service.http.state import ServiceState, attach_state
from sentiment_service.predictor.contract import Predictor
from sentiment_service.settings import Settings


def create_app(settings: Settings, predictor: Predictor, *, load_in_background: bool = True) -> Flask:
    """Build the app around a predictor that is not loaded yet, and load it (by default in a thread,
    so /health answers while /ready is still 503)."""
    # No implicit /static route: the playground blueprint serves its few files itself, and only when enabled.
    app = Flask(__name__, static_folder=None)
    app.config["MAX_CONTENT_LENGTH"] = settings.max_body_bytes
    app.json.sort_keys = False
    state = ServiceState(settings, predictor)
    attach_state(app, state)
    install_request_log(app, predictor.info.version, settings.log_texts)
    install_security(app, settings)
    register_error_handlers(app)
    app.register_blueprint(api)
    app.register_blueprint(explain_api)
    if settings.playground:
        app.register_blueprint(playground_blueprint())
    if load_in_background:
        threading.Thread(target=state.load, name="model-loader", daemon=True).start()
    else:
        state.load()
    return app

"""Gunicorn's entry point: `gunicorn -c app/gunicorn_conf.py app.wsgi:app`."""

from app.http.factory import create_app
from app.logs import configure_logging
from app.settings import load_settings

settings = load_settings()
configure_logging(settings.log_level)
# Under gunicorn each worker loads its model before it starts accepting connections (about 0.5 s), so a
# worker that is still loading, at start-up or after replacing a crashed one, never receives a request
# to answer with 503: its siblings take them. /ready still turns 503 while draining or after a failed load.
app = create_app(settings, load_in_background=False)

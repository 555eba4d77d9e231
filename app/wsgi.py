"""Gunicorn's entry point: `gunicorn -c app/gunicorn_conf.py app.wsgi:app`."""

from app.http.factory import create_app
from app.logs import configure_logging
from app.settings import load_settings

settings = load_settings()
configure_logging(settings.log_level)
app = create_app(settings)

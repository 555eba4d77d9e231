"""Gunicorn's entry point: `gunicorn -c app/gunicorn_conf.py sentiment_service.wsgi:app`."""

from sentiment_service.bootstrap import bootstrap
from sentiment_service.service import build_app
from sentiment_service.settings import load_settings

# The gunicorn master already ran bootstrap() (gunicorn_conf.py); running it again in the worker only
# re-reads the same environment, and makes this module work under any WSGI server.
app = build_app(bootstrap(load_settings()))

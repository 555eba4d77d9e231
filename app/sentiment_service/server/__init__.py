"""The gunicorn side of the service: the worker class, its drain, and the server hooks."""

"""The one place that turns errors into HTTP statuses and the one JSON error shape:
{"error": {"code": "...", "message": "...", ...details}}."""

import logging

from flask import Flask, jsonify
from werkzeug.exceptions import HTTPException

from app import metrics
from app.predictor.contract import DeadlineExceeded, InvalidText, NotReady, Overloaded

log = logging.getLogger("app.errors")

# werkzeug's names are for humans; clients switch on these stable codes.
HTTP_CODES = {400: "bad_request", 401: "unauthorized", 404: "not_found", 405: "method_not_allowed",
              411: "length_required", 413: "body_too_large", 415: "unsupported_media_type",
              429: "overloaded", 431: "headers_too_large"}


class ApiError(Exception):
    """Raised by the HTTP layer for a request it refuses."""

    def __init__(self, status: int, code: str, message: str, headers: dict | None = None, **details):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message
        self.headers = headers or {}
        self.details = details


def error_response(error: ApiError):
    if error.status in (413, 415, 422, 429):
        metrics.REJECTIONS.labels(error.code).inc()
    body = {"error": {"code": error.code, "message": error.message, **error.details}}
    response = jsonify(body)
    response.status_code = error.status
    response.headers.update(error.headers)
    return response


def as_api_error(exc: Exception) -> ApiError:
    """Map a domain or framework exception to the ApiError it is answered with."""
    if isinstance(exc, ApiError):
        return exc
    if isinstance(exc, Overloaded):
        return ApiError(429, "overloaded", str(exc), {"Retry-After": str(exc.retry_after_s)})
    if isinstance(exc, NotReady):
        return ApiError(503, "not_ready", str(exc), {"Retry-After": "5"})
    if isinstance(exc, DeadlineExceeded):
        return ApiError(503, "deadline_exceeded", str(exc), {"Retry-After": "1"})
    if isinstance(exc, InvalidText):
        return ApiError(422, "invalid_text", str(exc), index=exc.index)
    if isinstance(exc, HTTPException):
        headers = dict(exc.get_response().headers)
        headers.pop("Content-Type", None)
        headers.pop("Content-Length", None)
        return ApiError(exc.code or 500, HTTP_CODES.get(exc.code, "http_error"), exc.description or exc.name, headers)
    log.error("unhandled error", exc_info=exc)
    return ApiError(500, "internal_error", "the server failed to answer; the request id is in the logs")


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(Exception)
    def handle(exc: Exception):
        return error_response(as_api_error(exc))

"""The one place that turns errors into HTTP responses with the one JSON error shape:
{"error": {"code": "...", "message": "...", ...details}}. Statuses come from the catalogue."""

import logging

from flask import Flask, jsonify
from werkzeug.exceptions import HTTPException

from sentiment_service import metrics
from sentiment_service.http.catalogue import CATALOGUE, FRAMEWORK_CODE_BY_STATUS
from sentiment_service.predictor.contract import DeadlineExceeded, InvalidText, NotReady, Overloaded
from sentiment_service.predictor.model_set import UnknownModel

log = logging.getLogger("sentiment_service.errors")


class ApiError(Exception):
    """Raised by the HTTP layer for a request it refuses; `code` is a key of the catalogue."""

    def __init__(self, code: str, message: str, *, retry_after_s: int | None = None, headers: dict | None = None,
                 **details):
        super().__init__(message)
        kind = CATALOGUE[code]
        self.status, self.code, self.message = kind.status, code, message
        self.headers = dict(headers or {})
        retry_after_s = retry_after_s if retry_after_s is not None else kind.retry_after_s
        if retry_after_s is not None:
            self.headers["Retry-After"] = str(retry_after_s)
        self.details = details


def error_response(error: ApiError):
    if CATALOGUE[error.code].is_rejection:
        metrics.REJECTIONS.labels(error.code).inc()
    response = jsonify({"error": {"code": error.code, "message": error.message, **error.details}})
    response.status_code = error.status
    response.headers.update(error.headers)
    return response


def _framework_error(exc: HTTPException) -> ApiError:
    headers = dict(exc.get_response().headers)
    headers.pop("Content-Type", None)
    headers.pop("Content-Length", None)
    code = FRAMEWORK_CODE_BY_STATUS.get(exc.code or 500)
    if code is None:
        log.warning("framework error without a catalogue code", extra={"status": exc.code})
        code = "internal_error"
    return ApiError(code, exc.description or exc.name, headers=headers)


def as_api_error(exc: Exception) -> ApiError:
    """Map a domain or framework exception to the ApiError it is answered with."""
    if isinstance(exc, ApiError):
        return exc
    if isinstance(exc, Overloaded):
        return ApiError("overloaded", str(exc), retry_after_s=exc.retry_after_s, reason=exc.reason)
    if isinstance(exc, NotReady):
        return ApiError("not_ready", str(exc))
    if isinstance(exc, DeadlineExceeded):
        return ApiError("deadline_exceeded", str(exc))
    if isinstance(exc, UnknownModel):
        return ApiError("unknown_model", str(exc))
    if isinstance(exc, InvalidText):
        return ApiError("invalid_text", str(exc), index=exc.index)
    if isinstance(exc, HTTPException):
        return _framework_error(exc)
    log.error("unhandled error", exc_info=exc)
    return ApiError("internal_error", CATALOGUE["internal_error"].meaning)


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(Exception)
    def handle(exc: Exception):
        return error_response(as_api_error(exc))

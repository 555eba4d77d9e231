"""Every error code the API answers with: its status, what it means, and how long to wait before retrying.

The error handlers and the OpenAPI generator both read this table, so a code's status, meaning and
Retry-After are written once. Clients switch on the codes; they are stable.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class ErrorKind:
    status: int
    meaning: str
    # Seconds for Retry-After; None for errors that retrying cannot fix.
    retry_after_s: int | None = None


CATALOGUE: dict[str, ErrorKind] = {
    "bad_request": ErrorKind(400, "the request could not be read"),
    "malformed_json": ErrorKind(400, "the body is not valid JSON"),
    "unauthorized": ErrorKind(401, "missing or wrong API key"),
    "not_found": ErrorKind(404, "no such endpoint"),
    "method_not_allowed": ErrorKind(405, "the endpoint does not take this method"),
    "length_required": ErrorKind(411, "the request needs a Content-Length or chunked body"),
    "body_too_large": ErrorKind(413, "the body is over MAX_BODY_BYTES"),
    "text_too_long": ErrorKind(413, "a text is over MAX_TEXT_CHARS"),
    "batch_too_large": ErrorKind(413, "the batch is over MAX_BATCH_TEXTS"),
    "too_many_words": ErrorKind(413, "the text to explain has more words than EXPLAIN_MAX_WORDS"),
    "unsupported_media_type": ErrorKind(415, "Content-Type is not application/json"),
    "invalid_request": ErrorKind(422, "valid JSON, but not the shape this endpoint takes"),
    "empty_text": ErrorKind(422, "a text is empty or only whitespace"),
    "invalid_text": ErrorKind(422, "a text cannot be tokenized (for example a lone UTF-16 surrogate)"),
    # Admission control says how long: the seconds of work already waiting, 1 s at least.
    "overloaded": ErrorKind(429, "the work already waiting would keep this request past REQUEST_DEADLINE_S; "
                                 "retry after Retry-After seconds", 1),
    "headers_too_large": ErrorKind(431, "request headers are too large"),
    "internal_error": ErrorKind(500, "the server failed to answer; the request id is in the logs"),
    "not_ready": ErrorKind(503, "the model is still loading", 2),
    "model_load_failed": ErrorKind(503, "the model failed to load; the logs say why"),
    "shutting_down": ErrorKind(503, "this worker is shutting down; another instance will answer", 5),
    "deadline_exceeded": ErrorKind(503, "the request waited past REQUEST_DEADLINE_S and was not scored", 1),
}

# The code for an error raised by the framework itself (routing, methods, header limits), by status.
_FRAMEWORK_CODES = ("bad_request", "not_found", "method_not_allowed", "length_required", "body_too_large",
                    "unsupported_media_type", "headers_too_large")
FRAMEWORK_CODE_BY_STATUS: dict[int, str] = {CATALOGUE[code].status: code for code in _FRAMEWORK_CODES}


def meanings(status: int) -> str:
    """Every meaning of a status, for the OpenAPI document: one line per code."""
    return "; ".join(f"{code}: {kind.meaning}" for code, kind in CATALOGUE.items() if kind.status == status)

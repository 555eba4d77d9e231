"""Every error code the API answers with: its status, what it means, which paths answer with it, and how
long to wait before retrying; and the refusals gunicorn answers itself, before a request reaches the app.

The error handlers, the OpenAPI generator and the README's tests all read these tables, so a code's status,
meaning, paths and Retry-After are written once. Clients switch on the codes; they are stable.
"""

from dataclasses import dataclass

# In ErrorKind.paths: a code that any request can get, whatever its path.
ANY_PATH = "*"
SCORING_PATHS = ("/predict", "/batch-predict", "/explain")


REJECTION_STATUSES = frozenset({413, 415, 422, 429})


@dataclass(frozen=True)
class ErrorKind:
    status: int
    meaning: str
    # Seconds for Retry-After; None for errors that retrying cannot fix.
    retry_after_s: int | None = None
    # The paths whose operations can answer with it. Empty for a request that no operation takes (an unknown
    # path, another method), and for the framework's refusals that gunicorn never lets reach the app.
    paths: tuple[str, ...] = ()

    @property
    def is_rejection(self) -> bool:
        """A refusal of what the client sent or of the load it adds (413, 415, 422, 429): counted in
        sentiment_rejections_total{reason=<code>}, as opposed to a failure of the request or of the server."""
        return self.status in REJECTION_STATUSES


CATALOGUE: dict[str, ErrorKind] = {
    # The framework's own 400 (werkzeug's BadRequest), a safety net: the service reads bodies itself, so a short
    # or broken body gets malformed_json.
    "bad_request": ErrorKind(400, "the request could not be read", paths=SCORING_PATHS),
    "malformed_json": ErrorKind(400, "the body is not valid JSON", paths=SCORING_PATHS),
    # Only with API keys set; /metrics only with METRICS_REQUIRE_KEY. Every other path is open (http/security.py).
    "unauthorized": ErrorKind(401, "missing or wrong API key", paths=(*SCORING_PATHS, "/metrics")),
    "not_found": ErrorKind(404, "no such endpoint"),
    "method_not_allowed": ErrorKind(405, "the endpoint does not take this method"),
    # Never under gunicorn: it reads a body with neither Content-Length nor chunked encoding as empty.
    "length_required": ErrorKind(411, "the request needs a Content-Length or chunked body"),
    "body_too_large": ErrorKind(413, "the body is over MAX_BODY_BYTES", paths=SCORING_PATHS),
    "text_too_long": ErrorKind(413, "a text is over MAX_TEXT_CHARS", paths=SCORING_PATHS),
    "batch_too_large": ErrorKind(413, "the batch is over MAX_BATCH_TEXTS", paths=("/batch-predict",)),
    "too_many_words": ErrorKind(413, "the text to explain has more words than EXPLAIN_MAX_WORDS", paths=("/explain",)),
    "unsupported_media_type": ErrorKind(415, "Content-Type is not application/json", paths=SCORING_PATHS),
    "invalid_request": ErrorKind(422, "valid JSON, but not the shape this endpoint takes", paths=SCORING_PATHS),
    "unknown_model": ErrorKind(422, "`model` names no model this service serves (GET /models lists them)",
                               paths=SCORING_PATHS),
    "empty_text": ErrorKind(422, "a text is empty or only whitespace", paths=SCORING_PATHS),
    "invalid_text": ErrorKind(422, "a text cannot be tokenized (for example a lone UTF-16 surrogate)",
                              paths=SCORING_PATHS),
    # Admission control says how long: the seconds of work already waiting, 1 s at least.
    "overloaded": ErrorKind(429, "refused at once by admission control (`reason`: deadline, threads or queue_texts); "
                                 "retry after Retry-After seconds", 1, paths=SCORING_PATHS),
    # Never under gunicorn: it refuses oversized headers itself (SERVER_REFUSALS).
    "headers_too_large": ErrorKind(431, "request headers are too large"),
    "internal_error": ErrorKind(500, "the server failed to answer; the request id is in the logs", paths=(ANY_PATH,)),
    "not_ready": ErrorKind(503, "the model is still loading", 2, paths=(*SCORING_PATHS, "/ready")),
    "model_load_failed": ErrorKind(503, "the model failed to load; the logs say why", paths=("/ready",)),
    "shutting_down": ErrorKind(503, "this worker is shutting down; another instance will answer", 5, paths=("/ready",)),
    "deadline_exceeded": ErrorKind(503, "the request waited past REQUEST_DEADLINE_S and was not scored", 1,
                                   paths=SCORING_PATHS),
}

# What gunicorn refuses itself, on any path, before the app sees the request: a short HTML page, not the JSON
# error shape, and no code. The limits are set in app/gunicorn_conf.py.
SERVER_REFUSALS: dict[int, str] = {
    400: "gunicorn cannot parse the request line or a header (or a Transfer-Encoding that does not end in chunked)",
    414: "the request line is longer than gunicorn's limit_request_line",
    417: "an Expect header other than 100-continue",
    431: "more header fields than gunicorn's limit_request_fields, or one longer than limit_request_field_size",
    501: "a transfer coding gunicorn does not implement",
}

# The code for an error raised by the framework itself (routing, methods, header limits), by status.
_FRAMEWORK_CODES = ("bad_request", "not_found", "method_not_allowed", "length_required", "body_too_large",
                    "unsupported_media_type", "headers_too_large")
FRAMEWORK_CODE_BY_STATUS: dict[int, str] = {CATALOGUE[code].status: code for code in _FRAMEWORK_CODES}


def codes_at(path: str) -> dict[str, ErrorKind]:
    """The codes the operations at `path` can answer with."""
    return {code: kind for code, kind in CATALOGUE.items() if path in kind.paths or ANY_PATH in kind.paths}


def statuses_at(path: str) -> set[int]:
    """Every error status a request to `path` can get: its codes' and gunicorn's own."""
    return {kind.status for kind in codes_at(path).values()} | set(SERVER_REFUSALS)

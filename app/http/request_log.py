"""Per-request id, one JSON access-log line and the request metrics."""

import logging
import re
import time
import uuid

from flask import Flask, g, request

from app import metrics

log = logging.getLogger("app.access")
_SAFE_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
_TRACEPARENT = re.compile(r"^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$")


def install_request_log(app: Flask, model_version: str, log_texts: bool = False) -> None:
    """Input texts are logged only when LOG_TEXTS is set (debugging); never by default."""
    @app.before_request
    def start():
        g.started = time.perf_counter()
        incoming = request.headers.get("X-Request-ID", "")
        # A client's id is echoed only if it is safe to put in a header and a log line.
        g.request_id = incoming if _SAFE_ID.match(incoming) else uuid.uuid4().hex
        g.text_count = g.char_count = 0

    @app.after_request
    def finish(response):
        duration = time.perf_counter() - g.get("started", time.perf_counter())
        endpoint = request.url_rule.rule if request.url_rule else "unmatched"
        metrics.REQUESTS.labels(endpoint, request.method, str(response.status_code)).inc()
        metrics.REQUEST_SECONDS.labels(endpoint, str(response.status_code)).observe(duration)
        request_id = g.get("request_id") or uuid.uuid4().hex
        response.headers["X-Request-ID"] = request_id
        traceparent = request.headers.get("traceparent", "")
        log.info("request", extra={
            "request_id": request_id, "method": request.method, "path": request.path,
            "status": response.status_code, "duration_ms": round(duration * 1000, 2),
            "texts": g.get("text_count", 0), "chars": g.get("char_count", 0), "model_version": model_version,
            **({"traceparent": traceparent} if _TRACEPARENT.match(traceparent) else {}),
            **({"input_texts": g.get("texts")} if log_texts and g.get("texts") else {}),
        })
        return response

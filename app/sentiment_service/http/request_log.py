"""Per-request id, one JSON access-log line and the request metrics."""

import logging
import re
import time
import uuid
from dataclasses import dataclass, field

from flask import Flask, Response, g, request

from sentiment_service import metrics

log = logging.getLogger("sentiment_service.access")
_SAFE_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
_TRACEPARENT = re.compile(r"^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$")


class ScoredResponse(Response):
    """A response that carries the texts its request scored and the model that scored them, for the access-log
    line (texts counted always, logged only with LOG_TEXTS): the route that scored them sets both."""

    scored_texts: tuple[str, ...] = ()
    # (name, version) of the model that answered; None for a request that scored nothing.
    scored_by: tuple[str, str] | None = None


@dataclass
class AccessRecord:
    """When the request started and the id it is logged under."""

    request_id: str
    started: float = field(default_factory=time.perf_counter)


def install_request_log(app: Flask, log_texts: bool = False) -> None:
    """Input texts are logged only when LOG_TEXTS is set (debugging); never by default."""
    @app.before_request
    def start():
        incoming = request.headers.get("X-Request-ID", "")
        # A client's id is echoed only if it is safe to put in a header and a log line.
        g.access_record = AccessRecord(incoming if _SAFE_ID.match(incoming) else uuid.uuid4().hex)

    @app.after_request
    def finish(response: Response):
        # A request refused before `start` ran (e.g. a malformed request line) still gets a record.
        record: AccessRecord = g.get("access_record") or AccessRecord(uuid.uuid4().hex)
        duration = time.perf_counter() - record.started
        endpoint = request.url_rule.rule if request.url_rule else "unmatched"
        metrics.REQUESTS.labels(endpoint, request.method, str(response.status_code)).inc()
        metrics.REQUEST_SECONDS.labels(endpoint, str(response.status_code)).observe(duration)
        response.headers["X-Request-ID"] = record.request_id
        traceparent = request.headers.get("traceparent", "")
        texts = getattr(response, "scored_texts", ())
        model = getattr(response, "scored_by", None)
        log.info("request", extra={
            "request_id": record.request_id, "method": request.method, "path": request.path,
            "status": response.status_code, "duration_ms": round(duration * 1000, 2),
            "texts": len(texts), "chars": sum(len(t) for t in texts),
            **({"model": model[0], "model_version": model[1]} if model else {}),
            **({"traceparent": traceparent} if _TRACEPARENT.match(traceparent) else {}),
            **({"input_texts": list(texts)} if log_texts and texts else {}),
        })
        return response

"""Optional API keys, CORS for configured origins, and response hardening headers."""

import hmac

from flask import Flask, request

from sentiment_service.http.errors import ApiError
from sentiment_service.settings import Settings

# Probes and the OpenAPI document stay reachable without a key so orchestrators can check the service; /models
# says no more than /version does (names, versions, labels), and the playground lists it before a key is typed.
OPEN_PATHS = frozenset({"/health", "/ready", "/openapi.json", "/version", "/models"})


def _presented_key() -> str | None:
    auth = request.headers.get("Authorization", "")
    if auth[:7].lower() == "bearer ":
        return auth[7:].strip()
    return request.headers.get("X-API-Key")


def _key_matches(presented: str, keys: list[bytes]) -> bool:
    # Compare against every key, with no early exit, so timing reveals neither which key nor how much matched.
    candidate = presented.encode("utf-8", "surrogatepass")
    matched = False
    for key in keys:
        matched |= hmac.compare_digest(candidate, key)
    return matched


def install_security(app: Flask, settings: Settings, page_paths: frozenset[str] = frozenset()) -> None:
    """API keys, CORS and hardening headers; `page_paths` are pages that hold no data and need no key."""
    keys = [k.get_secret_value().encode("utf-8") for k in settings.api_keys]
    open_paths = OPEN_PATHS | page_paths | (frozenset() if settings.metrics_require_key else {"/metrics"})
    origins = set(settings.cors_origins)

    @app.before_request
    def require_key():
        if not keys or request.path in open_paths or request.method == "OPTIONS":
            return None
        presented = _presented_key()
        if presented is None or not _key_matches(presented, keys):
            raise ApiError("unauthorized", "a valid API key is required (Authorization: Bearer <key> or X-API-Key)",
                           headers={"WWW-Authenticate": 'Bearer realm="sentiment"'})
        return None

    @app.after_request
    def harden(response):
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Cache-Control"] = "no-store"
        origin = request.headers.get("Origin")
        if origin and origin in origins:
            response.headers["Access-Control-Allow-Origin"] = origin
            response.headers["Vary"] = "Origin"
            if request.method == "OPTIONS":
                response.headers["Access-Control-Allow-Methods"] = "GET, POST"
                response.headers["Access-Control-Allow-Headers"] = "Content-Type, Authorization, X-API-Key, X-Request-ID"
                response.headers["Access-Control-Max-Age"] = "600"
        return response

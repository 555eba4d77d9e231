"""The playground page at /: static HTML, CSS and JavaScript from the package, under a strict CSP.

The page holds no data, so it and its assets need no API key; the API calls it makes carry the key the
user types (kept in the tab's memory and sessionStorage only). Everything is served from this origin:
the service runs offline, and the CSP forbids inline script and style and any other origin.
"""

from pathlib import Path

from flask import Blueprint, Response

STATIC_DIR = Path(__file__).with_name("static")
# URL path -> (file in static/, Content-Type). The page references exactly these.
ASSETS: dict[str, tuple[str, str]] = {
    "/": ("index.html", "text/html; charset=utf-8"),
    "/playground/app.js": ("playground.js", "text/javascript; charset=utf-8"),
    "/playground/style.css": ("playground.css", "text/css; charset=utf-8"),
}
PAGE_PATHS = frozenset(ASSETS)

CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'", "script-src 'self'", "style-src 'self'", "img-src 'self' data:", "connect-src 'self'",
    "frame-ancestors 'none'", "base-uri 'none'", "form-action 'self'",
])


def playground_blueprint() -> Blueprint:
    """The page and its assets, read once at start-up (a missing file stops the service there)."""
    blueprint = Blueprint("playground", __name__)
    for path, (name, content_type) in ASSETS.items():
        body = (STATIC_DIR / name).read_bytes()
        blueprint.add_url_rule(path, endpoint=name.replace(".", "_"), methods=["GET"],
                               view_func=lambda body=body, content_type=content_type: Response(body, content_type=content_type))

    @blueprint.after_request
    def strict_headers(response: Response) -> Response:
        response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
        response.headers["Referrer-Policy"] = "no-referrer"
        response.headers["X-Frame-Options"] = "DENY"
        return response

    return blueprint

"""Strict JSON request bodies: the right Content-Type, UTF-8, no duplicate keys, no NaN, bounded size."""

import json

from flask import Request

from app.http.errors import ApiError


def _no_duplicates(pairs: list[tuple[str, object]]) -> dict:
    result = {}
    for key, value in pairs:
        if key in result:
            raise ApiError(400, "malformed_json", f"duplicate key {key!r} in JSON object")
        result[key] = value
    return result


def _no_constants(name: str) -> None:
    raise ApiError(400, "malformed_json", f"{name} is not valid JSON")


def read_json(request: Request) -> object:
    """Parse the body; raises ApiError 415 (not JSON), 413 (too large, via MAX_CONTENT_LENGTH) or 400."""
    if not request.is_json:
        raise ApiError(415, "unsupported_media_type", "send the body as JSON with Content-Type: application/json")
    raw = request.get_data(cache=False)  # bounded by MAX_CONTENT_LENGTH, also for chunked bodies
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ApiError(400, "malformed_json", f"body is not valid UTF-8 (byte {exc.start})") from None
    try:
        return json.loads(text, object_pairs_hook=_no_duplicates, parse_constant=_no_constants)
    except json.JSONDecodeError as exc:
        raise ApiError(400, "malformed_json", f"body is not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}") from None
    except RecursionError:
        raise ApiError(400, "malformed_json", "JSON is nested too deeply") from None

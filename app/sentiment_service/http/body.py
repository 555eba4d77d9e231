"""Strict JSON request bodies: the right Content-Type, UTF-8, no duplicate keys, no NaN, bounded size."""

import json

from flask import Request

from sentiment_service.http.errors import ApiError


def _no_duplicates(pairs: list[tuple[str, object]]) -> dict:
    result = {}
    for key, value in pairs:
        if key in result:
            raise ApiError("malformed_json", f"duplicate key {key!r} in JSON object")
        result[key] = value
    return result


def _no_constants(name: str) -> None:
    raise ApiError("malformed_json", f"{name} is not valid JSON")


def _too_large(limit: int) -> ApiError:
    return ApiError("body_too_large", f"request body is over the {limit}-byte limit", limit=limit)


def read_body(request: Request, limit: int) -> bytes:
    """The raw body, refused with 413 as soon as it is known to exceed `limit`, never read whole."""
    if request.content_length is not None:
        if request.content_length > limit:
            raise _too_large(limit)  # announced size: refused before a byte of the body is read
        return request.get_data(cache=False)
    # Chunked upload: read at most limit + 1 bytes, which is enough to know it is too large.
    stream = request.environ["wsgi.input"]
    chunks, size = [], 0
    while size <= limit:
        chunk = stream.read(min(1 << 16, limit + 1 - size))
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    if size > limit:
        raise _too_large(limit)
    return b"".join(chunks)


def read_json(request: Request, limit: int) -> object:
    """Parse the body; raises ApiError 415 (not JSON), 413 (over `limit` bytes) or 400 (not valid JSON)."""
    if not request.is_json:
        raise ApiError("unsupported_media_type", "send the body as JSON with Content-Type: application/json")
    raw = read_body(request, limit)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ApiError("malformed_json", f"body is not valid UTF-8 (byte {exc.start})") from None
    try:
        return json.loads(text, object_pairs_hook=_no_duplicates, parse_constant=_no_constants)
    except json.JSONDecodeError as exc:
        raise ApiError("malformed_json", f"body is not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}") from None
    except RecursionError:
        raise ApiError("malformed_json", "JSON is nested too deeply") from None

"""Hand-picked hostile requests over raw sockets: each answered with the right 4xx, no worker lost."""

import json
import socket
import time

import pytest
import requests

from tests.reliability.conftest import worker_pids

pytestmark = pytest.mark.integration


def raw_request(url: str, payload: bytes, read_timeout: float = 10) -> tuple[int, bytes]:
    host, port = url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=read_timeout) as sock:
        sock.sendall(payload)
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = sock.recv(65536)
            if not chunk:
                break
            data += chunk
    status = int(data.split(b" ", 2)[1]) if data.startswith(b"HTTP/") else 0
    return status, data


def post_bytes(body: bytes, content_type: str = "application/json") -> bytes:
    return (b"POST /predict HTTP/1.1\r\nHost: t\r\nConnection: close\r\nContent-Type: " + content_type.encode()
            + b"\r\nContent-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body)


TEXTS_THAT_SCORE = [
    "NUL \x00 and controls \x01\x07\x1b in text", "emoji 😀🎉 and RTL עברית العربية", "zero\u200bwidth\u200djoiner\ufeff",
    "combining e\u0301\u0301\u0301", "\U0010ffff private plane", "a" * 2000,
]


@pytest.mark.parametrize("text", TEXTS_THAT_SCORE)
def test_odd_but_valid_text_is_scored(service, text):
    response = requests.post(f"{service.url}/predict", json={"text": text}, timeout=10)
    assert response.status_code == 200
    assert response.json()["label"] in ("positive", "negative")


@pytest.mark.parametrize("body, status", [
    (b'{"text": "\xff\xfe\xfd"}', 400),                     # invalid UTF-8
    (b'{"text": "\\ud800"}', 422),                          # lone surrogate escape
    (b'{"text": "\\udc00 tail"}', 422),
    (b'{"text": " \\t\\n "}', 422),                         # whitespace only
    (b"[" * 50_000 + b"]" * 50_000, 400),                  # deeply nested JSON
    (b'{"text": "a", "text": "b"}', 400),                   # duplicate keys
    (b'{"text": 1}', 422), (b'{"text": []}', 422), (b'{"text": {}}', 422), (b'{"text": null}', 422),
    (b'{"text": "ok", "extra": true}', 422),
    (b'{"text": 1e999}', 422), (b'{"text": Infinity}', 400), (b"", 400), (b"null", 422),
])
def test_malformed_bodies_get_4xx(service, body, status):
    assert raw_request(service.url, post_bytes(body))[0] == status


def test_batch_with_one_bad_item_is_422_naming_it(service):
    response = requests.post(f"{service.url}/batch-predict", json={"texts": ["fine", "also fine", 7, "ok"]}, timeout=10)
    assert response.status_code == 422 and response.json()["error"]["index"] == 2


def test_huge_declared_body_is_refused_before_it_is_sent(service):
    """100 MB announced by Content-Length: 413 comes back without the server waiting for the body."""
    head = (b"POST /predict HTTP/1.1\r\nHost: t\r\nConnection: close\r\nContent-Type: application/json\r\n"
            b"Content-Length: 100000000\r\n\r\n")
    started = time.monotonic()
    assert raw_request(service.url, head + b'{"text": "')[0] == 413
    assert time.monotonic() - started < 5


def test_one_megabyte_body_is_refused(service):
    assert raw_request(service.url, post_bytes(b'{"text": "' + b"a" * 1_100_000 + b'"}'))[0] == 413


def test_chunked_bodies_are_read_and_limited(service):
    body = json.dumps({"text": "chunked but fine"}).encode()
    chunked = (b"POST /predict HTTP/1.1\r\nHost: t\r\nConnection: close\r\nContent-Type: application/json\r\n"
               b"Transfer-Encoding: chunked\r\n\r\n" + f"{len(body):x}".encode() + b"\r\n" + body + b"\r\n0\r\n\r\n")
    assert raw_request(service.url, chunked)[0] == 200
    # Over the limit without a Content-Length: refused while streaming, never read whole.
    piece = b"a" * 65536
    endless = (b"POST /predict HTTP/1.1\r\nHost: t\r\nConnection: close\r\nContent-Type: application/json\r\n"
               b"Transfer-Encoding: chunked\r\n\r\n" + (f"{len(piece):x}".encode() + b"\r\n" + piece + b"\r\n") * 20
               + b"0\r\n\r\n")
    assert raw_request(service.url, endless)[0] == 413


def test_oversized_request_line_and_headers_are_refused(service):
    assert raw_request(service.url, b"GET /" + b"a" * 10_000 + b" HTTP/1.1\r\nHost: t\r\n\r\n")[0] in (400, 414)
    many = b"".join(f"X-H{i}: v\r\n".encode() for i in range(200))
    assert raw_request(service.url, b"GET /health HTTP/1.1\r\nHost: t\r\n" + many + b"\r\n")[0] in (400, 431)


def test_a_slow_client_does_not_block_others(service):
    host, port = service.url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as slow:
        slow.sendall(b"POST /predict HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\nContent-Length: 40\r\n\r\n{")
        for _ in range(5):  # others are served while it trickles
            assert requests.post(f"{service.url}/predict", json={"text": "fine"}, timeout=5).status_code == 200
            slow.sendall(b" ")
            time.sleep(0.05)


def test_service_survived_the_battery(service):
    assert requests.get(f"{service.url}/ready", timeout=5).status_code == 200
    assert worker_pids(service.process.pid) == service.initial_workers, "no worker may have restarted"

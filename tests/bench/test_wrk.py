"""bench/wrk.py drives the real wrk binary: every answer is counted by status, and texts only for the 200s."""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from bench.load import batch_requests
from bench.wrk import run_wrk, wrk_available

pytestmark = pytest.mark.skipif(not wrk_available(), reason="wrk is not installed (Debian: apt-get install wrk)")


class _Handler(BaseHTTPRequestHandler):
    """200 for a body whose first text starts with "ok", else 429; remembers the paths it saw."""

    protocol_version = "HTTP/1.1"  # keep-alive, as the service answers
    paths: list[str] = []

    def do_POST(self):  # noqa: N802 (http.server's naming)
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        _Handler.paths.append(self.path)
        status = 200 if body["texts"][0].startswith("ok") else 429
        payload = b"{}"
        self.send_response(status)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args):
        pass


@pytest.fixture()
def server_url():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_statuses_texts_and_percentiles_come_back_from_wrk(server_url):
    requests = batch_requests(["ok a", "ok b", "no c", "no d"], batch_size=2)  # one 200 body, one 429 body
    result = run_wrk(server_url, requests, concurrency=2, duration_s=1)
    summary = result.summary()
    assert set(result.statuses) == {200, 429}
    assert result.requests == sum(result.statuses.values()) > 10
    assert result.texts_ok == 2 * result.statuses[200]
    assert summary["client"] == "wrk"
    assert 0 < summary["p50_ms"] <= summary["p99_ms"] <= summary["max_ms"]
    assert set(_Handler.paths) == {"/batch-predict"}


def test_rows_mixing_paths_or_sizes_are_refused():
    with pytest.raises(ValueError):
        run_wrk("http://127.0.0.1:1", batch_requests(["a", "b", "c"], 1) + batch_requests(["a", "b"], 2),
                concurrency=1, duration_s=1)

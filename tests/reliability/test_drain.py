"""SIGTERM under load resets nothing: clients opening a new connection per request either get their answer
or have their connection refused (safe to retry), never a reset after the request was sent."""

import errno
import http.client
import json
import os
import signal
import subprocess
import sys
import threading
import time

import pytest
import requests

from tests.integration.gunicorn_process import ROOT, free_port, gunicorn_service, stop_process

pytestmark = pytest.mark.integration
CLIENTS = 8
BODY = json.dumps({"text": "I loved it"})


class Tally:
    def __init__(self):
        self.lock = threading.Lock()
        self.counts = {"ok": 0, "refused": 0, "reset": 0, "lost": 0, "other": 0}
        self.details: list[str] = []

    def add(self, outcome: str, detail: str = "") -> None:
        with self.lock:
            self.counts[outcome] += 1
            if detail:
                self.details.append(detail)


def one_request(port: int, tally: Tally) -> bool:
    """One POST on a fresh connection; False once the listener refuses connections."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.connect()
    except OSError as exc:  # refused, or no handshake at all: nothing was sent, so a retry is safe
        tally.add("refused", "" if isinstance(exc, ConnectionRefusedError) else repr(exc))
        return False
    try:
        conn.request("POST", "/predict", BODY, {"Content-Type": "application/json", "Connection": "close"})
        response = conn.getresponse()
        response.read()
        tally.add("ok" if response.status == 200 else "other", "" if response.status == 200 else str(response.status))
    except ConnectionResetError as exc:
        tally.add("reset", repr(exc))
    except (http.client.RemoteDisconnected, BrokenPipeError, TimeoutError) as exc:
        tally.add("lost", repr(exc))
    except OSError as exc:
        tally.add("reset" if exc.errno == errno.ECONNRESET else "lost", repr(exc))
    finally:
        conn.close()
    return True


def wait_all_workers_ready(service, workers: int, timeout_s: float = 60) -> None:
    """/ready answers once one worker is up; a stop during a worker's boot is tested separately below."""
    deadline = time.monotonic() + timeout_s
    while sum('"message": "model ready"' in line for line in service.log_lines()) < workers:
        assert time.monotonic() < deadline, "workers did not all load their model"
        time.sleep(0.05)


def hammer(port: int, tally: Tally, stop_at: float) -> None:
    while time.monotonic() < stop_at and one_request(port, tally):
        pass


@pytest.mark.parametrize("run", range(5))
def test_sigterm_under_new_connection_load_resets_nothing(tmp_path, tiny_model_dir, run):
    tally = Tally()
    with gunicorn_service(tmp_path, tiny_model_dir, workers=2) as service:
        wait_all_workers_ready(service, 2)
        port = int(service.url.rsplit(":", 1)[1])
        clients = [threading.Thread(target=hammer, args=(port, tally, time.monotonic() + 15)) for _ in range(CLIENTS)]
        for client in clients:
            client.start()
        deadline = time.monotonic() + 10
        while tally.counts["ok"] < 50 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert tally.counts["ok"] > 0, "no load reached the service before SIGTERM"
        service.process.send_signal(signal.SIGTERM)
        assert service.process.wait(30) == 0
        for client in clients:
            client.join(20)
    assert tally.counts["reset"] == 0 and tally.counts["lost"] == 0, (tally.counts, tally.details[:5])
    assert tally.counts["other"] == 0, (tally.counts, tally.details[:5])
    assert tally.counts["refused"] == CLIENTS, "every client ends on a refused connection, after the listener closed"


def test_drain_delay_keeps_serving_while_ready_says_503(tmp_path, tiny_model_dir):
    with gunicorn_service(tmp_path, tiny_model_dir, workers=1, DRAIN_DELAY_S="2") as service:
        service.process.send_signal(signal.SIGTERM)
        time.sleep(0.3)
        assert requests.get(f"{service.url}/ready", timeout=5).status_code == 503
        scored = requests.post(f"{service.url}/predict", json={"text": "I loved it"}, timeout=5)
        assert scored.status_code == 200
        metrics = requests.get(f"{service.url}/metrics", timeout=5).text
        assert "sentiment_draining 1.0" in metrics
        assert service.process.wait(30) == 0
        with pytest.raises(requests.ConnectionError):
            requests.get(f"{service.url}/health", timeout=2)


def wait_for_files(directory, prefix: str, count: int, process: subprocess.Popen, timeout_s: float = 120) -> None:
    deadline = time.monotonic() + timeout_s
    while len(list(directory.glob(f"{prefix}-*"))) < count:
        assert process.poll() is None, f"gunicorn exited with {process.returncode} before {count} {prefix} markers"
        assert time.monotonic() < deadline, f"fewer than {count} workers reached '{prefix}'"
        time.sleep(0.02)


def test_sigterm_while_a_worker_is_still_loading_exits_cleanly(tmp_path, tiny_model_dir):
    """An orchestrator may stop an instance that has not finished starting; that is a clean stop, not a crash.

    The workers' load blocks until the test releases it (tests/integration/slow_loading_wsgi.py), so the
    signal provably reaches the master after its handlers are installed and the workers while they load.
    """
    gate = tmp_path / "gate"
    gate.mkdir()
    env = {**os.environ, "PORT": str(free_port()), "BIND_HOST": "127.0.0.1", "MODEL_DIR": str(tiny_model_dir),
           "WORKERS": "2", "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "metrics-early"), "LOAD_GATE_DIR": str(gate)}
    log_path = tmp_path / "service.log"
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", "app/gunicorn_conf.py", "tests.integration.slow_loading_wsgi:app"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        wait_for_files(gate, "loading", 2, process)
        process.send_signal(signal.SIGTERM)
        wait_for_files(gate, "stopped", 2, process)
        (gate / "release").touch()
        assert process.wait(60) == 0, log_path.read_text()
    finally:
        (gate / "release").touch()
        stop_process(process, 30)
    assert "Worker failed to boot" not in log_path.read_text()

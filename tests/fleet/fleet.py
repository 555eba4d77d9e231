"""A fleet on one machine: instances of the service on loopback ports behind a real HAProxy."""

import os
import shutil
import signal
import string
import subprocess
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import requests

from tests.integration.gunicorn_process import ROOT, free_port, stop_process, wait_ready

DEPLOY = ROOT / "deploy"
TIMINGS_FILE = DEPLOY / "kubernetes" / "base" / "timings.env"


def read_timings() -> dict[str, int]:
    """The drain and probe timings, from the one file the Kubernetes manifests read too."""
    pairs = (line.split("=", 1) for line in TIMINGS_FILE.read_text().splitlines() if line and not line.startswith("#"))
    return {key.strip(): int(value) for key, value in pairs}


class Instance:
    """One service instance (its own gunicorn master) on a fixed loopback port."""

    def __init__(self, port: int, model_dir: Path, scratch: Path, env: dict[str, str]):
        self.port, self.model_dir, self.scratch, self.env = port, model_dir, scratch, env
        self.process: subprocess.Popen | None = None
        self.url = f"http://127.0.0.1:{port}"

    def start(self) -> None:
        self.scratch.mkdir(parents=True, exist_ok=True)
        env = {**os.environ, **self.env, "PORT": str(self.port), "BIND_HOST": "127.0.0.1",
               "MODEL_DIR": str(self.model_dir), "PROMETHEUS_MULTIPROC_DIR": str(self.scratch / f"metrics-{time.time_ns()}")}
        with (self.scratch / "service.log").open("a") as log:
            self.process = subprocess.Popen([sys.executable, "-m", "gunicorn", "-c", "app/gunicorn_conf.py",
                                             "sentiment_service.wsgi:app"], cwd=ROOT, env=env, stdout=log,
                                            stderr=subprocess.STDOUT)
        wait_ready(self.url, self.process)

    def terminate_and_wait(self, timeout_s: float) -> int:
        self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout_s)

    def kill_master(self) -> None:
        self.process.kill()
        self.process.wait(10)

    def stop(self) -> None:
        if self.process is not None:
            stop_process(self.process, 40)


class Balancer:
    """HAProxy, configured from deploy/haproxy/haproxy.cfg.template."""

    def __init__(self, backends: list[int], scratch: Path, timings: dict[str, int]):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        servers = "\n".join(f"    server s{i} 127.0.0.1:{port}" for i, port in enumerate(backends))
        template = string.Template((DEPLOY / "haproxy" / "haproxy.cfg.template").read_text())
        config = template.substitute(FRONTEND_PORT=self.port, SERVERS=servers,
                                     ERRORFILE_503=DEPLOY / "haproxy" / "503.http",
                                     READY_CHECK_INTERVAL_S=timings["READY_CHECK_INTERVAL_S"],
                                     READY_CHECK_FALL=timings["READY_CHECK_FALL"])
        self.config_path = scratch / "haproxy.cfg"
        self.config_path.write_text(config)
        self.log_path = scratch / "haproxy.log"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        check = subprocess.run([shutil.which("haproxy"), "-c", "-f", str(self.config_path)], capture_output=True,
                               text=True, timeout=30)
        assert check.returncode == 0, check.stdout + check.stderr
        with self.log_path.open("w") as log:
            self.process = subprocess.Popen([shutil.which("haproxy"), "-db", "-f", str(self.config_path)],
                                            stdout=log, stderr=subprocess.STDOUT)
        wait_ready(self.url, self.process)

    def stop(self) -> None:
        if self.process is not None:
            stop_process(self.process, 10)


@dataclass
class Load:
    """Client threads posting to a URL until stopped; bounded in requests and in time."""

    url: str
    clients: int
    body: dict
    path: str = "/predict"
    max_seconds: float = 120.0
    max_requests_per_client: int = 20_000
    outcomes: Counter = field(default_factory=Counter)
    failures: list = field(default_factory=list)
    slowest_s: float = 0.0

    def __post_init__(self):
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._threads = [threading.Thread(target=self._client, daemon=True) for _ in range(self.clients)]

    def __enter__(self) -> "Load":
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(60)

    def _client(self) -> None:
        session = requests.Session()
        deadline = time.monotonic() + self.max_seconds
        try:
            for _ in range(self.max_requests_per_client):
                if self._stop.is_set() or time.monotonic() > deadline:
                    return
                started = time.monotonic()
                detail = ""
                try:
                    response = session.post(self.url + self.path, json=self.body, timeout=30)
                    outcome = str(response.status_code)
                    if response.status_code == 429:
                        time.sleep(min(float(response.headers.get("Retry-After", 1)), 1.0) / 10)
                except requests.RequestException as exc:
                    outcome, detail = type(exc).__name__, repr(exc)
                    # A new pool, the old one closed: a socket left to the garbage collector is a ResourceWarning.
                    session.close()
                    session = requests.Session()
                with self._lock:
                    self.outcomes[outcome] += 1
                    self.slowest_s = max(self.slowest_s, time.monotonic() - started)
                    if outcome != "200" and len(self.failures) < 20:
                        self.failures.append(detail or outcome)
        finally:
            session.close()

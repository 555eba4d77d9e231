"""Start the real service (gunicorn + app) on a free loopback port, wait for /ready, stop it cleanly."""

import os
import signal
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_ready(url: str, process: subprocess.Popen | None = None, timeout_s: float = 60) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"service exited with {process.returncode} before it was ready")
        try:
            if requests.get(f"{url}/ready", timeout=1).status_code == 200:
                return
        except (requests.ConnectionError, requests.Timeout):  # not listening yet, or too busy starting to answer
            pass
        time.sleep(0.1)
    raise TimeoutError(f"{url} not ready after {timeout_s}s")


def stop_process(process: subprocess.Popen, timeout_s: float) -> None:
    """SIGTERM, then SIGKILL if it has not exited within timeout_s."""
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout_s)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


class Service:
    def __init__(self, process: subprocess.Popen, url: str, log_path: Path, metrics_dir: Path):
        self.process, self.url, self.log_path, self.metrics_dir = process, url, log_path, metrics_dir

    def log_lines(self) -> list[str]:
        return self.log_path.read_text(encoding="utf-8", errors="replace").splitlines()

    def stop(self, timeout_s: float = 30) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout_s)


@contextmanager
def gunicorn_service(tmp_path: Path, model_dir: Path | None, workers: int = 2, **env_overrides: str):
    """Yield a Service running `gunicorn -c app/gunicorn_conf.py sentiment_service.wsgi:app` on 127.0.0.1 (with
    model_dir None, MODEL_DIR is left unset: for MODELS_DIR in env_overrides)."""
    port = free_port()
    metrics_dir = tmp_path / "metrics"
    env = {**os.environ, "PORT": str(port), "BIND_HOST": "127.0.0.1", "WORKERS": str(workers),
           "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir), **env_overrides}
    env.pop("MODEL_DIR", None)
    if model_dir is not None:
        env["MODEL_DIR"] = str(model_dir)
    log_path = tmp_path / "service.log"
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", "app/gunicorn_conf.py", "sentiment_service.wsgi:app"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
        )
    service = Service(process, f"http://127.0.0.1:{port}", log_path, metrics_dir)
    try:
        wait_ready(service.url, process)
        yield service
    finally:
        stop_process(process, 30)

"""Start a gunicorn server on a free 127.0.0.1 port, time its cold start, and always stop it.

Two servers are defined here: ours (`python -m gunicorn -c app/gunicorn_conf.py sentiment_service.wsgi:app`, default
settings) and the tutorial-style baseline (bench/baseline_app.py on PyTorch). Both print one
`"message": "model ready"` line per worker once their model is loaded, which is how we know every worker,
not just the first, is ready before any load is sent.
"""

import http.client
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from bench.procfs import child_pids, is_alive, peak_rss_mb, rss_mb
from bench.repo import ROOT
from sentiment_service.settings import Settings

READY_MARKER = '"message": "model ready"'
STARTUP_TIMEOUT_S = 180.0  # torch imports slowly on a busy 2-CPU machine
STOP_GRACE_S = 30.0


@dataclass(frozen=True)
class Command:
    argv: list[str]
    env: dict[str, str]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def clean_environment() -> dict[str, str]:
    """os.environ without any of the service's settings, so a variable left in the shell cannot skew a run."""
    return {k: v for k, v in os.environ.items() if k.lower() not in Settings.model_fields}


def ours_command(port: int, scratch: Path, *, workers: int, model_dir: Path | None,
                 settings: dict[str, str] | None = None) -> Command:
    """`settings`: extra service variables for this run (e.g. INTRA_OP_THREADS), to compare configurations."""
    env = {**clean_environment(), "BIND_HOST": "127.0.0.1", "PORT": str(port), "WORKERS": str(workers),
           "PROMETHEUS_MULTIPROC_DIR": str(scratch / "metrics"), **(settings or {})}
    if model_dir is not None:  # None: the settings name MODELS_DIR instead
        env["MODEL_DIR"] = str(model_dir)
    return Command([sys.executable, "-m", "gunicorn", "-c", "app/gunicorn_conf.py", "sentiment_service.wsgi:app"], env)


def baseline_command(port: int, scratch: Path, *, python: Path, workers: int, threads: int, torch_threads: int,
                     max_length: int) -> Command:
    # threads == 1: gunicorn's default sync worker, as tutorials run it (one request per worker at a time).
    worker_class = ["-k", "sync"] if threads == 1 else ["-k", "gthread", "--threads", str(threads)]
    argv = [str(python), "-m", "gunicorn", "-w", str(workers), *worker_class, "-b", f"127.0.0.1:{port}",
            "--timeout", "300", "--no-control-socket", "--pythonpath", "bench", "baseline_app:app"]
    env = {**clean_environment(), "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false",
           "BASELINE_TORCH_THREADS": str(torch_threads), "OMP_NUM_THREADS": str(torch_threads),
           "MKL_NUM_THREADS": str(torch_threads), "BASELINE_MAX_LENGTH": str(max_length)}
    return Command(argv, env)


class RunningServer:
    def __init__(self, name: str, process: subprocess.Popen, url: str, log_path: Path, workers: int):
        self.name, self.process, self.url, self.log_path, self.workers = name, process, url, log_path, workers
        self.cold_start_s = float("nan")  # process start -> first GET /ready answered 200
        self.all_ready_s = float("nan")  # process start -> every worker has logged that its model is ready
        self._seen_workers: set[int] = set()

    def worker_pids(self) -> list[int]:
        pids = child_pids(self.process.pid)
        self._seen_workers.update(pids)
        return pids

    def worker_rss_mb(self) -> dict[int, float]:
        return {pid: mb for pid in self.worker_pids() if (mb := rss_mb(pid)) is not None}

    def worker_peak_rss_mb(self) -> dict[int, float]:
        return {pid: mb for pid in self.worker_pids() if (mb := peak_rss_mb(pid)) is not None}

    def master_rss_mb(self) -> float | None:
        return rss_mb(self.process.pid)

    def log_tail(self, lines: int = 30) -> str:
        text = self.log_path.read_text(encoding="utf-8", errors="replace") if self.log_path.exists() else ""
        return "\n".join(text.splitlines()[-lines:])

    def wait_until_ready(self, started: float, timeout_s: float) -> None:
        deadline = started + timeout_s
        while not ready_answers_200(self.url):
            self._check_running(deadline, timeout_s)
            time.sleep(0.05)
        self.cold_start_s = time.monotonic() - started
        while self._ready_lines() < self.workers:
            self._check_running(deadline, timeout_s)
            time.sleep(0.05)
        self.all_ready_s = time.monotonic() - started
        self.worker_pids()

    def stop(self) -> None:
        """SIGTERM the master, SIGKILL it after STOP_GRACE_S, then any worker it left behind."""
        if self.process.poll() is None:
            self.worker_pids()
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(STOP_GRACE_S)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        for pid in self._seen_workers:
            if is_alive(pid) and b"gunicorn" in _cmdline(pid):
                os.kill(pid, signal.SIGKILL)

    def _ready_lines(self) -> int:
        return self.log_path.read_text(encoding="utf-8", errors="replace").count(READY_MARKER)

    def _check_running(self, deadline: float, timeout_s: float) -> None:
        if self.process.poll() is not None:
            raise RuntimeError(f"{self.name} exited with {self.process.returncode} before it was ready")
        if time.monotonic() > deadline:
            raise TimeoutError(f"{self.name} not ready within {timeout_s:.0f}s")


def ready_answers_200(url: str) -> bool:
    host, port = url.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=2)
    try:
        connection.request("GET", "/ready")
        return connection.getresponse().status == 200
    except (OSError, http.client.HTTPException):
        return False
    finally:
        connection.close()


@contextmanager
def running_server(name: str, build: Callable[[int, Path], Command], workers: int,
                   timeout_s: float = STARTUP_TIMEOUT_S) -> Iterator[RunningServer]:
    """Start the server `build` describes, wait until every worker is ready, yield it, then stop it."""
    with tempfile.TemporaryDirectory(prefix=f"bench-{name}-") as scratch:
        port = free_port()
        command = build(port, Path(scratch))
        log_path = Path(scratch) / "server.log"
        with log_path.open("wb") as log:
            started = time.monotonic()
            process = subprocess.Popen(command.argv, cwd=ROOT, env=command.env, stdout=log, stderr=subprocess.STDOUT)
        server = RunningServer(name, process, f"http://127.0.0.1:{port}", log_path, workers)
        try:
            server.wait_until_ready(started, timeout_s)
            yield server
        except Exception:
            print(f"--- last lines of the {name} server log ---\n{server.log_tail()}\n---", file=sys.stderr)
            raise
        finally:
            server.stop()


def exit_on_sigterm() -> None:
    """Turn SIGTERM (e.g. from `timeout`) into SystemExit, so the `finally` that stops servers runs."""
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))


def _cmdline(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return b""

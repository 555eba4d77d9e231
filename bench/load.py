"""A bounded HTTP load generator: N threads, one keep-alive connection each, stopped by a count and a clock.

Every thread takes the next request from a shared budget that runs out at `max_requests` or at
`duration_s`, whichever comes first; each request has a socket timeout, and the coordinator gives up on
threads still busy `timeout_s` after the clock ran out, so no loop here can run unbounded.
"""

import http.client
import json
import math
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from bench.stats import latency_summary

HEADERS = {"Content-Type": "application/json"}


@dataclass(frozen=True)
class Request:
    path: str
    body: bytes
    texts: int


def predict_requests(texts: list[str], model: str | None = None, long_text: str | None = None) -> list[Request]:
    """One /predict per text; naming `model` when given (a service with several), and `long_text` (how a text
    longer than the window is read; the baseline ignores it and always truncates)."""
    extra = ({"model": model} if model else {}) | ({"long_text": long_text} if long_text else {})
    return [Request("/predict", json.dumps({"text": t, **extra}).encode(), 1) for t in texts]


def batch_requests(texts: list[str], batch_size: int, long_text: str | None = None) -> list[Request]:
    """Consecutive slices of `batch_size` texts, wrapping around so that every request is full."""
    count = max(1, len(texts) // batch_size)
    batches = [[texts[(i * batch_size + j) % len(texts)] for j in range(batch_size)] for i in range(count)]
    extra = {"long_text": long_text} if long_text else {}
    return [Request("/batch-predict", json.dumps({"texts": b, **extra}).encode(), batch_size) for b in batches]


def mixed_requests(texts: list[str], batch_size: int = 32, batch_every: int = 10) -> list[Request]:
    """Mostly /predict, with one /batch-predict of `batch_size` texts in every `batch_every` requests."""
    singles, batches = predict_requests(texts), batch_requests(texts, batch_size)
    mixed: list[Request] = []
    for i, single in enumerate(singles):
        mixed.append(batches[(i // batch_every) % len(batches)] if i % batch_every == batch_every - 1 else single)
    return mixed


@dataclass
class _Tally:
    """What one thread saw; merged after the run so the threads never share a lock on the hot path."""

    latencies_ms: list[float] = field(default_factory=list)
    statuses: Counter = field(default_factory=Counter)
    exceptions: Counter = field(default_factory=Counter)
    texts_ok: int = 0
    finished_at: float | None = None


@dataclass
class LoadResult:
    concurrency: int
    elapsed_s: float
    latencies_ms: list[float]  # of 200 answers only, so fast failures cannot flatter the percentiles
    statuses: Counter
    exceptions: Counter
    texts_ok: int
    unfinished_threads: int
    client_cpus: float = 0.0  # CPU the load generator itself used, in cores
    client: str = "python"  # which load generator: "python" (this module) or "wrk" (bench/wrk.py)
    # wrk reports percentiles, not each latency (and over every answer, not only the 200s)
    latency_percentiles_ms: dict[str, float] | None = None

    @property
    def ok(self) -> int:
        return self.statuses.get(200, 0)

    @property
    def requests(self) -> int:
        return sum(self.statuses.values()) + sum(self.exceptions.values())

    @property
    def errors(self) -> int:
        return self.requests - self.ok

    @property
    def server_errors(self) -> int:
        return sum(n for status, n in self.statuses.items() if status >= 500)

    def summary(self) -> dict:
        elapsed = max(self.elapsed_s, 1e-9)
        return {
            "concurrency": self.concurrency,
            "elapsed_s": round(self.elapsed_s, 3),
            "requests": self.requests,
            "ok": self.ok,
            "errors": self.errors,
            "statuses": {str(k): v for k, v in sorted(self.statuses.items())},
            "exceptions": dict(self.exceptions),
            "unfinished_threads": self.unfinished_threads,
            "client": self.client,
            "client_cpus": round(self.client_cpus, 2),
            "requests_per_s": self.ok / elapsed,
            "texts_per_s": self.texts_ok / elapsed,
            **(self.latency_percentiles_ms or latency_summary(self.latencies_ms)),
        }


class _Budget:
    """Hands out request numbers until max_requests are taken or the deadline passes."""

    def __init__(self, max_requests: int, deadline: float):
        self.max_requests, self.deadline = max_requests, deadline
        self._next = 0
        self._lock = threading.Lock()

    def take(self) -> int | None:
        if time.monotonic() >= self.deadline:
            return None
        with self._lock:
            if self._next >= self.max_requests:
                return None
            self._next += 1
            return self._next - 1


def _worker(url: str, requests: list[Request], budget: _Budget, start: threading.Event, timeout_s: float, tally: _Tally) -> None:
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout_s)
    start.wait()
    try:
        while (number := budget.take()) is not None:
            request = requests[number % len(requests)]
            began = time.perf_counter()
            try:
                connection.request("POST", request.path, body=request.body, headers=HEADERS)
                response = connection.getresponse()
                response.read()
            except (OSError, http.client.HTTPException) as exc:
                tally.exceptions[type(exc).__name__] += 1
                connection.close()  # the next request reconnects
                continue
            tally.statuses[response.status] += 1
            if response.status == 200:
                tally.latencies_ms.append((time.perf_counter() - began) * 1000)
                tally.texts_ok += request.texts
    finally:
        connection.close()
        tally.finished_at = time.monotonic()


def run_load(url: str, requests: list[Request], *, concurrency: int, duration_s: float, max_requests: int,
             timeout_s: float = 120.0, monitor: Callable[[float], None] | None = None, monitor_every_s: float = 10.0) -> LoadResult:
    """Send `requests` (cycled) to url from `concurrency` threads; call monitor(elapsed_s) every monitor_every_s."""
    start = threading.Event()
    tallies = [_Tally() for _ in range(concurrency)]
    budget = _Budget(max_requests, deadline=math.inf)  # the clock starts once every thread is up
    threads = [threading.Thread(target=_worker, args=(url, requests, budget, start, timeout_s, t), daemon=True) for t in tallies]
    for thread in threads:
        thread.start()
    started = time.monotonic()
    cpu_started = time.process_time()
    budget.deadline = started + duration_s
    start.set()
    # A request in flight at the deadline may take up to timeout_s; past that, stop waiting (daemon threads).
    give_up_at = budget.deadline + timeout_s + 5
    next_tick = started + monitor_every_s
    while any(t.is_alive() for t in threads) and time.monotonic() < give_up_at:
        time.sleep(0.05)
        if monitor is not None and time.monotonic() >= next_tick:
            monitor(time.monotonic() - started)
            next_tick += monitor_every_s
    finished = [t.finished_at for t in tallies if t.finished_at is not None]
    elapsed = (max(finished) if finished else time.monotonic()) - started
    # The load generator shares the CPUs with the server: say how much of them it used.
    client_cpus = (time.process_time() - cpu_started) / max(time.monotonic() - started, 1e-9)
    return LoadResult(
        concurrency=concurrency,
        elapsed_s=elapsed,
        latencies_ms=[ms for t in tallies for ms in t.latencies_ms],
        statuses=sum((t.statuses for t in tallies), Counter()),
        exceptions=sum((t.exceptions for t in tallies), Counter()),
        texts_ok=sum(t.texts_ok for t in tallies),
        unfinished_threads=sum(t.is_alive() for t in threads),
        client_cpus=client_cpus,
    )

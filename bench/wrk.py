"""The same bounded load as load.py, sent by wrk: a C load generator that leaves the CPUs to the server.

On a 2-core machine the Python load generator's 16-64 threads take a large share of the CPU the server
needs (`client_cpus` in the table), so the server measures slower than it is. wrk runs one epoll thread
and needs a small fraction of that. It is used for the rows whose requests all carry the same number of
texts, when `wrk` is on PATH (Debian: `apt-get install wrk`); otherwise load.py is used, and the table says
which client measured each row.
"""

import json
import resource
import shutil
import subprocess
import tempfile
from collections import Counter
from pathlib import Path

from bench.load import LoadResult, Request

SCRIPT = Path(__file__).with_name("wrk_bodies.lua")


def wrk_available() -> bool:
    return shutil.which("wrk") is not None


def run_wrk(url: str, requests: list[Request], *, concurrency: int, duration_s: float, timeout_s: float = 30.0) -> LoadResult:
    """Send `requests` (one path, cycled) to url over `concurrency` keep-alive connections for duration_s."""
    paths, sizes = {r.path for r in requests}, {r.texts for r in requests}
    if len(paths) != 1 or len(sizes) != 1:
        raise ValueError("wrk rows need one path and one number of texts per request")
    with tempfile.TemporaryDirectory(prefix="bench-wrk-") as workdir:
        bodies = Path(workdir) / "bodies.jsonl"
        bodies.write_bytes(b"\n".join(r.body for r in requests) + b"\n")
        command = ["wrk", "-t1", f"-c{concurrency}", f"-d{max(1, round(duration_s))}s", f"--timeout={round(timeout_s)}s",
                   "-s", str(SCRIPT), url, "--", str(bodies), paths.pop()]
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        finished = subprocess.run(command, capture_output=True, text=True, timeout=duration_s + timeout_s + 30, check=True)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
    report = json.loads(finished.stdout.strip().splitlines()[-1])
    elapsed = report["duration_us"] / 1e6
    statuses = Counter({int(status): count for status, count in report["statuses"].items()})
    exceptions = Counter({kind: count for kind, count in report["errors"].items() if count})
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    return LoadResult(
        concurrency=concurrency, elapsed_s=elapsed, latencies_ms=[], statuses=statuses, exceptions=exceptions,
        texts_ok=statuses.get(200, 0) * sizes.pop(), unfinished_threads=0, client_cpus=cpu / max(elapsed, 1e-9),
        client="wrk", latency_percentiles_ms={f"{name}_ms": us / 1000 for name, us in report["latency_us"].items()},
    )

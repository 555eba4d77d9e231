"""Overload: offer 1x, 2x, 4x and 10x the measured capacity and see what the service answers.

    .venv/bin/python -m bench.overload                  # `make overload`: a few minutes
    .venv/bin/python -m bench.overload --quick          # smoke test of the harness

Our service runs on 127.0.0.1 with its default settings except REQUEST_DEADLINE_S (2 s here, so each
level reaches a steady state in seconds). Requests arrive open-loop (Poisson, at a fixed rate whatever
the answers) from a pool of many client threads, with a mix of short and long texts on both endpoints:
40% /predict of an SST-2 sentence, 30% /predict of an IMDB review, 30% /batch-predict of 32 texts (half
each). Capacity is first measured closed-loop: the rate of 200s with 32 clients always waiting.

Per level it reports goodput (texts answered 200 within the deadline, per second), the share of 200, 429
and 503 answers, p50/p99 latency of the 200s, p99 time until a 429 arrives, and the slowest /health and
/ready answer from a prober that asks every 100 ms. Results go to bench/results/overload.json, the chart to
docs/overload.png.
"""

import argparse
import http.client
import json
import queue
import random
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from urllib.parse import urlsplit

from matplotlib.figure import Figure

from bench import repo
from bench.service import exit_on_sigterm, ours_command, running_server
from bench.stats import percentile
from bench.texts import long_texts, short_texts

MULTIPLES = (1, 2, 4, 10)
HEADERS = {"Content-Type": "application/json"}
CHART = repo.ROOT / "docs" / "overload.png"
# Below the service's KEEPALIVE_S (5 s), as connection pools do, so an idle client never reuses a connection
# the server is closing.
IDLE_RECONNECT_S = 4.0


@dataclass(frozen=True)
class Job:
    path: str
    body: bytes
    texts: int


def request_mix(short: list[str], long: list[str], rng: random.Random, count: int = 2000) -> list[Job]:
    jobs = []
    for _ in range(count):
        roll = rng.random()
        if roll < 0.4:
            jobs.append(Job("/predict", json.dumps({"text": rng.choice(short)}).encode(), 1))
        elif roll < 0.7:
            jobs.append(Job("/predict", json.dumps({"text": rng.choice(long)}).encode(), 1))
        else:
            texts = [rng.choice(short) for _ in range(16)] + [rng.choice(long) for _ in range(16)]
            jobs.append(Job("/batch-predict", json.dumps({"texts": texts}).encode(), 32))
    return jobs


@dataclass
class Outcome:
    status: int  # 0: no answer (connection error or timeout)
    seconds: float
    texts: int
    error: str = ""


@dataclass
class LevelResult:
    offered_rps: float
    sent: int
    seconds: float
    outcomes: list[Outcome] = field(default_factory=list)
    probe_max_ms: dict[str, float] = field(default_factory=dict)

    def summary(self, deadline_s: float) -> dict:
        answered = len(self.outcomes) or 1
        ok = [o for o in self.outcomes if o.status == 200]
        refused = [o.seconds for o in self.outcomes if o.status == 429]
        return {
            "offered_rps": round(self.offered_rps, 2), "sent": self.sent,
            "goodput_texts_s": round(sum(o.texts for o in ok if o.seconds <= deadline_s) / self.seconds, 1),
            "share_200": round(len(ok) / answered, 4), "share_429": round(len(refused) / answered, 4),
            "share_503": round(sum(o.status == 503 for o in self.outcomes) / answered, 4),
            "share_other": round(sum(o.status not in (200, 429, 503) for o in self.outcomes) / answered, 4),
            "p50_200_ms": round(percentile([o.seconds * 1000 for o in ok], 50), 1),
            "p99_200_ms": round(percentile([o.seconds * 1000 for o in ok], 99), 1),
            "p99_429_ms": round(percentile([s * 1000 for s in refused], 99), 1) if refused else None,
            "probe_max_ms": {k: round(v, 1) for k, v in self.probe_max_ms.items()},
            "no_answer": dict(Counter(o.error for o in self.outcomes if o.status == 0)),
        }


def send(connection: http.client.HTTPConnection, job: Job, timeout_s: float) -> int:
    connection.timeout = timeout_s
    connection.request("POST", job.path, job.body, HEADERS)
    response = connection.getresponse()
    response.read()
    return response.status


def client(url: str, jobs: "queue.Queue[tuple[Job, float] | None]", results: list, timeout_s: float) -> None:
    """Takes (job, arrival time) until None; latency counts from the arrival, so client-side waiting counts too."""
    host = urlsplit(url)
    connection = http.client.HTTPConnection(host.hostname, host.port, timeout=timeout_s)
    last_used = time.monotonic()
    while (item := jobs.get()) is not None:
        job, arrived = item
        if time.monotonic() - last_used > IDLE_RECONNECT_S:
            connection.close()  # the server may be closing it (KEEPALIVE_S): a client pool would not reuse it
        error = ""
        try:
            status = send(connection, job, timeout_s)
        except (OSError, http.client.HTTPException) as exc:
            status, error = 0, type(exc).__name__
            connection.close()
            connection = http.client.HTTPConnection(host.hostname, host.port, timeout=timeout_s)
        results.append(Outcome(status, time.monotonic() - arrived, job.texts, error))
        last_used = time.monotonic()
    connection.close()


def probe(url: str, stop: threading.Event, slowest: dict[str, float]) -> None:
    host = urlsplit(url)
    while not stop.wait(0.1):
        for path in ("/health", "/ready"):
            started = time.monotonic()
            connection = http.client.HTTPConnection(host.hostname, host.port, timeout=5)
            try:
                connection.request("GET", path)
                connection.getresponse().read()
            except (OSError, http.client.HTTPException):
                pass
            finally:
                connection.close()
            slowest[path] = max(slowest.get(path, 0.0), (time.monotonic() - started) * 1000)


def offer(url: str, jobs: list[Job], rate: float | None, duration_s: float, clients: int, timeout_s: float,
          rng: random.Random) -> LevelResult:
    """Open loop at `rate` requests/s (Poisson); closed loop (every client always busy) when rate is None."""
    work: queue.Queue = queue.Queue()
    results: list[Outcome] = []
    threads = [threading.Thread(target=client, args=(url, work, results, timeout_s), daemon=True) for _ in range(clients)]
    stop_probe, slowest = threading.Event(), {}
    prober = threading.Thread(target=probe, args=(url, stop_probe, slowest), daemon=True)
    for thread in threads + [prober]:
        thread.start()
    started = time.monotonic()
    sent, next_at = 0, started
    while (now := time.monotonic()) < started + duration_s:
        if rate is None:
            if work.qsize() < clients:
                work.put((rng.choice(jobs), now))
                sent += 1
            else:
                time.sleep(0.001)
            continue
        if now >= next_at:
            work.put((rng.choice(jobs), next_at))
            sent += 1
            next_at += rng.expovariate(rate)
        else:
            time.sleep(min(next_at - now, 0.01))
    for _ in threads:
        work.put(None)
    for thread in threads:
        thread.join(timeout_s + 5)
    stop_probe.set()
    prober.join(10)
    elapsed = time.monotonic() - started
    return LevelResult(rate or sent / elapsed, sent, elapsed, results, slowest)


def draw_chart(levels: list[dict], deadline_s: float, path: Path) -> None:
    multiples = [level["multiple"] for level in levels]
    figure = Figure(figsize=(7, 4), dpi=110)
    goodput_axis = figure.subplots()
    goodput_axis.plot(multiples, [level["goodput_texts_s"] for level in levels], "o-", color="tab:blue", label="goodput")
    goodput_axis.set_xscale("log")
    goodput_axis.set_xticks(multiples, [f"{m}x" for m in multiples])
    goodput_axis.set_xlabel("offered load (multiple of measured capacity)")
    goodput_axis.set_ylabel("goodput (texts/s answered 200 in time)", color="tab:blue")
    goodput_axis.set_ylim(bottom=0)
    latency_axis = goodput_axis.twinx()
    latency_axis.plot(multiples, [level["p99_200_ms"] for level in levels], "s--", color="tab:red", label="p99 of 200s")
    latency_axis.axhline(deadline_s * 1000, color="tab:red", alpha=0.3, linestyle=":", label="deadline")
    latency_axis.set_ylabel("p99 latency of 200s (ms)", color="tab:red")
    latency_axis.set_ylim(bottom=0, top=deadline_s * 1000 * 1.2)
    figure.legend(loc="lower left", bbox_to_anchor=(0.12, 0.15))
    goodput_axis.set_title("Goodput and p99 latency under overload (make overload)")
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path)


def main() -> int:
    exit_on_sigterm()
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds-per-level", type=float, default=20.0)
    parser.add_argument("--deadline-s", type=float, default=2.0)
    parser.add_argument("--clients", type=int, default=128, help="client threads (the open loop never waits on them)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--quick", action="store_true", help="3 s per level: a smoke test, not a measurement")
    parser.add_argument("--out", type=Path, default=repo.RESULTS_DIR / "overload.json")
    parser.add_argument("--chart", type=Path, default=CHART)
    args = parser.parse_args()
    seconds = 3.0 if args.quick else args.seconds_per_level
    rng = random.Random(7)
    short, _ = short_texts(repo.SST2_DEV)
    long, _ = long_texts(repo.IMDB_TRAIN, 400)
    jobs = request_mix(short, long, rng)
    settings = {"REQUEST_DEADLINE_S": str(args.deadline_s)}
    build = partial(ours_command, workers=args.workers, model_dir=repo.MODEL_DIR, settings=settings)
    with running_server("ours", build, args.workers) as server:
        offer(server.url, jobs, None, min(seconds, 5.0), 32, args.deadline_s * 3, rng)  # warm-up: the cost model learns
        capacity = offer(server.url, jobs, None, seconds, 32, args.deadline_s * 3, rng)
        capacity_rps = sum(o.status == 200 for o in capacity.outcomes) / capacity.seconds
        print(f"capacity (closed loop, 32 clients): {capacity_rps:.1f} requests/s of the mix")
        levels = []
        for multiple in MULTIPLES:
            result = offer(server.url, jobs, capacity_rps * multiple, seconds, args.clients, args.deadline_s * 3, rng)
            levels.append({"multiple": multiple, **result.summary(args.deadline_s)})
            print(json.dumps(levels[-1]))
    peak = levels[0]["goodput_texts_s"] or float("nan")
    print()
    print(f"deadline {args.deadline_s:.1f} s; capacity {capacity_rps:.1f} req/s; goodput relative to 1x ({peak} texts/s)")
    print("| offered | goodput texts/s | vs 1x | 200 | 429 | 503 | p50 / p99 of 200s (ms) | p99 to 429 (ms) "
          "| slowest /health, /ready (ms) |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for level in levels:
        probes = level["probe_max_ms"]
        print(f"| {level['multiple']}x ({level['offered_rps']:.0f} req/s) | {level['goodput_texts_s']:.0f} | "
              f"{level['goodput_texts_s'] / peak:.0%} | {level['share_200']:.1%} | {level['share_429']:.1%} | "
              f"{level['share_503']:.2%} | {level['p50_200_ms']:.0f} / {level['p99_200_ms']:.0f} | "
              f"{level['p99_429_ms'] if level['p99_429_ms'] is not None else '-'} | "
              f"{probes.get('/health', float('nan')):.0f}, {probes.get('/ready', float('nan')):.0f} |")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"deadline_s": args.deadline_s, "capacity_rps": capacity_rps, "levels": levels}, indent=2))
    draw_chart(levels, args.deadline_s, args.chart)
    print(f"\nwrote {args.out} and {args.chart}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

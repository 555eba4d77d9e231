"""Overload: offer 1x, 2x, 4x and 10x the measured capacity and see what the service answers.

    .venv/bin/python -m bench.overload                  # `make overload`: both scenarios, about ten minutes
    .venv/bin/python -m bench.overload --quick          # smoke test of the harness
    .venv/bin/python -m bench.overload --only heavy_light

Our service runs on 127.0.0.1, one scenario at a time (overload_scenarios.py): `mixed` (short and long texts
on both endpoints, REQUEST_DEADLINE_S=2) and `heavy_light` (64-review batches and single sentences, default
settings, each class reported on its own). Requests arrive open-loop (Poisson, at a fixed rate whatever the
answers) from client threads in several processes (the probes from one more, so that the load generator's GIL is
not counted as the server's latency). Capacity is first measured closed loop: for mixed, the rate of 200s with 32
clients always waiting; for heavy_light, each class alone with one client per worker, and the mix's rate from
those (mix_capacity: with 32 clients the batches are refused and the rate is the sentences' alone).

Per level and class it reports goodput (texts answered 200 within the deadline, per second), the share of
200, 429 and 503 answers, 200s later than the deadline, p50/p99 latency of the 200s, p99 time until a 429
arrives, and the p99 of /health and /ready from a prober that asks every 100 ms. For heavy_light it also
checks admission control's prediction: the mean predicted and actual seconds from admission to answer, per
lane, under a short, a long and a mixed load. Results go to bench/results/overload.json, the chart to
docs/overload.png, the figures to bench/measurements.json (a full run only).
"""

import argparse
import http.client
import json
import multiprocessing
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

from bench import measurements, quote, repo
from bench.overload_scenarios import Job, Scenario, agreement, answer_totals, heavy_and_light, mixed_texts
from bench.service import exit_on_sigterm, ours_command, running_server
from bench.stats import percentile
from bench.texts import long_texts, short_texts

MULTIPLES = (1, 2, 4, 10)
HEADERS = {"Content-Type": "application/json"}
CHART = repo.ROOT / "docs" / "overload.png"
# Below the service's KEEPALIVE_S (5 s), as connection pools do, so an idle client never reuses a connection
# the server is closing.
IDLE_RECONNECT_S = 4.0
# Processes the load comes from (and one more for the probes): see offer().
LOAD_PROCESSES = 4


@dataclass
class Outcome:
    status: int  # 0: no answer (connection error or timeout)
    seconds: float
    texts: int
    error: str = ""
    kind: str = "mixed"


@dataclass
class LevelResult:
    offered_rps: float
    sent: int
    seconds: float
    outcomes: list[Outcome] = field(default_factory=list)
    # Every probe's latency, by path.
    probe_ms: dict[str, list[float]] = field(default_factory=dict)

    def summary(self, deadline_s: float, kind: str | None = None) -> dict:
        """The level's figures, for the requests of one class (`kind`) or all of them."""
        outcomes = [o for o in self.outcomes if kind is None or o.kind == kind]
        answered = len(outcomes) or 1
        ok = [o for o in outcomes if o.status == 200]
        refused = [o.seconds for o in outcomes if o.status == 429]
        return {
            "offered_rps": round(self.offered_rps * len(outcomes) / max(1, len(self.outcomes)), 2), "sent": len(outcomes),
            "goodput_texts_s": round(sum(o.texts for o in ok if o.seconds <= deadline_s) / self.seconds, 1),
            "share_200": round(len(ok) / answered, 4), "share_429": round(len(refused) / answered, 4),
            "share_503": round(sum(o.status == 503 for o in outcomes) / answered, 4),
            "share_other": round(sum(o.status not in (200, 429, 503) for o in outcomes) / answered, 4),
            "late_200": sum(o.seconds > deadline_s for o in ok),
            "p50_200_ms": round(percentile([o.seconds * 1000 for o in ok], 50), 1),
            "p99_200_ms": round(percentile([o.seconds * 1000 for o in ok], 99), 1),
            "p99_429_ms": round(percentile([s * 1000 for s in refused], 99), 1) if refused else None,
            "probe_max_ms": {k: round(max(v), 1) for k, v in self.probe_ms.items() if v},
            "probe_p99_ms": {k: round(percentile(v, 99), 1) for k, v in self.probe_ms.items() if v},
            "no_answer": dict(Counter(o.error for o in outcomes if o.status == 0)),
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
        results.append(Outcome(status, time.monotonic() - arrived, job.texts, error, job.kind))
        last_used = time.monotonic()
    connection.close()


def probe(url: str, stop: threading.Event, latencies: dict[str, list[float]]) -> None:
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
            latencies.setdefault(path, []).append((time.monotonic() - started) * 1000)


_POOL = None


def load_pool():
    """The processes the load and the probes come from, forked once, before this process has threads of its own:
    a process forked while another thread holds a lock (a previous pool's) inherits it held, and hangs on it."""
    global _POOL
    if _POOL is None:
        _POOL = multiprocessing.get_context("fork").Pool(LOAD_PROCESSES + 1)
    return _POOL


def _offer_here(url: str, jobs: list[Job], rate: float | None, duration_s: float, clients: int, timeout_s: float,
                seed: float) -> tuple[int, float, list[Outcome]]:
    """One load process: open loop at `rate` requests/s (Poisson); closed loop (every client always busy) when rate
    is None. Returns (sent, elapsed seconds, outcomes)."""
    rng = random.Random(seed)
    work: queue.Queue = queue.Queue()
    results: list[Outcome] = []
    threads = [threading.Thread(target=client, args=(url, work, results, timeout_s), daemon=True) for _ in range(clients)]
    for thread in threads:
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
    return sent, time.monotonic() - started, results


def _probe_here(url: str, duration_s: float) -> dict[str, list[float]]:
    stop, latencies = threading.Event(), {}
    threading.Timer(duration_s, stop.set).start()
    probe(url, stop, latencies)
    return latencies


def offer(url: str, jobs: list[Job], rate: float | None, duration_s: float, clients: int, timeout_s: float,
          rng: random.Random, processes: int | None = None) -> LevelResult:
    """Open loop at `rate` requests/s (Poisson); closed loop (every client always busy) when rate is None.

    Open loop, the load comes from LOAD_PROCESSES processes, each with its share of the clients and of the rate,
    and the probes from one more: in one Python process hundreds of client threads wait for one GIL, and that
    wait, not the server, was what a 429's or a probe's latency measured. Closed loop, from one process unless
    told otherwise: a refused client asks again at once, and from several processes the refusals alone would take
    the CPU the server is measured on."""
    processes = processes or (LOAD_PROCESSES if rate else 1)
    share = max(1, clients // processes)
    pool = load_pool()
    prober = pool.apply_async(_probe_here, (url, duration_s))
    parts = [pool.apply_async(_offer_here, (url, jobs, rate / processes if rate else None, duration_s, share,
                                            timeout_s, rng.random())) for _ in range(min(processes, LOAD_PROCESSES))]
    done = [part.get() for part in parts]
    probes = prober.get()
    sent, elapsed = sum(d[0] for d in done), max(d[1] for d in done)
    return LevelResult(rate or sent / elapsed, sent, elapsed, [o for d in done for o in d[2]], probes)


def draw_chart(series: dict[str, list[dict]], path: Path) -> None:
    """Goodput relative to 1x and p99 latency of the 200s (as a share of the deadline), one line per class."""
    figure = Figure(figsize=(8, 4.2), dpi=110)
    goodput_axis, latency_axis = figure.subplots(1, 2)
    for name, levels in series.items():
        multiples = [level["multiple"] for level in levels]
        peak = levels[0]["goodput_texts_s"] or float("nan")
        goodput_axis.plot(multiples, [level["goodput_texts_s"] / peak for level in levels], "o-", label=name)
        latency_axis.plot(multiples, [level["p99_200_ms"] / (level["deadline_s"] * 1000) for level in levels], "s--",
                          label=name)
    for axis, label in ((goodput_axis, "goodput, share of its 1x figure"), (latency_axis, "p99 of 200s, share of the deadline")):
        axis.set_xscale("log")
        axis.set_xticks(MULTIPLES, [f"{m}x" for m in MULTIPLES])
        axis.set_xlabel("offered load (multiple of measured capacity)")
        axis.set_ylabel(label)
        axis.set_ylim(bottom=0, top=1.25)
    goodput_axis.axhline(0.9, color="grey", alpha=0.4, linestyle=":")
    latency_axis.axhline(1.0, color="tab:red", alpha=0.3, linestyle=":")
    goodput_axis.legend(loc="lower left", fontsize="small")
    figure.suptitle("Goodput and p99 latency under overload (make overload)")
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path)


def measure_agreement(url: str, loads: dict[str, list[Job]], seconds: float, rng: random.Random, workers: int) -> dict:
    """For each load (short, long, mixed): two clients per worker closed loop, so that a job often waits for
    another (more clients would mostly measure refusals sent again at once), and the lanes' predicted against actual."""
    results = {}
    for name, jobs in loads.items():
        before = answer_totals(url)
        offer(url, jobs, None, seconds, 2 * workers, 30.0, rng, processes=1)
        time.sleep(0.2)  # the last answers' samples are written after their responses
        results[name] = agreement(before, answer_totals(url))
        print(f"[agreement] {name}: {json.dumps(results[name])}")
    return results


def mix_capacity(url: str, scenario: Scenario, seconds: float, timeout_s: float, rng: random.Random,
                 workers: int) -> tuple[float, dict[str, float]]:
    """Requests/s of the scenario's mix at which every worker is busy all the time, and each class's own rate.

    Each class is offered alone, closed loop, one client per worker (a worker with one request never refuses it),
    for the rate of 200s it sustains; the mix then costs all the time at 1 / sum(share / rate)."""
    rates = {}
    for kind in scenario.kinds:
        level = offer(url, [j for j in scenario.jobs if j.kind == kind], None, seconds, workers, timeout_s, rng,
                      processes=1)
        rates[kind] = round(sum(o.status == 200 for o in level.outcomes) / level.seconds, 3)
    shares = {kind: sum(j.kind == kind for j in scenario.jobs) / len(scenario.jobs) for kind in scenario.kinds}
    return 1 / sum(shares[kind] / rates[kind] for kind in scenario.kinds), rates


def run_scenario(scenario: Scenario, args: argparse.Namespace, seconds: float, rng: random.Random,
                 agreement_loads: dict[str, list[Job]] | None = None) -> dict:
    """Capacity (closed loop), then 1x to 10x of it (open loop); per class, each level's summary."""
    build = partial(ours_command, workers=args.workers, model_dir=repo.MODEL_DIR, settings=scenario.settings)
    timeout_s = scenario.deadline_s * 3
    result = {"title": scenario.title, "deadline_s": scenario.deadline_s, "levels": {kind: [] for kind in scenario.kinds}}
    with running_server(scenario.name, build, args.workers) as server:
        offer(server.url, scenario.jobs, None, min(seconds, 5.0), 32, timeout_s, rng)  # warm-up: the cost model learns
        if agreement_loads:
            result["agreement"] = measure_agreement(server.url, agreement_loads, min(seconds, 20.0), rng, args.workers)
        if scenario.capacity_by_class:
            result["capacity_rps"], result["capacity_by_class_rps"] = mix_capacity(
                server.url, scenario, 2 * seconds, timeout_s, rng, args.workers)
            print(f"[{scenario.name}] capacity of the mix: {result['capacity_rps']:.2f} requests/s (each class alone, "
                  f"one client per worker: {json.dumps(result['capacity_by_class_rps'])})")
        else:
            capacity = offer(server.url, scenario.jobs, None, seconds, 32, timeout_s, rng)
            result["capacity_rps"] = sum(o.status == 200 for o in capacity.outcomes) / capacity.seconds
            print(f"[{scenario.name}] capacity (closed loop, 32 clients): {result['capacity_rps']:.1f} requests/s")
        for multiple in MULTIPLES:
            level = offer(server.url, scenario.jobs, result["capacity_rps"] * multiple, seconds, scenario.clients,
                          timeout_s, rng)
            for kind in scenario.kinds:
                summary = {"multiple": multiple, "deadline_s": scenario.deadline_s, **level.summary(scenario.deadline_s, kind)}
                result["levels"][kind].append(summary)
                print(f"[{scenario.name}] {kind}: {json.dumps(summary)}")
    return result


def print_table(name: str, kind: str, levels: list[dict]) -> None:
    peak = levels[0]["goodput_texts_s"] or float("nan")
    print(f"\n{name}, {kind} (deadline {levels[0]['deadline_s']:.0f} s; goodput relative to 1x, {peak} texts/s)")
    print("| offered | goodput texts/s | vs 1x | 200 | 429 | 503 | p50 / p99 of 200s (ms) | p99 to 429 (ms) "
          "| p99 /health, /ready (ms) |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for level in levels:
        probes = level["probe_p99_ms"]
        print(f"| {level['multiple']}x ({level['offered_rps']:.0f} req/s) | {level['goodput_texts_s']:.0f} | "
              f"{level['goodput_texts_s'] / peak:.0%} | {level['share_200']:.1%} | {level['share_429']:.1%} | "
              f"{level['share_503']:.2%} | {level['p50_200_ms']:.0f} / {level['p99_200_ms']:.0f} | "
              f"{level['p99_429_ms'] if level['p99_429_ms'] is not None else '-'} | "
              f"{probes.get('/health', float('nan')):.0f}, {probes.get('/ready', float('nan')):.0f} |")


def main() -> int:
    exit_on_sigterm()
    load_pool()
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds-per-level", type=float, default=20.0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--only", choices=("mixed", "heavy_light"), help="run one scenario (not recorded)")
    parser.add_argument("--quick", action="store_true", help="3 s per level: a smoke test, not a measurement")
    parser.add_argument("--out", type=Path, default=repo.RESULTS_DIR / "overload.json")
    parser.add_argument("--chart", type=Path, default=CHART)
    args = parser.parse_args()
    seconds = 3.0 if args.quick else args.seconds_per_level
    rng = random.Random(7)
    short, _ = short_texts(repo.SST2_DEV)
    long, _ = long_texts(repo.IMDB_TRAIN, 400)
    mixed, heavy_light = mixed_texts(short, long, rng), heavy_and_light(short, long, rng)
    agreement_loads = {"short": [j for j in heavy_light.jobs if j.kind == "light"],
                       "long": [j for j in heavy_light.jobs if j.kind == "heavy"], "mixed": heavy_light.jobs}
    results = {}
    for scenario in (mixed, heavy_light):
        if args.only in (None, scenario.name):
            loads = agreement_loads if scenario is heavy_light else None
            results[scenario.name] = run_scenario(scenario, args, seconds, rng, loads)
    series = {}
    for name, result in results.items():
        for kind, levels in result["levels"].items():
            print_table(name, kind, levels)
            series[kind if name == "heavy_light" else name] = levels
    for load, lanes in results.get("heavy_light", {}).get("agreement", {}).items():
        print(f"predicted / actual time to answer, {load} load: "
              + ", ".join(f"{lane} {v['ratio']:.2f} ({v['predicted_s']:.3f} / {v['actual_s']:.3f} s)" for lane, v in lanes.items()))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2))
    draw_chart(series, args.chart)
    print(f"\nwrote {args.out} and {args.chart}")
    if args.quick or args.only:
        print(f"not recorded in {measurements.FILE.name}: only a full run of both scenarios is")
        return 0
    quote.publish(measurements.overload_figures(results), "bench.overload", repo.git_commit())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

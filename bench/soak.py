"""Soak test: sustained, bounded load on the real service, watching for errors and memory growth.

    .venv/bin/python -m bench.soak --duration 600 --concurrency 32     # `make soak DURATION=600 CONCURRENCY=32`
    .venv/bin/python -m bench.soak --duration 20 --concurrency 8 --warmup-passes 1   # smoke test

Starts our service on 127.0.0.1 (as bench/run.py does), sends /predict with one /batch-predict of 32
texts in every 10 requests for --duration seconds, and samples each worker's RSS every --sample-every
seconds. RSS growth is measured from the end of a warm-up of --warmup-passes passes over the same
traffic (every text and batch shape), so allocators growing to their working size is not taken for a leak.
Exits 1 on any 5xx, any request that got no answer, a worker replaced mid-run, or RSS growth over --max-rss-growth.
"""

import argparse
import sys
from functools import partial
from pathlib import Path

from bench import repo
from bench.load import LoadResult, mixed_requests, run_load
from bench.service import exit_on_sigterm, ours_command, running_server
from bench.stats import percentile
from bench.texts import short_texts


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", type=float, required=True, help="seconds of load after the warm-up")
    parser.add_argument("--concurrency", type=int, required=True, help="client threads, one keep-alive connection each")
    parser.add_argument("--warmup-passes", type=int, default=2, help="passes over the request mix before RSS is first sampled")
    parser.add_argument("--warmup", type=float, default=120.0, help="time bound on the warm-up, in seconds")
    parser.add_argument("--sample-every", type=float, default=10.0, help="seconds between RSS samples")
    parser.add_argument("--max-requests", type=int, help="cap on requests (default: 5000 per second of --duration)")
    parser.add_argument("--max-rss-growth", type=float, default=10.0, help="percent of RSS growth per worker that fails the run")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--model-dir", type=Path, default=repo.MODEL_DIR)
    parser.add_argument("--data", type=Path, default=repo.SST2_DEV, help="JSONL of texts (default: SST-2 dev)")
    args = parser.parse_args()
    args.max_requests = args.max_requests or int(args.duration * 5000) + 1
    return args


def _fmt_rss(rss: dict[int, float]) -> str:
    return ", ".join(f"{pid}: {mb:.1f} MiB" for pid, mb in sorted(rss.items()))


def main() -> int:
    exit_on_sigterm()
    args = parse_args()
    texts, source = short_texts(args.data)
    requests = mixed_requests(texts)
    build = partial(ours_command, workers=args.workers, model_dir=args.model_dir)
    with running_server("ours", build, args.workers) as server:
        print(f"ready in {server.cold_start_s:.2f}s (all workers {server.all_ready_s:.2f}s); texts: {source}")
        warmup = run_load(server.url, requests, concurrency=args.concurrency, duration_s=args.warmup,
                          max_requests=args.warmup_passes * len(requests))
        print(f"warm-up: {warmup.requests} requests in {warmup.elapsed_s:.1f}s, {warmup.errors} errors")
        start_rss = server.worker_rss_mb()
        print(f"RSS at start: {_fmt_rss(start_rss)}")
        samples: list[tuple[float, dict[int, float]]] = [(0.0, start_rss)]

        def sample(elapsed_s: float) -> None:
            rss = server.worker_rss_mb()
            samples.append((elapsed_s, rss))
            print(f"  {elapsed_s:6.0f}s  RSS {_fmt_rss(rss)}", flush=True)

        result = run_load(server.url, requests, concurrency=args.concurrency, duration_s=args.duration,
                          max_requests=args.max_requests, monitor=sample, monitor_every_s=args.sample_every)
        end_rss = server.worker_rss_mb()
        samples.append((result.elapsed_s, end_rss))
    return report(args, result, samples)


def report(args: argparse.Namespace, result: LoadResult, samples: list[tuple[float, dict[int, float]]]) -> int:
    """Print the summary; return the exit status (0 only when every check passed)."""
    failures: list[str] = []
    start_rss, end_rss = samples[0][1], samples[-1][1]
    print(f"\n{result.requests} requests in {result.elapsed_s:.1f}s ({result.ok / max(result.elapsed_s, 1e-9):.1f} ok/s), "
          f"concurrency {args.concurrency}")
    print(f"statuses: {dict(sorted(result.statuses.items()))}; no answer: {dict(result.exceptions) or 0}")
    print(f"latency of 200s: p50 {percentile(result.latencies_ms, 50):.1f} ms, p99 {percentile(result.latencies_ms, 99):.1f} ms")
    if result.server_errors:
        failures.append(f"{result.server_errors} responses with a 5xx status")
    if result.exceptions or result.unfinished_threads:
        failures.append(f"{sum(result.exceptions.values())} requests without an answer, {result.unfinished_threads} threads hung")
    if set(start_rss) != set(end_rss):
        failures.append(f"workers changed during the run ({sorted(start_rss)} -> {sorted(end_rss)}): one died or was killed")
    print(f"RSS per worker (MiB), {len(samples)} samples: start -> end (peak), growth")
    for pid in sorted(start_rss):
        if pid not in end_rss:
            print(f"  {pid}: {start_rss[pid]:.1f} -> gone")
            continue
        growth = 100 * (end_rss[pid] - start_rss[pid]) / start_rss[pid]
        peak = max(rss.get(pid, 0.0) for _, rss in samples)
        print(f"  {pid}: {start_rss[pid]:.1f} -> {end_rss[pid]:.1f} ({peak:.1f}), {growth:+.1f}%")
        if growth > args.max_rss_growth:
            failures.append(f"worker {pid} RSS grew {growth:.1f}% (limit {args.max_rss_growth}%)")
    for failure in failures:
        print(f"FAIL: {failure}")
    print("PASS" if not failures else f"{len(failures)} check(s) failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())

"""The performance table: our service against a tutorial-style baseline and the raw onnxruntime ceiling.

    .venv/bin/python -m bench.run                 # `make bench`: about 10 s per row, a few minutes in all
    .venv/bin/python -m bench.run --quick         # smoke test: 1 s per row
    .venv/bin/python -m bench.run --skip-baseline --duration-per-row 30

Servers run one after the other (ours, then the baseline, then the ceiling processes), never together,
so they never compete for CPUs; the load generator does share the CPUs with whichever is running.
Everything listens on 127.0.0.1 only. The table is printed and written to bench/results/latest.json.
"""

import argparse
import os
import platform
import sys
import time
from functools import partial
from pathlib import Path

from bench import measurements, quote, repo
from bench.ceiling import measure_ceiling
from bench.chart import draw_benchmark
from bench.image_size import image_size
from bench.report import render, to_json
from bench.service import baseline_command, exit_on_sigterm, ours_command, running_server
from bench.suite import Plan, measure_server
from bench.texts import long_texts, short_texts, tokens_read
from bench.wrk import wrk_available
from sentiment_service.predictor.manifest import load_manifest
from sentiment_service.settings import available_cpus

QUICK = {"duration_per_row": 1.0, "requests_per_row": 500, "warmup_s": 1.0, "long_count": 20}
FULL = {"duration_per_row": 10.0, "requests_per_row": 100_000, "warmup_s": 5.0, "long_count": 200}


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration-per-row", type=float, help="seconds of load per row (default 10; 1 with --quick)")
    parser.add_argument("--requests-per-row", type=int, help="cap on requests per row (default 100000; 500 with --quick)")
    parser.add_argument("--quick", action="store_true", help="tiny durations: a smoke test of the harness, not a measurement")
    parser.add_argument("--skip-baseline", action="store_true", help="measure only ours and the ceiling")
    parser.add_argument("--baseline-python", type=Path, default=repo.BASELINE_PYTHON,
                        help="python with torch, transformers and gunicorn (default: .venv-train/bin/python)")
    parser.add_argument("--baseline-threads", type=int, default=1,
                        help="baseline threads per worker: 1 = gunicorn's sync worker, as tutorials run it (default)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers for both servers, and ceiling processes")
    parser.add_argument("--model-dir", type=Path, default=repo.MODEL_DIR)
    parser.add_argument("--set", action="append", default=[], metavar="NAME=VALUE",
                        help="a service setting for our server, e.g. --set BATCH_WAIT_MS=2 (repeatable)")
    parser.add_argument("--data", type=Path, default=repo.SST2_DEV, help="JSONL of short texts (default: SST-2 dev)")
    parser.add_argument("--long-data", type=Path, default=repo.IMDB_TRAIN, help="JSONL of long texts (default: IMDB train)")
    parser.add_argument("--long-count", type=int, help="how many long texts to use (default 200; 20 with --quick)")
    parser.add_argument("--ceiling-batch", type=int, default=64, help="most texts per inference call in the ceiling (the service default)")
    parser.add_argument("--image", default="sentiment-service:test", help="image whose size to report")
    parser.add_argument("--base-image", default="python:3.11-slim")
    parser.add_argument("--client", choices=("auto", "wrk", "python"), default="auto",
                        help="load generator: wrk where installed (auto, the default), else the Python one")
    parser.add_argument("--out", type=Path, default=repo.RESULTS_DIR / "latest.json")
    args = parser.parse_args()
    defaults = QUICK if args.quick else FULL
    args.duration_per_row = args.duration_per_row or defaults["duration_per_row"]
    args.requests_per_row = args.requests_per_row or defaults["requests_per_row"]
    args.long_count = args.long_count or defaults["long_count"]
    args.warmup_s = min(defaults["warmup_s"], args.duration_per_row)
    return args


def measure_baseline(args: argparse.Namespace, plan: Plan, short: list[str], long: list[str], max_length: int,
                     cpus: int) -> tuple[dict | None, str]:
    """The baseline's rows and a line saying how it ran (or why it did not)."""
    if args.skip_baseline:
        return None, "skipped (--skip-baseline)"
    if not args.baseline_python.is_file():
        print(f"baseline skipped: {args.baseline_python} not found. It needs torch and transformers: create it with\n"
              "  python3.11 -m venv .venv-train && .venv-train/bin/pip install -r training/requirements.txt\n"
              "or pass --baseline-python PATH (or --skip-baseline).")
        return None, f"skipped ({args.baseline_python} not found)"
    # Same split of the CPUs as ours: workers x threads per worker = CPUs.
    torch_threads = max(1, cpus // args.workers)
    build = partial(baseline_command, python=args.baseline_python, workers=args.workers, threads=args.baseline_threads,
                    torch_threads=torch_threads, max_length=max_length)
    kind = "sync" if args.baseline_threads == 1 else f"gthread x{args.baseline_threads}"
    description = f"transformers pipeline, PyTorch fp32, gunicorn {kind}, torch threads {torch_threads}, truncation {max_length}"
    try:
        with running_server("baseline", build, args.workers) as server:
            return measure_server(server, plan, short, long), description
    except (RuntimeError, TimeoutError) as exc:
        print(f"baseline failed: {exc}")
        return None, f"failed: {exc}"


def main() -> int:
    exit_on_sigterm()
    args = parse_args()
    cpus = available_cpus()
    max_length = load_manifest(args.model_dir).info.max_length
    short, short_source = short_texts(args.data)
    long, long_source = long_texts(args.long_data, args.long_count)
    client = args.client if args.client != "auto" else ("wrk" if wrk_available() else "python")
    if client == "python":
        print("load generator: Python threads (wrk not found); it takes CPU from the server on a small machine")
    plan = Plan(duration_s=args.duration_per_row, max_requests=args.requests_per_row, warmup_s=args.warmup_s,
                client=client)
    started = time.time()
    loadavg = " ".join(f"{x:.2f}" for x in os.getloadavg())

    settings = dict(item.split("=", 1) for item in args.set)
    ours_build = partial(ours_command, workers=args.workers, model_dir=args.model_dir, settings=settings)
    long_tokens = {reading: tokens_read(args.model_dir, long, reading) for reading in ("truncate", "document")}
    with running_server("ours", ours_build, args.workers) as server:
        ours = measure_server(server, plan, short, long, long_tokens)
    baseline, baseline_description = measure_baseline(args, plan, short, long, max_length, cpus)
    print(f"[ceiling] {args.workers} processes, batch {args.ceiling_batch}, {args.duration_per_row:.0f}s")
    ceiling = measure_ceiling(args.model_dir, short, processes=args.workers, batch_size=args.ceiling_batch,
                              duration_s=args.duration_per_row)
    # What 16 clients allow: each worker holds at most 16 / workers requests, in the order they came.
    per_worker = max(1, 16 // args.workers)
    print(f"[ceiling] {args.workers} processes, batches of {per_worker} in arrival order, {args.duration_per_row:.0f}s")
    ceiling["c16_batches"] = measure_ceiling(args.model_dir, short, processes=args.workers, batch_size=per_worker,
                                             duration_s=args.duration_per_row, arrival_order=True)
    results = {
        "meta": {
            "started": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(started)),
            "commit": repo.git_commit(),
            "python": platform.python_version(),
            "cpus": cpus,
            "loadavg_at_start": loadavg,
            "workers": args.workers,
            "settings": settings,
            "quick": args.quick,
            "duration_per_row_s": args.duration_per_row,
            "requests_per_row": args.requests_per_row,
            "short_texts": short_source,
            "long_texts": long_source,
            "baseline": baseline_description,
            "client": client,
        },
        "ours": ours,
        "baseline": baseline,
        "ceiling": ceiling,
        "image": image_size(args.image, args.base_image),
    }
    print("\n" + render(results))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(to_json(results), encoding="utf-8")
    print(f"\nwritten to {args.out}")
    if not args.quick:
        print(f"chart: {draw_benchmark(results)}")
    variant = args.quick or args.skip_baseline or settings or args.model_dir != repo.MODEL_DIR or args.workers != 2
    if variant:
        print(f"not recorded in {measurements.FILE.name}: only a full run of the defaults is (a variant run)")
    else:
        quote.publish(measurements.service_figures(results), "bench.run", results["meta"]["commit"])
    if args.quick:
        print("(--quick: a smoke test of the harness; these numbers are not a measurement)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

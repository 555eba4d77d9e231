"""The shipped model against the release before it: /predict throughput at 16 clients, served the same way.

    .venv/bin/python -m bench.previous_model --previous-ref 08ada2c     # `make bench` passes START_REF: a few minutes
    .venv/bin/python -m bench.previous_model --previous-ref REF --quick # smoke test of the harness: records nothing

The previous release's files come from git (REF: a commit that shipped it). The two servers run one after the
other, never together, with the same workers and settings, in two alternating rounds (previous, shipped,
previous, shipped) so that a machine growing slower or faster during the run moves both alike; each model's figure
is the mean of its rounds, and the ratio of the two is the figure to read.
"""

import argparse
import json
import subprocess
import sys
import tempfile
from functools import partial
from pathlib import Path

from bench import quote, repo
from bench.load import predict_requests
from bench.measurements import Figure
from bench.service import exit_on_sigterm, ours_command, running_server
from bench.suite import Plan, measure_row, row_plan
from bench.texts import short_texts

CONCURRENCY = 16
ROUNDS = 2


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--previous-ref", required=True, help="a git commit whose model directory is the previous release")
    parser.add_argument("--quick", action="store_true", help="1 s per row: a smoke test, records nothing")
    parser.add_argument("--duration-per-row", type=float, help="seconds of load per row (default 10; 1 with --quick)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--data", type=Path, default=repo.SST2_DEV, help="JSONL of short texts (default: SST-2 dev)")
    args = parser.parse_args()
    args.duration_per_row = args.duration_per_row or (1.0 if args.quick else 10.0)
    return args


def previous_release(ref: str, destination: Path) -> Path:
    """The shipped model directory as commit `ref` had it, written under `destination`."""
    folder = repo.MODEL_DIR.relative_to(repo.ROOT).as_posix()
    destination.mkdir(parents=True)
    listed = subprocess.run(["git", "ls-tree", "--name-only", f"{ref}:{folder}"], cwd=repo.ROOT, capture_output=True,
                            text=True, check=True, timeout=30).stdout.split()
    for name in listed:
        content = subprocess.run(["git", "show", f"{ref}:{folder}/{name}"], cwd=repo.ROOT, capture_output=True,
                                 check=True, timeout=60).stdout
        (destination / name).write_bytes(content)
    return destination


def throughput(model_dir: Path, plan: Plan, short: list[str], workers: int) -> float:
    """Requests per second of one server of `model_dir`, after a warm-up."""
    with running_server(model_dir.name, partial(ours_command, workers=workers, model_dir=model_dir), workers) as server:
        measure_row(server, "warm-up", predict_requests(short, None), plan, CONCURRENCY, duration_s=plan.warmup_s)
        row = measure_row(server, f"/predict c={CONCURRENCY} {model_dir.name}", predict_requests(short, None), plan,
                          CONCURRENCY)
    return row["requests_per_s"]


def version(model_dir: Path) -> str:
    return json.loads((model_dir / "manifest.json").read_text(encoding="utf-8"))["version"]


def main() -> int:
    exit_on_sigterm()
    args = parse_args()
    short, _ = short_texts(args.data)
    plan = row_plan(args.duration_per_row)
    with tempfile.TemporaryDirectory(prefix="bench-previous-") as scratch:
        previous = previous_release(args.previous_ref, Path(scratch) / "previous")
        rounds = {"previous": [], "shipped": []}
        for _ in range(ROUNDS):
            rounds["previous"].append(throughput(previous, plan, short, args.workers))
            rounds["shipped"].append(throughput(repo.MODEL_DIR, plan, short, args.workers))
        old, new = version(previous), version(repo.MODEL_DIR)
    mean = {which: sum(values) / len(values) for which, values in rounds.items()}
    where = f"{CONCURRENCY} clients, SST-2 dev sentences, {args.workers} workers, mean of {ROUNDS} alternating rounds"
    measured = {
        "previous_model_predict_c16_rps": Figure(mean["previous"], "req/s", f"/predict, model {old} (the previous release), {where}"),
        "shipped_model_predict_c16_rps": Figure(mean["shipped"], "req/s", f"/predict, model {new} (shipped), {where}"),
        "shipped_over_previous_c16": Figure(mean["shipped"] / mean["previous"], "x",
                                            f"model {new}'s /predict throughput over {old}'s, measured in the same run", 2),
    }
    quote.print_and_publish(measured, "bench.previous_model", repo.git_commit(), full_run=not (args.quick or args.workers != 2))
    return 0


if __name__ == "__main__":
    sys.exit(main())

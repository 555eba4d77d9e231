"""Several models in one service: each model's /predict throughput alone and with a second model loaded, and the
memory per worker of one model against two.

    .venv/bin/python -m bench.models            # `make bench` runs it: about a minute
    .venv/bin/python -m bench.models --quick    # smoke test of the harness: records nothing

The second model is the shipped one under another name (its files linked, not copied): a model of the same size
and cost, so the difference between the two servers is what one more model costs, not what a different model
costs. Both servers run one after the other, never together, with the same workers and settings.
"""

import argparse
import json
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

SECOND_MODEL = "second-model"
CONCURRENCY = 16


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="1 s per row: a smoke test, records nothing")
    parser.add_argument("--duration-per-row", type=float, help="seconds of load per row (default 10; 1 with --quick)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--model-dir", type=Path, default=repo.MODEL_DIR)
    parser.add_argument("--data", type=Path, default=repo.SST2_DEV, help="JSONL of short texts (default: SST-2 dev)")
    args = parser.parse_args()
    args.duration_per_row = args.duration_per_row or (1.0 if args.quick else 10.0)
    return args


def renamed_copy(model_dir: Path, destination: Path, name: str | None = None) -> Path:
    """`model_dir` under `destination`, its files linked and its manifest's name changed (the manifest is not
    hashed; the files it hashes are the original ones)."""
    manifest = json.loads((model_dir / "manifest.json").read_text(encoding="utf-8"))
    destination.mkdir(parents=True)
    for file in (manifest["model_file"], manifest["tokenizer_file"]):
        (destination / file).symlink_to((model_dir / file).resolve())
    (destination / "manifest.json").write_text(json.dumps({**manifest, "name": name or manifest["name"]}), encoding="utf-8")
    return destination


def measure(server, plan: Plan, short: list[str], models: list[str | None]) -> dict:
    """Warm every model up, then a /predict row per model; the workers' RSS once every model has served."""
    for model in models:
        measure_row(server, f"warm-up {model or 'default'}", predict_requests(short, model), plan, CONCURRENCY,
                    duration_s=plan.warmup_s)
    rows = {model or "default": measure_row(server, f"/predict c={CONCURRENCY} {model or 'default'}",
                                            predict_requests(short, model), plan, CONCURRENCY) for model in models}
    return {"rows": rows, "worker_rss_mb": max(server.worker_rss_mb().values())}


def figures(one: dict, two: dict, workers: int) -> dict[str, Figure]:
    where = f"{CONCURRENCY} clients, SST-2 dev sentences, {workers} workers on one 2-CPU instance"
    alone, beside, second = one["rows"]["default"], two["rows"]["default"], two["rows"][SECOND_MODEL]
    return {
        "models_one_predict_c16_rps": Figure(alone["requests_per_s"], "req/s", f"/predict, the only model loaded, {where}"),
        "models_two_predict_c16_rps": Figure(beside["requests_per_s"], "req/s",
                                             f"/predict to the default model with a second model loaded, {where}"),
        "models_two_second_predict_c16_rps": Figure(second["requests_per_s"], "req/s",
                                                    f"/predict naming the second model, {where}"),
        "models_one_worker_rss_mib": Figure(one["worker_rss_mb"], "MiB", "largest RSS of one worker, one model", 0),
        "models_two_worker_rss_mib": Figure(two["worker_rss_mb"], "MiB",
                                            "largest RSS of one worker, two models of the shipped one's size", 0),
        "models_extra_model_rss_mib": Figure(two["worker_rss_mb"] - one["worker_rss_mb"], "MiB",
                                             "what one more model of the shipped one's size costs each worker", 0),
    }


def main() -> int:
    exit_on_sigterm()
    args = parse_args()
    short, _ = short_texts(args.data)
    plan = row_plan(args.duration_per_row)
    with tempfile.TemporaryDirectory(prefix="bench-models-") as scratch:
        folder = Path(scratch) / "models"
        renamed_copy(args.model_dir, folder / "shipped")
        renamed_copy(args.model_dir, folder / "second", SECOND_MODEL)
        default = json.loads((args.model_dir / "manifest.json").read_text(encoding="utf-8"))["name"]
        one_model = partial(ours_command, workers=args.workers, model_dir=args.model_dir)
        with running_server("one model", one_model, args.workers) as server:
            one = measure(server, plan, short, [None])
        two_models = partial(ours_command, workers=args.workers, model_dir=None,
                             settings={"MODELS_DIR": str(folder), "DEFAULT_MODEL": default})
        with running_server("two models", two_models, args.workers) as server:
            two = measure(server, plan, short, [None, SECOND_MODEL])
    measured = figures(one, two, args.workers)
    quote.print_and_publish(measured, "bench.models", repo.git_commit(),
                            full_run=not (args.quick or args.model_dir != repo.MODEL_DIR or args.workers != 2))
    return 0


if __name__ == "__main__":
    sys.exit(main())

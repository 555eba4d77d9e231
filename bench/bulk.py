"""Bulk scoring against the raw onnxruntime ceiling, all measured in one run; and its peak memory on a big CSV.

    .venv/bin/python -m bench.bulk                    # `make bench-bulk`: 200k SST-2 sentences (CLI), 50k (Spark); minutes
    .venv/bin/python -m bench.bulk --quick            # smoke test of the harness: its numbers are not measurements
    .venv/bin/python -m bench.bulk --skip-spark --rows 100000
    .venv/bin/python -m bench.bulk --rss-csv-mb 1024 --rss-seconds 180   # also: peak RSS scoring a generated 1 GB CSV

The ceiling (bench/ceiling.py) is one process per CPU at one onnxruntime thread each, tokenizing and batching as
the service does, with no file, queue or Arrow in the way. The score command runs as a user runs it (a fresh
process, its own worker processes, CSV in and out) and is timed from start to exit, model loading included.
Spark runs in local mode with one task slot per CPU on a Parquet copy of the same texts. Texts are SST-2 train
sentences repeated up to --rows. Results are printed and written to bench/results/bulk.json.
"""

import argparse
import csv
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import threading
import time
from itertools import cycle, islice
from pathlib import Path

from bench import measurements, quote, repo
from bench.ceiling import measure_ceiling
from bench.procfs import child_pids, rss_mb
from bench.texts import FALLBACK_SHORT, read_jsonl_texts
from sentiment_service.settings import available_cpus

SST2_TRAIN = repo.SST2_DEV.parent / "train.jsonl"
CEILING_SAMPLE = 4096
QUICK = {"rows": 20_000, "spark_rows": 10_000, "ceiling_seconds": 5.0}
FULL = {"rows": 200_000, "spark_rows": 50_000, "ceiling_seconds": 20.0}


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, help="texts the score command scores (default 200000; 20000 with --quick)")
    parser.add_argument("--spark-rows", type=int, help="texts Spark scores (default 50000; 10000 with --quick)")
    parser.add_argument("--ceiling-seconds", type=float, help="how long the ceiling runs (default 20; 5 with --quick)")
    parser.add_argument("--quick", action="store_true", help="small sizes: a smoke test of the harness, not a measurement")
    parser.add_argument("--skip-spark", action="store_true", help="measure only the score command and the ceiling")
    parser.add_argument("--only-rss", action="store_true", help="only the peak-memory run (needs --rss-csv-mb)")
    parser.add_argument("--workers", type=int, default=available_cpus(), help="worker processes, Spark task slots, ceiling processes")
    parser.add_argument("--model-dir", type=Path, default=repo.MODEL_DIR)
    parser.add_argument("--data", type=Path, default=SST2_TRAIN, help="JSONL of texts (default: SST-2 train)")
    parser.add_argument("--rss-csv-mb", type=int, default=0, help="also measure peak RSS scoring a generated CSV of this size (MB)")
    parser.add_argument("--rss-seconds", type=float, default=180.0, help="stop the RSS run with Ctrl-C after this long (default 180)")
    parser.add_argument("--tmp", type=Path, default=Path(tempfile.gettempdir()), help="where generated files go (default: the temp dir)")
    parser.add_argument("--out", type=Path, default=repo.RESULTS_DIR / "bulk.json")
    args = parser.parse_args()
    defaults = QUICK if args.quick else FULL
    for name, value in defaults.items():
        if getattr(args, name) is None:
            setattr(args, name, value)
    return args


def load_texts(path: Path, rows: int) -> tuple[list[str], str]:
    texts = read_jsonl_texts(path, 10_000_000)
    source = f"{path.name} ({len(texts)} texts) repeated to {rows}"
    if not texts:
        print(f"note: {path} not found; using {len(FALLBACK_SHORT)} built-in sentences")
        texts, source = list(FALLBACK_SHORT), f"built-in sentences repeated to {rows}"
    return list(islice(cycle(texts), rows)), source


class TreeMemory:
    """Samples the summed RSS and PSS of a process and all its descendants until stopped; keeps the peaks, and
    each process's RSS and PSS in the sample where the summed RSS peaked, by role (parent, worker, tracker)."""

    def __init__(self, pid: int, interval_s: float = 0.1):
        self.pid, self.interval_s = pid, interval_s
        self.peak_mb, self.peak_processes, self.peak_pss_mb = 0.0, 0, 0.0
        self.peak_by_process: dict[str, dict[str, float]] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(self.interval_s):
            pids, frontier = [], [self.pid]
            while frontier:
                pid = frontier.pop()
                pids.append(pid)
                frontier.extend(child_pids(pid))
            rss = {p: rss_mb(p) or 0.0 for p in pids}
            # RSS counts shared library pages once per process; PSS splits them between the processes sharing them.
            pss = {p: pss_mb(p) for p in pids}
            self.peak_pss_mb = max(self.peak_pss_mb, sum(pss.values()))
            if sum(rss.values()) > self.peak_mb:
                self.peak_mb, self.peak_processes = sum(rss.values()), len(pids)
                roles = _roles(self.pid, pids)
                self.peak_by_process = {roles[p]: {"rss_mb": round(rss[p], 1), "pss_mb": round(pss[p], 1)} for p in pids}

    def stop(self) -> float:
        self._stop.set()
        self._thread.join()
        return self.peak_mb


def _roles(parent: int, pids: list[int]) -> dict[int, str]:
    """A name for each process of the score command's tree: parent, resource tracker, worker 1, worker 2, ..."""
    roles, workers = {}, 0
    for pid in sorted(pids):
        try:
            command = Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            command = b""
        if pid == parent:
            roles[pid] = "parent"
        elif b"resource_tracker" in command:
            roles[pid] = "resource tracker"
        else:
            workers += 1
            roles[pid] = f"worker {workers}"
    return roles


def pss_mb(pid: int) -> float:
    """Proportional set size of pid in MiB (0 once the process is gone)."""
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return 0.0
    return 0.0


def score_command(source: Path, target: Path, args: argparse.Namespace, *, text_column: str = "text",
                  stop_after_s: float | None = None) -> dict:
    """Run the score command as a user would; wall time from start to exit and the process tree's peak RSS."""
    command = [sys.executable, "-m", "sentiment_service.bulk", "score", str(source), str(target), "--model-dir", str(args.model_dir),
               "--workers", str(args.workers), "--text-column", text_column, "--progress-interval", "30"]
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True, cwd=repo.ROOT)
    memory = TreeMemory(process.pid)
    try:
        stdout, _ = process.communicate(timeout=stop_after_s)
    except subprocess.TimeoutExpired:
        process.send_signal(signal.SIGINT)  # the run is cut short on purpose: the peak is what was wanted
        stdout, _ = process.communicate(timeout=60)
    elapsed = time.perf_counter() - started
    peak = memory.stop()
    return {"exit_code": process.returncode, "elapsed_s": round(elapsed, 2), "peak_rss_mb": round(peak, 1),
            "peak_pss_mb": round(memory.peak_pss_mb, 1), "processes": memory.peak_processes,
            "peak_by_process": memory.peak_by_process, "summary": stdout.strip()}


def measure_cli(texts: list[str], args: argparse.Namespace, workdir: Path) -> dict:
    source = workdir / "texts.csv"
    with source.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["id", "text"])
        writer.writerows(enumerate(texts))
    print(f"[cli] score command, {args.workers} workers, {len(texts)} texts")
    run = score_command(source, workdir / "scored.csv", args)
    if run["exit_code"] != 0:
        raise RuntimeError(f"score command failed: {run}")
    return run | {"texts": len(texts), "texts_per_s": len(texts) / run["elapsed_s"]}


def measure_spark(texts: list[str], args: argparse.Namespace, workdir: Path) -> dict:
    import pyarrow as pa
    import pyarrow.parquet as pq
    from pyspark.sql import SparkSession

    from sentiment_service.bulk.spark import score_dataframe

    pq.write_table(pa.table({"id": range(len(texts)), "text": texts}), workdir / "texts.parquet")
    os.environ["PYSPARK_PYTHON"] = os.environ["PYSPARK_DRIVER_PYTHON"] = sys.executable
    print(f"[spark] local[{args.workers}], {len(texts)} texts")
    spark = (SparkSession.builder.master(f"local[{args.workers}]").appName("bench-bulk").config("spark.ui.enabled", "false")
             .config("spark.driver.bindAddress", "127.0.0.1").config("spark.driver.host", "127.0.0.1").getOrCreate())
    spark.sparkContext.setLogLevel("ERROR")
    try:
        df = spark.read.parquet(str(workdir / "texts.parquet")).repartition(args.workers).cache()
        df.count()
        # Load the model in every worker first, so that the timed run is scoring, as in the ceiling.
        warm_up = df.limit(args.workers * 10).repartition(args.workers)
        score_dataframe(warm_up, model_dir=args.model_dir).write.format("noop").mode("overwrite").save()
        started = time.perf_counter()
        score_dataframe(df, model_dir=args.model_dir).write.format("noop").mode("overwrite").save()
        elapsed = time.perf_counter() - started
    finally:
        spark.stop()
    return {"texts": len(texts), "elapsed_s": round(elapsed, 2), "texts_per_s": len(texts) / elapsed, "task_slots": args.workers}


def generate_csv(path: Path, megabytes: int) -> int:
    """A CSV of about `megabytes` MB of reviews: IMDB and SST-2 texts with an id and a rating column."""
    reviews = read_jsonl_texts(repo.IMDB_TRAIN, 25_000) + read_jsonl_texts(SST2_TRAIN, 25_000) or list(FALLBACK_SHORT)
    rows, limit = 0, megabytes * 1_000_000
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["id", "rating", "review"])
        for text in cycle(reviews):
            writer.writerow([rows, rows % 5 + 1, text])
            rows += 1
            if rows % 10_000 == 0 and f.tell() >= limit:
                break
    return rows


def measure_rss(args: argparse.Namespace, workdir: Path) -> dict:
    big = args.tmp / f"bench-bulk-{args.rss_csv_mb}mb.csv"
    if not big.is_file() or big.stat().st_size < args.rss_csv_mb * 1_000_000:
        print(f"[rss] generating {big} ({args.rss_csv_mb} MB)")
        generate_csv(big, args.rss_csv_mb)
    print(f"[rss] scoring {big} for at most {args.rss_seconds:.0f} s, sampling the process tree's RSS")
    run = score_command(big, workdir / "big-scored.csv", args, text_column="review", stop_after_s=args.rss_seconds)
    if run["exit_code"] not in (0, 130):
        raise RuntimeError(f"score command failed: {run}")
    return run | {"input": str(big), "input_mb": round(big.stat().st_size / 1e6), "stopped_after_s": args.rss_seconds}


def render(results: dict) -> str:
    lines = [f"texts: {results['meta']['texts']}; {results['meta']['workers']} processes / task slots; "
             f"load average at start {results['meta']['loadavg_at_start']}, at end {results['meta']['loadavg_at_end']}"]
    if results.get("ceiling"):
        before, after = results["ceiling"]["texts_per_s"], results["ceiling_after"]["texts_per_s"]
        ceiling = (before + after) / 2
        lines += [f"{'path':<36}{'texts':>9}{'texts/s':>10}{'of ceiling':>12}",
                  f"{'ceiling (mean of before and after)':<36}{results['ceiling']['texts']:>9}{ceiling:>10.1f}{'100%':>12}"
                  f"   ({before:.1f} before, {after:.1f} after)"]
        for name, key in (("score command (CSV in and out)", "cli"), ("Spark local mode (mapInPandas)", "spark")):
            if results.get(key):
                row = results[key]
                lines.append(f"{name:<36}{row['texts']:>9}{row['texts_per_s']:>10.1f}{100 * row['texts_per_s'] / ceiling:>11.0f}%")
        cli = results["cli"]
        lines.append(f"score command peak memory, whole process tree: RSS {cli['peak_rss_mb']:.0f} MB, PSS {cli['peak_pss_mb']:.0f} MB")
    if results.get("rss"):
        rss = results["rss"]
        lines.append(f"peak memory scoring a {rss['input_mb']} MB CSV: RSS {rss['peak_rss_mb']:.0f} MB, PSS "
                     f"{rss['peak_pss_mb']:.0f} MB; run {'completed' if rss['exit_code'] == 0 else 'stopped with Ctrl-C'} "
                     f"after {rss['elapsed_s']:.0f} s, {rss['summary'] or 'no summary'}")
        lines += [f"  {role:<17} RSS {m['rss_mb']:6.1f} MB  PSS {m['pss_mb']:6.1f} MB  (at the RSS peak)"
                  for role, m in rss["peak_by_process"].items()]
    return "\n".join(lines)


def main() -> int:
    args = parse_args()
    texts, source = load_texts(args.data, args.rows)
    loadavg = " ".join(f"{x:.2f}" for x in os.getloadavg())
    results: dict = {}
    with tempfile.TemporaryDirectory(prefix="bench-bulk-", dir=args.tmp) as tmp:
        workdir = Path(tmp)
        if not args.only_rss:
            # The ceiling scores its batches shortest first and cycles; given all 200k texts it would spend its
            # seconds on the shortest ones only. A random sample small enough to cycle through several times has
            # the lengths of the whole set.
            sample = random.Random(0).sample(texts, min(len(texts), CEILING_SAMPLE))
            print(f"[ceiling] {args.workers} processes, {args.ceiling_seconds:.0f} s, {len(sample)} texts sampled")
            results["ceiling"] = measure_ceiling(args.model_dir, sample, processes=args.workers, batch_size=64,
                                                 duration_s=args.ceiling_seconds)
            results["cli"] = measure_cli(texts, args, workdir)
            results["spark"] = None if args.skip_spark else measure_spark(texts[: args.spark_rows], args, workdir)
            # Measured again at the end: on a shared machine the load drifts, and one ceiling can flatter or shame.
            print("[ceiling] again")
            results["ceiling_after"] = measure_ceiling(args.model_dir, sample, processes=args.workers, batch_size=64,
                                                       duration_s=args.ceiling_seconds)
        results["rss"] = measure_rss(args, workdir) if args.rss_csv_mb else None
    results["meta"] = {"texts": source, "workers": args.workers, "loadavg_at_start": loadavg, "quick": args.quick,
                       "loadavg_at_end": " ".join(f"{x:.2f}" for x in os.getloadavg())}
    print("\n" + render(results))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(f"\nwritten to {args.out}")
    if args.quick:
        print("(--quick: a smoke test of the harness; these numbers are not a measurement)")
    elif args.only_rss or args.skip_spark or not args.rss_csv_mb or args.model_dir != repo.MODEL_DIR:
        print(f"not recorded in {measurements.FILE.name}: only a full run of the defaults with --rss-csv-mb is (a variant run)")
    else:
        quote.publish(measurements.bulk_figures(results), "bench.bulk", repo.git_commit())
    return 0


if __name__ == "__main__":
    sys.exit(main())

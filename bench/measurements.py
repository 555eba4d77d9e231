"""The one file of measured figures: `make bench` writes bench/measurements.json, and documents quote it.

Each figure has a key, a value, a unit and a line saying what was measured. `bench.run` and `bench.bulk` replace
the figures they measure (and only those) after every full run, with the run's date, commit and machine, so a
figure in the README, the runbook or a manifest comment is never typed by hand: bench/quote.py renders it.
A quick run (`--quick`) is a smoke test of the harness and writes nothing here.
"""

import json
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from bench import repo

FILE = repo.ROOT / "bench" / "measurements.json"


@dataclass(frozen=True)
class Figure:
    value: float
    unit: str
    what: str
    digits: int = 1


def service_figures(results: dict) -> dict[str, Figure]:
    """The headline figures of one `bench.run`: ours against the baseline, the ceiling, the footprint."""
    ours, base = results["ours"], results.get("baseline") or {}
    workers = results["meta"]["workers"]
    figures: dict[str, Figure] = {}
    for side, rows, name in (("ours", ours, "this service"), ("baseline", base, "the tutorial baseline")):
        for row in rows.get("predict", []):
            c = row["concurrency"]
            what = f"/predict of SST-2 dev sentences, {c} clients, {name}, {workers} workers on one 2-CPU instance"
            figures[f"{side}_predict_c{c}_rps"] = Figure(row["requests_per_s"], "req/s", what)
            figures[f"{side}_predict_c{c}_p50_ms"] = Figure(row["p50_ms"], "ms", f"p50 latency, {what}")
            figures[f"{side}_predict_c{c}_p99_ms"] = Figure(row["p99_ms"], "ms", f"p99 latency, {what}")
        for row in rows.get("batch_predict", []):
            size, c = row["batch_size"], row["concurrency"]
            figures[f"{side}_batch{size}_texts_per_s"] = Figure(
                row["texts_per_s"], "texts/s", f"/batch-predict of {size} SST-2 sentences, {c} clients, {name}")
        if long := rows.get("long_predict"):
            what = f"/predict of IMDB-length reviews read as their first window, {long['concurrency']} clients, {name}"
            figures[f"{side}_reviews_rps"] = Figure(long["requests_per_s"], "req/s", what)
            figures[f"{side}_reviews_p99_ms"] = Figure(long["p99_ms"], "ms", f"p99 latency, {what}")
            if "tokens_per_s" in long:
                figures[f"{side}_reviews_tokens_per_s"] = Figure(long["tokens_per_s"], "tokens/s", f"tokens read, {what}", 0)
        if whole := rows.get("long_document_predict"):
            what = f"/predict of IMDB-length reviews read whole (long_text document), {whole['concurrency']} clients, {name}"
            figures[f"{side}_reviews_document_rps"] = Figure(whole["requests_per_s"], "req/s", what)
            figures[f"{side}_reviews_document_p99_ms"] = Figure(whole["p99_ms"], "ms", f"p99 latency, {what}")
            figures[f"{side}_reviews_document_tokens_per_s"] = Figure(whole["tokens_per_s"], "tokens/s",
                                                                      f"tokens read, {what}", 0)
        if long_batch := rows.get("long_batch_predict"):
            figures[f"{side}_reviews_batch{long_batch['batch_size']}_texts_per_s"] = Figure(
                long_batch["texts_per_s"], "texts/s", f"/batch-predict of {long_batch['batch_size']} IMDB-length reviews, "
                f"{long_batch['concurrency']} clients, {name}")
        if "cold_start_s" in rows:
            figures[f"{side}_cold_start_s"] = Figure(rows["cold_start_s"], "s", f"process start to /ready 200, {name}", 2)
        if rss := rows.get("rss_mb_end"):
            figures[f"{side}_worker_rss_mib"] = Figure(
                max(rss.values()), "MiB", f"largest RSS of one worker after every row (long reviews included), {name}", 0)
        if peak := rows.get("peak_rss_mb_end"):
            figures[f"{side}_worker_peak_rss_mib"] = Figure(
                max(peak.values()), "MiB", f"largest peak RSS (VmHWM) of one worker over the whole run, {name}", 0)
        if rows.get("master_rss_mb") is not None:
            figures[f"{side}_master_rss_mib"] = Figure(rows["master_rss_mb"], "MiB", f"RSS of the gunicorn master, {name}", 0)
    ceiling = results["ceiling"]
    figures["ceiling_texts_per_s"] = Figure(
        ceiling["texts_per_s"], "texts/s", f"the model alone, {ceiling['processes']} processes, batches of "
        f"{ceiling['batch_size']} sorted by length, tokenizing included, no HTTP")
    if small := ceiling.get("c16_batches"):
        figures["ceiling_c16_batches_texts_per_s"] = Figure(
            small["texts_per_s"], "texts/s", f"the model alone on batches of {small['batch_size']} in arrival order "
            "(what 16 clients on 2 workers can form)")
    image = results.get("image") or {}
    if image.get("added_mb") is not None:
        figures["image_added_mb"] = Figure(image["added_mb"], "MB", f"image layers above {image['base']}")
    return figures


def bulk_figures(results: dict) -> dict[str, Figure]:
    """The headline figures of one `bench.bulk`: the score command and Spark against the ceiling, peak memory."""
    figures: dict[str, Figure] = {}
    if results.get("ceiling"):
        before, after = results["ceiling"]["texts_per_s"], (results.get("ceiling_after") or results["ceiling"])["texts_per_s"]
        figures["bulk_ceiling_texts_per_s"] = Figure((before + after) / 2, "texts/s",
                                                     "the model alone on the bulk texts, mean of before and after")
    if cli := results.get("cli"):
        figures["bulk_score_texts_per_s"] = Figure(cli["texts_per_s"], "texts/s",
                                                   f"score command, {cli['texts']:,} sentences, CSV in and out, start to exit")
    if spark := results.get("spark"):
        figures["bulk_spark_texts_per_s"] = Figure(spark["texts_per_s"], "texts/s",
                                                   f"Spark local mode, {spark['texts']:,} sentences, Parquet in")
    if rss := results.get("rss"):
        what = f"peak summed RSS of the score command's process tree on a {rss['input_mb']} MB CSV"
        figures["bulk_csv_peak_rss_mb"] = Figure(rss["peak_rss_mb"], "MB", what, 0)
        figures["bulk_csv_peak_pss_mb"] = Figure(rss["peak_pss_mb"], "MB", what.replace("RSS", "PSS"), 0)
    return figures


# What `make overload` records of each level and class, with its unit and how many digits to quote.
OVERLOAD_FIGURES = {"offered_rps": ("req/s", 0), "goodput_texts_s": ("texts/s", 0), "share_200": ("%", 1),
                    "share_429": ("%", 1), "share_503": ("%", 2), "late_200": ("requests", 0), "p50_200_ms": ("ms", 0),
                    "p99_200_ms": ("ms", 0), "p99_429_ms": ("ms", 1)}


def overload_figures(results: dict) -> dict[str, Figure]:
    """The figures of one `bench.overload`: per scenario, class and level, and the prediction's agreement."""
    figures: dict[str, Figure] = {}
    for scenario, result in results.items():
        for kind, levels in result["levels"].items():
            peak = levels[0]["goodput_texts_s"]
            for level in levels:
                prefix, m = f"overload_{scenario}_{kind}_{level['multiple']}x", level["multiple"]
                what = f"{result['title']}, {kind} requests, {m}x the measured capacity"
                for name, (unit, digits) in OVERLOAD_FIGURES.items():
                    if level.get(name) is None or level[name] != level[name]:  # none, or NaN: no 200 to measure
                        continue
                    value = 100 * level[name] if unit == "%" else level[name]
                    figures[f"{prefix}_{name}"] = Figure(value, unit, f"{name} of {what}", digits)
                if peak:
                    figures[f"{prefix}_vs_1x"] = Figure(100 * level["goodput_texts_s"] / peak, "%",
                                                        f"goodput against 1x, {what}", 0)
                for path, value in level.get("probe_p99_ms", {}).items():
                    figures[f"{prefix}_p99{path.replace('/', '_')}_ms"] = Figure(value, "ms", f"p99 of {path}, {what}", 0)
        for load, lanes in result.get("agreement", {}).items():
            for lane, values in lanes.items():
                figures[f"overload_agreement_{load}_{lane}_ratio"] = Figure(
                    values["ratio"], "x", f"predicted / actual mean seconds from admission to answer, {lane} lane, "
                    f"{load} load (two clients per worker, closed loop)", 2)
    return figures


def load(path: Path = FILE) -> dict:
    """The whole file: {"figures": {key: {...}}, "runs": {source: {...}}}."""
    return json.loads(path.read_text(encoding="utf-8"))


def record(figures: dict[str, Figure], source: str, commit: str, path: Path = FILE) -> None:
    """Replace the figures `source` measured, keeping every other figure as it was."""
    data = load(path) if path.exists() else {"figures": {}, "runs": {}}
    data["figures"] = {key: fig for key, fig in data["figures"].items() if fig.get("source") != source}
    for key, figure in figures.items():
        data["figures"][key] = {**asdict(figure), "source": source}
    data["runs"][source] = {"measured": time.strftime("%Y-%m-%d"), "commit": commit,
                            "machine": "2 CPUs (the benchmark pins nothing else; see bench/README.md)"}
    data["figures"] = dict(sorted(data["figures"].items()))
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")

"""Documents quote measured figures from bench/measurements.json instead of copying them by hand.

    .venv/bin/python -m bench.quote            # rewrite every quoted figure and table from the file
    .venv/bin/python -m bench.quote --check    # exit 1, naming each place, where a document disagrees

In Markdown, a figure is `<!-- fig:KEY -->346.0 req/s<!-- /fig -->` (`fig:KEY:num` for the number without its
unit) and a table is `<!-- table:NAME -->` ... `<!-- /table -->`. KEY is a measured figure or one derived in
bench/sizing.py. `make bench` rewrites the documents after it records a run; tests/test_measurements.py runs
the check, so a document that disagrees with the file fails the suite.
"""

import argparse
import re
import sys
from collections.abc import Callable

from bench import repo
from bench.measurements import FILE, Figure, load, record
from bench.sizing import EXAMPLE_RATES, PLAN_SHARE, SPARE, derived

DOCUMENTS = ("README.md", "docs/RUNBOOK.md", "bench/README.md")
FIGURE = re.compile(r"<!-- fig:(?P<key>[a-z0-9_]+)(?::(?P<style>num))? -->(?P<text>.*?)<!-- /fig -->", re.S)
TABLE = re.compile(r"(?P<open><!-- table:(?P<name>[a-z_]+) -->\n)(?P<body>.*?)(?P<close><!-- /table -->)", re.S)


class UnknownFigure(KeyError):
    """A document quotes a key that neither the file nor sizing.py has."""


def all_figures() -> dict[str, Figure]:
    """Measured figures from the file, and the figures derived from them."""
    measured = {key: Figure(f["value"], f["unit"], f["what"], f.get("digits", 1)) for key, f in load()["figures"].items()}
    return {**measured, **derived(measured)}


def number(figure: Figure) -> str:
    return f"{figure.value:,.{figure.digits}f}"


def with_unit(figure: Figure) -> str:
    if figure.unit in ("%", "x"):
        return number(figure) + figure.unit
    return f"{number(figure)} {figure.unit}"


def _cell(figures: dict[str, Figure], key: str, style: str = "") -> str:
    if key not in figures:
        return "-"
    return f"<!-- fig:{key}{':num' if style else ''} -->{(number if style else with_unit)(figures[key])}<!-- /fig -->"


def _predict_table(f: dict[str, Figure]) -> list[str]:
    rows = ["| /predict, SST-2 dev sentences | ours req/s | p50 / p99 ms | baseline req/s | p50 / p99 ms | ours / baseline |",
            "|---|---:|---:|---:|---:|---:|"]
    for c in (1, 4, 16, 64):
        cells = [f"concurrency {c}"]
        for side in ("ours", "baseline"):
            cells += [_cell(f, f"{side}_predict_c{c}_rps", "num"),
                      f"{_cell(f, f'{side}_predict_c{c}_p50_ms', 'num')} / {_cell(f, f'{side}_predict_c{c}_p99_ms', 'num')}"]
        rows.append("| " + " | ".join([*cells, _cell(f, f"ratio_predict_c{c}_rps")]) + " |")
    return rows


def _batch_table(f: dict[str, Figure]) -> list[str]:
    rows = ["| /batch-predict (Python load generator, see `bench/README.md`) | ours texts/s | baseline texts/s | ours / baseline |",
            "|---|---:|---:|---:|"]
    for size, clients in ((1, 16), (8, 16), (64, 16), (256, 4)):
        key = f"batch{size}_texts_per_s"
        rows.append(f"| batch {size}, {clients} clients | {_cell(f, 'ours_' + key, 'num')} | {_cell(f, 'baseline_' + key, 'num')} "
                    f"| {_cell(f, 'ratio_' + key)} |")
    rows.append(f"| IMDB-length reviews on /predict, 16 clients (req/s) | {_cell(f, 'ours_reviews_rps', 'num')} "
                f"| {_cell(f, 'baseline_reviews_rps', 'num')} | {_cell(f, 'ratio_reviews_rps')} |")
    rows.append(f"| IMDB-length reviews, batches of 64, 4 clients | {_cell(f, 'ours_reviews_batch64_texts_per_s', 'num')} "
                f"| {_cell(f, 'baseline_reviews_batch64_texts_per_s', 'num')} | {_cell(f, 'ratio_reviews_batch64_texts_per_s')} |")
    return rows


def _footprint_table(f: dict[str, Figure]) -> list[str]:
    return ["| footprint | ours | baseline |", "|---|---:|---:|",
            f"| cold start (process start -> `/ready` 200) | {_cell(f, 'ours_cold_start_s')} | {_cell(f, 'baseline_cold_start_s')} |",
            f"| RSS per worker after the run (largest) | {_cell(f, 'ours_worker_rss_mib')} | {_cell(f, 'baseline_worker_rss_mib')} |",
            f"| peak RSS per worker over the run | {_cell(f, 'ours_worker_peak_rss_mib')} | {_cell(f, 'baseline_worker_peak_rss_mib')} |",
            f"| gunicorn master RSS | {_cell(f, 'ours_master_rss_mib')} | {_cell(f, 'baseline_master_rss_mib')} |",
            f"| image layers above `python:3.11-slim` | {_cell(f, 'image_added_mb')} | - |"]


def _capacity_table(f: dict[str, Figure]) -> list[str]:
    return ["| workload (one replica: 2 CPUs, 2 workers) | measured | planned per replica | latency at 16 clients |",
            "|---|---:|---:|---:|",
            f"| short texts (SST-2 sentences), `/predict`, 16 clients | {_cell(f, 'ours_predict_c16_rps')} "
            f"| {_cell(f, 'plan_short_rps_per_replica')} "
            f"| p50 {_cell(f, 'ours_predict_c16_p50_ms')}, p99 {_cell(f, 'ours_predict_c16_p99_ms')} |",
            f"| short texts, `/predict`, 1 client | {_cell(f, 'ours_predict_c1_rps')} | - "
            f"| p50 {_cell(f, 'ours_predict_c1_p50_ms')}, p99 {_cell(f, 'ours_predict_c1_p99_ms')} (1 client) |",
            f"| short texts in client batches of 256, 4 clients | {_cell(f, 'ours_batch256_texts_per_s')} | - | - |",
            *_reviews_rows(f)]


def _reviews_rows(f: dict[str, Figure]) -> list[str]:
    """Reviews read whole (the default, and the plan) once a run has measured it; their first window until then."""
    if "ours_reviews_document_rps" not in f:
        return [f"| IMDB-length reviews, `/predict`, 16 clients | {_cell(f, 'ours_reviews_rps')} "
                f"| {_cell(f, 'plan_reviews_rps_per_replica')} | p99 {_cell(f, 'ours_reviews_p99_ms')} |"]
    return [f"| IMDB-length reviews read whole (the default), `/predict`, 16 clients | {_cell(f, 'ours_reviews_document_rps')} "
            f"| {_cell(f, 'plan_reviews_rps_per_replica')} | p99 {_cell(f, 'ours_reviews_document_p99_ms')} |",
            f"| the same reviews, first window only (`long_text: truncate`) | {_cell(f, 'ours_reviews_rps')} | - "
            f"| p99 {_cell(f, 'ours_reviews_p99_ms')} |"]


def _sizing_table(f: dict[str, Figure]) -> list[str]:
    rows = [f"| load | replicas (ceil(rate / ({PLAN_SHARE} x measured)) + {SPARE}) |", "|---|---:|"]
    for kind, name in (("short", "short texts"), ("reviews", "IMDB-length reviews")):
        rows += [f"| {rate:,} req/s of {name} | {_cell(f, f'replicas_for_{rate}_{kind}_rps', 'num')} |" for rate in EXAMPLE_RATES]
    rows.append(f"| memory per replica: 2 workers at peak + master, then +50% | {_cell(f, 'replica_memory_need_mib')} "
                f"-> {_cell(f, 'replica_memory_plan_mib')} |")
    return rows


def _bulk_table(f: dict[str, Figure]) -> list[str]:
    ceiling = f.get("bulk_ceiling_texts_per_s")

    def share(key: str) -> str:
        return f"{100 * f[key].value / ceiling.value:.0f}%" if key in f and ceiling else "-"

    return ["| path | texts/s | share of the onnxruntime ceiling (same run, same texts) |", "|---|---:|---:|",
            f"| ceiling: 2 processes x 1 onnxruntime thread, service batching, no I/O (mean of before and after) "
            f"| {_cell(f, 'bulk_ceiling_texts_per_s', 'num')} | 100% |",
            f"| score command, 2 workers, CSV in and out, timed from start to exit | {_cell(f, 'bulk_score_texts_per_s', 'num')} "
            f"| {share('bulk_score_texts_per_s')} |",
            f"| Spark `local[2]`, `mapInPandas`, Parquet in, no output (`noop`) | {_cell(f, 'bulk_spark_texts_per_s', 'num')} "
            f"| {share('bulk_spark_texts_per_s')} |"]


def _overload_table(scenario: str, kind: str) -> Callable[[dict[str, Figure]], list[str]]:
    def table(f: dict[str, Figure]) -> list[str]:
        rows = ["| offered | goodput texts/s | vs 1x | 200 | 429 | 503 | 200s past the deadline | p50 / p99 of 200s (ms) "
                "| p99 to 429 (ms) | p99 /health, /ready (ms) |", "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
        for m in (1, 2, 4, 10):
            key = f"overload_{scenario}_{kind}_{m}x"
            rows.append(f"| {m}x ({_cell(f, key + '_offered_rps')}) | {_cell(f, key + '_goodput_texts_s', 'num')} "
                        f"| {_cell(f, key + '_vs_1x')} | {_cell(f, key + '_share_200')} | {_cell(f, key + '_share_429')} "
                        f"| {_cell(f, key + '_share_503')} | {_cell(f, key + '_late_200', 'num')} "
                        f"| {_cell(f, key + '_p50_200_ms', 'num')} / {_cell(f, key + '_p99_200_ms', 'num')} "
                        f"| {_cell(f, key + '_p99_429_ms', 'num')} "
                        f"| {_cell(f, key + '_p99_health_ms', 'num')}, {_cell(f, key + '_p99_ready_ms', 'num')} |")
        return rows

    return table


def _agreement_table(f: dict[str, Figure]) -> list[str]:
    rows = ["| load (two clients per worker, closed loop) | light lane | heavy lane |", "|---|---:|---:|"]
    for kind, name in (("short", "single sentences"), ("long", "64-review batches"), ("mixed", "both, as heavy_light")):
        rows.append(f"| {name} | {_cell(f, f'overload_agreement_{kind}_light_ratio')} "
                    f"| {_cell(f, f'overload_agreement_{kind}_heavy_ratio')} |")
    return rows


TABLES: dict[str, Callable[[dict[str, Figure]], list[str]]] = {
    "predict": _predict_table, "batch": _batch_table, "footprint": _footprint_table, "capacity": _capacity_table,
    "sizing": _sizing_table, "bulk": _bulk_table, "overload_mixed": _overload_table("mixed", "mixed"),
    "overload_light": _overload_table("heavy_light", "light"), "overload_heavy": _overload_table("heavy_light", "heavy"),
    "overload_agreement": _agreement_table,
}


def render(text: str, figures: dict[str, Figure]) -> str:
    """text with every quoted table and figure rewritten from `figures`; raises UnknownFigure."""
    def table(match: re.Match) -> str:
        if match["name"] not in TABLES:
            raise UnknownFigure(f"table:{match['name']}")
        return match["open"] + "\n".join(TABLES[match["name"]](figures)) + "\n" + match["close"]

    def figure(match: re.Match) -> str:
        if match["key"] not in figures:
            raise UnknownFigure(match["key"])
        quoted = number(figures[match["key"]]) if match["style"] else with_unit(figures[match["key"]])
        return match[0].replace(f"-->{match['text']}<!--", f"-->{quoted}<!--", 1)

    return FIGURE.sub(figure, TABLE.sub(table, text))


def disagreements(figures: dict[str, Figure] | None = None) -> list[str]:
    """One line per document whose quoted figures differ from the file (empty when all agree)."""
    figures = figures if figures is not None else all_figures()
    problems = []
    for name in DOCUMENTS:
        text = (repo.ROOT / name).read_text(encoding="utf-8")
        try:
            rendered = render(text, figures)
        except UnknownFigure as exc:
            problems.append(f"{name}: quotes {exc.args[0]}, which bench/measurements.json does not have")
            continue
        if rendered != text:
            old, new = text.splitlines(), rendered.splitlines()
            lines = [i + 1 for i, (a, b) in enumerate(zip(old, new)) if a != b] or [len(old)]
            problems.append(f"{name}: lines {lines[:10]} differ from bench/measurements.json (run `python -m bench.quote`)")
    return problems


def print_and_publish(figures: dict[str, Figure], source: str, commit: str, *, full_run: bool) -> None:
    """Print a run's figures; publish them only where the run was a full run of the defaults."""
    print()
    width = max(len(figure.what) for figure in figures.values())
    for figure in figures.values():
        print(f"{figure.what:<{width}} {number(figure):>10} {figure.unit}")
    if not full_run:
        print(f"not recorded in {FILE.name}: only a full run of the defaults is")
        return
    publish(figures, source, commit)


def publish(figures: dict[str, Figure], source: str, commit: str) -> None:
    """Record a full run's figures in bench/measurements.json and rewrite the documents that quote them."""
    record(figures, source, commit)
    main([])
    print(f"recorded in {FILE.relative_to(repo.ROOT)}; the documents quote it")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="change nothing; exit 1 where a document disagrees")
    args = parser.parse_args(argv)
    if args.check:
        problems = disagreements()
        print("\n".join(problems) or "every quoted figure agrees with bench/measurements.json")
        return 1 if problems else 0
    figures = all_figures()
    for name in DOCUMENTS:
        path = repo.ROOT / name
        text = path.read_text(encoding="utf-8")
        rendered = render(text, figures)
        if rendered != text:
            path.write_text(rendered, encoding="utf-8")
            print(f"updated {name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

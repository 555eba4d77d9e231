"""The benchmark table, printed from the same dict that is written to bench/results/latest.json."""

import json
import math


def _num(value: float | None, digits: int = 1) -> str:
    return "-" if value is None or (isinstance(value, float) and math.isnan(value)) else f"{value:,.{digits}f}"


def _ratio(ours: float | None, baseline: float | None) -> str:
    return f"{ours / baseline:.1f}x" if ours and baseline else "-"


def _percent(part: float, whole: float | None) -> str:
    return f"{100 * part / whole:.0f}%" if whole else "-"


def _table(header: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]

    def line(cells: list[str]) -> str:  # first column left-aligned (labels), the rest right-aligned (numbers)
        return "  ".join(c.rjust(w) if i else c.ljust(w) for i, (c, w) in enumerate(zip(cells, widths)))

    return "\n".join([line(header), line(["-" * w for w in widths]), *(line(r) for r in rows)])


def _predict_rows(ours: dict, base: dict | None) -> str:
    header = ["/predict", "ours req/s", "p50 ms", "p95 ms", "p99 ms", "err",
              "base req/s", "p50 ms", "p95 ms", "p99 ms", "err", "ours/base"]
    rows = []
    for i, row in enumerate(ours["predict"]):
        other = base["predict"][i] if base else {}
        cells = [f"c={row['concurrency']}"]
        for side in (row, other):
            cells += [_num(side.get("requests_per_s")), _num(side.get("p50_ms")), _num(side.get("p95_ms")),
                      _num(side.get("p99_ms")), str(side.get("errors", "-"))]
        rows.append(cells + [_ratio(row["requests_per_s"], other.get("requests_per_s"))])
    return _table(header, rows)


def _batch_rows(ours: dict, base: dict | None) -> str:
    header = ["/batch-predict", "ours texts/s", "p99 ms", "err", "base texts/s", "p99 ms", "err", "ours/base"]
    rows = []
    for i, row in enumerate(ours["batch_predict"]):
        other = base["batch_predict"][i] if base else {}
        cells = [f"batch={row['batch_size']} c={row['concurrency']}"]
        for side in (row, other):
            cells += [_num(side.get("texts_per_s")), _num(side.get("p99_ms")), str(side.get("errors", "-"))]
        rows.append(cells + [_ratio(row["texts_per_s"], other.get("texts_per_s"))])
    return _table(header, rows)


def _long_rows(ours: dict, base: dict | None) -> str:
    row, other = ours["long_predict"], (base or {}).get("long_predict", {})
    whole = ours.get("long_document_predict") or {}
    header = [f"/predict long texts c={row['concurrency']}", "req/s", "tokens/s", "p50 ms", "p99 ms", "err"]
    sides = [("ours, first window", row)] + ([("ours, read whole", whole)] if whole else []) + [("baseline", other)]
    rows = [[name, _num(side.get("requests_per_s")), _num(side.get("tokens_per_s"), 0), _num(side.get("p50_ms")),
             _num(side.get("p99_ms")), str(side.get("errors", "-"))] for name, side in sides]
    rows.append(["ours/base (first window)", _ratio(row["requests_per_s"], other.get("requests_per_s")), "", "", "", ""])
    if whole:
        rows.append(["read whole / first window", _ratio(whole["requests_per_s"], row["requests_per_s"]),
                     _ratio(whole["tokens_per_s"], row["tokens_per_s"]), "", "", ""])
    return _table(header, rows)


def _ceiling_rows(ours: dict, ceiling: dict) -> str:
    best = ceiling["texts_per_s"]
    predict_rows = [r for r in ours["predict"] if r["concurrency"] in (16, 64)]
    batch_64 = next((r for r in ours["batch_predict"] if r["batch_size"] == 64), None)
    # The ceiling has the CPUs to itself; during our rows the load generator takes some of them.
    header = ["ceiling (no HTTP)", "texts/s", "% of ceiling", "load generator CPUs"]
    rows = [[f"onnxruntime, {ceiling['processes']} processes, batch {ceiling['batch_size']}", _num(best), "100%", "-"],
            ["  (inference only, tokenizing excluded)", _num(ceiling["inference_only_texts_per_s"]), "", ""]]
    if ceiling.get("c16_batches"):
        small = ceiling["c16_batches"]
        rows.append([f"  batches of {small['batch_size']} in arrival order (what 16 clients allow)", _num(small["texts_per_s"]),
                     _percent(small["texts_per_s"], best), ""])
    for row in predict_rows:
        rows.append([f"ours /predict c={row['concurrency']}", _num(row["texts_per_s"]), _percent(row["texts_per_s"], best),
                     _num(row.get("client_cpus"), 2)])
    if batch_64:
        rows.append([f"ours /batch-predict batch=64 c={batch_64['concurrency']}", _num(batch_64["texts_per_s"]),
                     _percent(batch_64["texts_per_s"], best), _num(batch_64.get("client_cpus"), 2)])
    return _table(header, rows)


def _footprint_rows(ours: dict, base: dict | None, image: dict) -> str:
    base = base or {}

    def rss(side: dict) -> str:
        values = list(side.get("rss_mb_end", {}).values())
        return " / ".join(_num(v, 0) for v in values) or "-"

    rows = [["cold start: first /ready 200, s", _num(ours["cold_start_s"], 2), _num(base.get("cold_start_s"), 2)],
            ["cold start: all workers ready, s", _num(ours["all_workers_ready_s"], 2), _num(base.get("all_workers_ready_s"), 2)],
            ["RSS per worker after all rows, MiB", rss(ours), rss(base)]]
    if image.get("added_mb") is not None:
        rows.append([f"image size above {image['base']}, MB", _num(image["added_mb"]), "-"])
    else:
        rows.append(["image size", image["status"], "-"])
    return _table(["startup and footprint", "ours", "baseline"], rows)


def render(results: dict) -> str:
    ours, base = results["ours"], results.get("baseline")
    meta = results["meta"]
    notes = [f"{meta['cpus']} CPUs, load average {meta['loadavg_at_start']} at start; {meta['workers']} workers each;",
             f"{meta['duration_per_row_s']}s per row (at most {meta['requests_per_row']} requests); texts: {meta['short_texts']};",
             f"long texts: {meta['long_texts']}; baseline: {meta['baseline']};",
             f"load generator: {meta.get('client', 'python')} for /predict (warm-up and batch rows: python), on the same CPUs;",
             "ratios compare runs made the same way."]
    sections = [_predict_rows(ours, base), _batch_rows(ours, base), _long_rows(ours, base)]
    if results.get("ceiling"):
        sections.append(_ceiling_rows(ours, results["ceiling"]))
    sections.append(_footprint_rows(ours, base, results["image"]))
    return "\n".join(notes) + "\n\n" + "\n\n".join(sections)


def to_json(results: dict) -> str:
    """JSON with NaN (a row with no successful request has no percentiles) written as null, as JSON requires."""

    def finite(value):
        if isinstance(value, float) and math.isnan(value):
            return None
        if isinstance(value, dict):
            return {k: finite(v) for k, v in value.items()}
        if isinstance(value, list):
            return [finite(v) for v in value]
        return value

    return json.dumps(finite(results), indent=2) + "\n"

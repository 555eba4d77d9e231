"""The benchmark as a picture: /predict requests/s against concurrency, with the ceiling and p99 beside it."""

from pathlib import Path

from matplotlib.figure import Figure

CHART = Path(__file__).resolve().parents[1] / "docs" / "benchmark.png"


def draw_benchmark(results: dict, path: Path = CHART) -> Path:
    """Ours and the baseline (requests/s, left; p99, right) against concurrency, with the raw ceiling line."""
    figure = Figure(figsize=(10, 4), dpi=110)
    throughput_axis, latency_axis = figure.subplots(1, 2)
    sides = [("this service", results["ours"], "tab:blue"), ("tutorial baseline", results.get("baseline"), "tab:gray")]
    for name, side, colour in sides:
        if not side:
            continue
        rows = side["predict"]
        concurrency = [row["concurrency"] for row in rows]
        throughput_axis.plot(concurrency, [row["requests_per_s"] for row in rows], "o-", color=colour, label=name)
        latency_axis.plot(concurrency, [row["p99_ms"] for row in rows], "o-", color=colour, label=name)
    ceiling = results["ceiling"]["texts_per_s"]
    throughput_axis.axhline(ceiling, color="tab:green", linestyle="--", label=f"model alone (ceiling) {ceiling:,.0f}/s")
    throughput_axis.axhline(0.85 * ceiling, color="tab:green", linestyle=":", alpha=0.6, label="85% of the ceiling")
    small = results["ceiling"].get("c16_batches")
    if small:
        throughput_axis.axhline(small["texts_per_s"], color="tab:olive", linestyle="-.",
                                label=f"model alone, batches of {small['batch_size']} as they come {small['texts_per_s']:,.0f}/s")
    for axis, label in ((throughput_axis, "requests/s (SST-2 sentences)"), (latency_axis, "p99 latency (ms)")):
        axis.set_xscale("log", base=2)
        axis.set_xticks([1, 4, 16, 64], ["1", "4", "16", "64"])
        axis.set_xlabel("concurrent clients")
        axis.set_ylabel(label)
        axis.set_ylim(bottom=0)
        axis.grid(alpha=0.3)
        axis.legend(fontsize=8)
    throughput_axis.set_title("/predict throughput")
    latency_axis.set_title("/predict p99 latency")
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path)
    return path

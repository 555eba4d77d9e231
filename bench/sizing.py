"""Figures derived from measured ones: ratios against the baseline and the ceiling, and capacity planning.

The sizing rule, in one place (the runbook and the Kubernetes comments quote it from here):
- plan a replica (2 CPUs, 2 workers) at PLAN_SHARE of the rate it sustained at 16 clients, which is also the
  CPU the autoscaler aims at, so a burst finds headroom before the autoscaler reacts;
- run SPARE replica more than the load needs, so a rolling update or a lost node leaves the rest within plan;
- give it the memory of its workers at their measured peak plus the master's, and MEMORY_MARGIN on top
  for a replacement worker that loads while the old one still exits, and for page cache.
"""

import math

from bench.measurements import Figure

PLAN_SHARE = 0.7
SPARE = 1
MEMORY_MARGIN = 0.5
WORKERS_PER_REPLICA = 2
# The rates the runbook's examples plan for: short texts and whole reviews, requests per second.
EXAMPLE_RATES = (200, 1000)


def replicas_for(rate: float, capacity: float) -> int:
    """Replicas for `rate` req/s when one replica sustains `capacity` req/s."""
    return math.ceil(rate / (PLAN_SHARE * capacity)) + SPARE


def derived(figures: dict[str, Figure]) -> dict[str, Figure]:
    """Every figure computed from measured ones; keys absent from `figures` are simply skipped."""
    out: dict[str, Figure] = {}

    def value(key: str) -> float | None:
        return figures[key].value if key in figures else None

    for key in [k for k in figures if k.startswith("ours_") and (k.endswith("_rps") or k.endswith("_texts_per_s"))]:
        base = value("baseline_" + key.removeprefix("ours_"))
        if base:
            out["ratio_" + key.removeprefix("ours_")] = Figure(value(key) / base, "x", f"ours / baseline, {figures[key].what}")
    ceiling, small = value("ceiling_texts_per_s"), value("ceiling_c16_batches_texts_per_s")
    for key in ("ours_predict_c16_rps", "ours_predict_c64_rps", "ours_batch64_texts_per_s"):
        if key in figures and ceiling:
            out[f"{key}_of_ceiling"] = Figure(100 * value(key) / ceiling, "%", "share of the model-alone ceiling", 0)
    if "ours_predict_c16_rps" in figures and small:
        out["ours_predict_c16_rps_of_c16_ceiling"] = Figure(100 * value("ours_predict_c16_rps") / small, "%",
                                                            "share of the ceiling at the batches 16 clients form", 0)
    # Reviews are planned at what the service does by default, reading them whole, once a run has measured it; the
    # first-window row (kept to compare with the baseline, which truncates) is the plan only until then.
    reviews = "ours_reviews_document_rps" if "ours_reviews_document_rps" in figures else "ours_reviews_rps"
    for kind, key in (("short", "ours_predict_c16_rps"), ("reviews", reviews)):
        if key in figures:
            capacity = value(key)
            out[f"plan_{kind}_rps_per_replica"] = Figure(PLAN_SHARE * capacity, "req/s", f"planned rate per replica, {kind}", 0)
            for rate in EXAMPLE_RATES:
                out[f"replicas_for_{rate}_{kind}_rps"] = Figure(replicas_for(rate, capacity), "replicas",
                                                               f"replicas for {rate} req/s of {kind} texts", 0)
    peak, master = value("ours_worker_peak_rss_mib"), value("ours_master_rss_mib")
    if peak is not None and master is not None:
        need = WORKERS_PER_REPLICA * peak + master
        out["replica_memory_need_mib"] = Figure(need, "MiB", "workers at their peak RSS plus the master", 0)
        out["replica_memory_plan_mib"] = Figure(need * (1 + MEMORY_MARGIN), "MiB", "need plus the margin", 0)
    return out

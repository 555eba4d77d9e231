"""The rows of the benchmark table, measured against one running server (ours or the baseline)."""

from dataclasses import dataclass

from bench.load import Request, batch_requests, mixed_requests, predict_requests, run_load
from bench.service import RunningServer
from bench.wrk import run_wrk, wrk_available


@dataclass(frozen=True)
class Plan:
    duration_s: float
    max_requests: int
    warmup_s: float
    predict_concurrency: tuple[int, ...] = (1, 4, 16, 64)
    # (texts per request, clients). 4 clients of 256 texts already hold 1024 texts, MAX_QUEUED_TEXTS of a worker:
    # more would measure admission control's refusals rather than throughput.
    batch_rows: tuple[tuple[int, int], ...] = ((1, 16), (8, 16), (64, 16), (256, 4))
    # Keep-alive connections stay with the worker that accepted them, and which worker accepts is random:
    # with 4 connections on 2 workers the split was 4/0, 3/1 or 2/2 from run to run, so batch-64 measured
    # 460 texts/s in one run and 890 in another. 16 connections, as a load balancer in front would open,
    # keep both workers busy in every run.
    warmup_concurrency: int = 16
    # (reviews per request, clients): 4 x 64 IMDB reviews, the batches that set a worker's peak memory.
    long_batch: tuple[int, int] = (64, 4)
    long_concurrency: int = 16
    # "wrk" (bench/wrk.py) for the /predict rows, or "python" (load.py) for all of them. The batch rows stay
    # on load.py: wrk opens all its connections in the same instant, and the worker that wakes first accepts
    # most of them (12/4 instead of 8/8), so with 64-text requests one worker ran past its admission limits
    # and the row measured a stream of refusals resent at once (batch 64: 293 texts/s, 10 refused; batch
    # 256: 2,179 refused) instead of throughput.
    client: str = "python"


def row_plan(duration_s: float) -> Plan:
    """The plan of a bench that measures a few rows of its own: at most 100,000 requests and up to 5 s of warm-up a
    row, wrk for /predict where it is installed."""
    return Plan(duration_s=duration_s, max_requests=100_000, warmup_s=min(5.0, duration_s),
                client="wrk" if wrk_available() else "python")


def measure_server(server: RunningServer, plan: Plan, short: list[str], long: list[str],
                   long_tokens: dict[str, float] | None = None) -> dict:
    """Warm up, then every row one after another; RSS per worker after the warm-up and after the last row.

    The long rows read reviews as their first window (long_text truncate), as the baseline does, so the two compare
    like for like. With long_tokens (the mean tokens the model reads of a long text, by long_text: ours only), one
    more row reads them whole (document, the service's default), and both long /predict rows get tokens/s.
    """
    print(f"[{server.name}] ready: first worker {server.cold_start_s:.2f}s, all workers {server.all_ready_s:.2f}s")
    measure_row(server, "warm-up", mixed_requests(short) + predict_requests(long[:8]), plan, plan.warmup_concurrency,
         duration_s=plan.warmup_s)
    rss_after_warmup = server.worker_rss_mb()
    predict = [measure_row(server, f"/predict c={c}", predict_requests(short), plan, c) for c in plan.predict_concurrency]
    batch = [{"batch_size": size, **measure_row(server, f"/batch-predict batch={size}", batch_requests(short, size), plan,
                                         clients, client="python")}
             for size, clients in plan.batch_rows]
    long_row = measure_row(server, f"/predict long c={plan.long_concurrency}", predict_requests(long, long_text="truncate"),
                           plan, plan.long_concurrency)
    document_row = None
    if long_tokens is not None:
        document_row = measure_row(server, f"/predict long whole c={plan.long_concurrency}",
                                   predict_requests(long, long_text="document"), plan, plan.long_concurrency)
        for row, reading in ((long_row, "truncate"), (document_row, "document")):
            row["tokens_per_text"] = long_tokens[reading]
            row["tokens_per_s"] = row["texts_per_s"] * long_tokens[reading]
        print(f"[{server.name}] long reviews: first window {long_row['tokens_per_s']:.0f} tokens/s, "
              f"whole {document_row['tokens_per_s']:.0f} tokens/s")
    # The heaviest requests the defaults admit, for the peak memory of a worker (what a memory limit must hold).
    size, clients = plan.long_batch
    long_batch = {"batch_size": size, **measure_row(server, f"/batch-predict long batch={size}",
                                                    batch_requests(long, size, long_text="truncate"), plan, clients,
                                                    client="python")}
    return {
        "cold_start_s": server.cold_start_s,
        "all_workers_ready_s": server.all_ready_s,
        "rss_mb_after_warmup": _by_worker(rss_after_warmup),
        "rss_mb_end": _by_worker(server.worker_rss_mb()),
        "peak_rss_mb_end": _by_worker(server.worker_peak_rss_mb()),
        "master_rss_mb": server.master_rss_mb(),
        "predict": predict,
        "batch_predict": batch,
        "long_predict": long_row,
        "long_document_predict": document_row,
        "long_batch_predict": long_batch,
    }


def measure_row(server: RunningServer, label: str, requests: list[Request], plan: Plan, concurrency: int,
                duration_s: float | None = None, client: str | None = None) -> dict:
    """One row: `requests` cycled by `concurrency` clients for the plan's duration, printed and summarised."""
    duration_s = duration_s or plan.duration_s
    uniform = len({(r.path, r.texts) for r in requests}) == 1
    if (client or plan.client) == "wrk" and uniform:
        result = run_wrk(server.url, requests, concurrency=concurrency, duration_s=duration_s)
    else:
        result = run_load(server.url, requests, concurrency=concurrency, duration_s=duration_s,
                          max_requests=plan.max_requests)
    row = result.summary()
    print(f"[{server.name}] {label:<26} {row['requests_per_s']:8.1f} req/s {row['texts_per_s']:9.1f} texts/s "
          f"p99 {row['p99_ms']:8.1f} ms  errors {row['errors']}")
    return row


def _by_worker(rss: dict[int, float]) -> dict[str, float]:
    return {str(pid): round(mb, 1) for pid, mb in sorted(rss.items())}

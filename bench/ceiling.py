"""The ceiling: what the model alone can do on these CPUs, with no HTTP, JSON, queueing or batching logic.

N processes (one per worker our service would run), each with its own onnxruntime session at 1 intra-op
thread, score their share of the texts through the scoring core the service itself sits on
(sentiment_service.predictor.scoring_core), in batches of at most --ceiling-batch texts split exactly as the
service splits them, all starting together. Tokenizing is inside the timed loop (the service cannot skip it),
so "% of ceiling" is the cost of serving; the inference-only rate is reported beside it.
"""

import multiprocessing
import time
from pathlib import Path
from threading import BrokenBarrierError

from sentiment_service.predictor.call_budget import CallBudget
from sentiment_service.predictor.scoring_core import ScoringCore

LOAD_TIMEOUT_S = 120.0


def _chunks(core: ScoringCore, texts: list[str], batch_size: int, arrival_order: bool) -> list[list[str]]:
    """The core's own split (similar lengths, least padding + per-call cost), under the service's default token
    budget; or, in arrival order, consecutive texts as they come: what a server holding batch_size requests can batch."""
    if arrival_order:
        return [texts[i : i + batch_size] for i in range(0, len(texts), batch_size)]
    return [[texts[i] for i in chunk] for chunk in core.calls_of([e.ids for e in core.encode(texts)])]


def _score_share(model_dir: Path, texts: list[str], batch_size: int, arrival_order: bool, duration_s: float,
                 max_batches: int, barrier, results) -> None:
    """Runs in a child process: load the model, wait for the others, score batches until the clock or count ends."""
    try:
        core = ScoringCore.open(model_dir, budget=CallBudget(max_texts=batch_size), intra_op_threads=1)
        chunks = _chunks(core, texts, batch_size, arrival_order)
        core.probabilities_in_one_call([e.ids for e in core.encode(max(chunks, key=len))])  # warm-up on the biggest batch
        barrier.wait(LOAD_TIMEOUT_S)
        scored, infer_s, started = 0, 0.0, time.perf_counter()
        deadline = started + duration_s
        for number in range(max_batches):
            if time.perf_counter() >= deadline:
                break
            ids = [e.ids for e in core.encode(chunks[number % len(chunks)])]
            began = time.perf_counter()
            core.probabilities_in_one_call(ids)
            infer_s += time.perf_counter() - began
            scored += len(ids)
        results.put({"texts": scored, "elapsed_s": time.perf_counter() - started, "inference_s": infer_s})
    except BrokenBarrierError:
        results.put({"error": "another ceiling process failed to load the model"})
    except Exception as exc:  # report it to the parent instead of dying silently
        barrier.abort()
        results.put({"error": repr(exc)})


def measure_ceiling(model_dir: Path, texts: list[str], *, processes: int, batch_size: int, duration_s: float,
                    max_batches: int = 1_000_000, arrival_order: bool = False) -> dict:
    """Total texts/s of `processes` processes scoring `texts` split evenly between them."""
    # spawn, not fork: a child must not inherit any onnxruntime state from this process.
    context = multiprocessing.get_context("spawn")
    barrier, results = context.Barrier(processes), context.Queue()
    children = [context.Process(target=_score_share, daemon=True,
                                args=(model_dir, texts[i::processes], batch_size, arrival_order, duration_s, max_batches,
                                      barrier, results))
                for i in range(processes)]
    try:
        for child in children:
            child.start()
        shares = [results.get(timeout=LOAD_TIMEOUT_S + duration_s + 60) for _ in children]
    finally:
        for child in children:
            child.join(10)
            if child.is_alive():
                child.kill()
    errors = [s["error"] for s in shares if "error" in s]
    if errors:
        raise RuntimeError(f"ceiling measurement failed: {errors}")
    total = sum(s["texts"] for s in shares)
    slowest = max(s["elapsed_s"] for s in shares)
    return {
        "processes": processes,
        "batch_size": batch_size,
        "arrival_order": arrival_order,
        "intra_op_threads": 1,
        "texts": total,
        "elapsed_s": round(slowest, 3),
        "texts_per_s": total / slowest,
        "inference_only_texts_per_s": sum(s["texts"] / s["inference_s"] for s in shares if s["inference_s"]),
    }

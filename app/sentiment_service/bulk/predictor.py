"""The predictor both bulk paths score with: the service's own, set up to hold less memory in each process.

A bulk run keeps one predictor per CPU busy for hours on texts of every length, where the service answers
requests as they come; the differences below are only in how much memory a worker holds, not in the model.
"""

from dataclasses import replace
from pathlib import Path

from sentiment_service.predictor.limits import BatchLimits
from sentiment_service.predictor.onnx_predictor import OnnxPredictor

# No queue limit and no deadline (whole files, one caller), and a quarter of the service's token budget per
# inference call: activations grow with the padded tokens of a call, and a bulk worker meets long texts all
# day. On 256-token reviews a worker peaked at about 170 MB RSS with 512 tokens, 190 MB with 1024 and 235 MB
# with 2048. Two 256-token texts still share a call, so the per-call overhead stays small (see batching.py).
BULK_LIMITS = replace(BatchLimits.offline(), max_tokens=512)


def bulk_predictor(model_dir: Path, intra_op_threads: int = 1) -> OnnxPredictor:
    """A predictor for bulk scoring, not yet loaded; load() raises ModelLoadError."""
    # No memory patterns: see engine.session_options; batch shapes vary with every call in a long run.
    return OnnxPredictor(model_dir, BULK_LIMITS, intra_op_threads=intra_op_threads, mem_pattern=False)

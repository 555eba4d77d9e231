"""The loaded artifacts: a Hugging Face tokenizer and an ONNX Runtime session, scored per batch."""

import os
from dataclasses import dataclass
from pathlib import Path

os.environ.setdefault("ORT_DISABLE_TELEMETRY", "1")  # must precede the onnxruntime import (see below)

import numpy as np  # noqa: E402
import onnxruntime as ort  # noqa: E402
from tokenizers import Tokenizer  # noqa: E402

from app.predictor.contract import InvalidText, ModelInfo, ModelLoadError  # noqa: E402
from app.predictor.manifest import Manifest  # noqa: E402

# A self-hosted service sends nothing anywhere. onnxruntime 1.32 creates a telemetry uploader (and a
# device-id file under $HOME) when its environment is created, unless ORT_DISABLE_TELEMETRY is set
# before that: hence the variable is set above, before the import. The call below covers the rest, and
# the logger level keeps onnxruntime's coloured warnings out of the JSON log stream.
ort.disable_telemetry_events()
ort.set_default_logger_severity(3)


@dataclass(frozen=True)
class Encoded:
    ids: list[int]
    truncated: bool


def session_options(intra_op_threads: int) -> ort.SessionOptions:
    options = ort.SessionOptions()
    # Threads are sized by the caller so that workers x threads = available CPUs (no oversubscription).
    options.intra_op_num_threads = intra_op_threads
    options.inter_op_num_threads = 1
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    # onnxruntime logs coloured text to stderr; only errors, so the JSON log stream stays parseable.
    options.log_severity_level = 3
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    # Idle intra-op threads would otherwise spin between requests and steal CPU from the other workers.
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    return options


def load_tokenizer(path: Path, max_length: int) -> Tokenizer:
    """Per-batch padding is done here, so any fixed padding in tokenizer.json is switched off."""
    tokenizer = Tokenizer.from_file(str(path))
    tokenizer.no_padding()
    tokenizer.enable_truncation(max_length=max_length)
    return tokenizer


class SentimentModel:
    """Tokenize and run one batch; thread-compatible but meant to be driven by one batcher thread."""

    def __init__(self, manifest: Manifest, intra_op_threads: int):
        self.info: ModelInfo = manifest.info
        try:
            self.tokenizer = load_tokenizer(manifest.tokenizer_file, manifest.info.max_length)
            self.session = ort.InferenceSession(
                str(manifest.model_file), session_options(intra_op_threads), providers=["CPUExecutionProvider"]
            )
        except Exception as exc:  # onnxruntime and tokenizers raise their own exception types
            raise ModelLoadError(f"cannot load model from {manifest.model_file.parent}: {exc}") from exc
        names = {i.name for i in self.session.get_inputs()}
        missing = {"input_ids", "attention_mask"} - names
        if missing:
            raise ModelLoadError(f"{manifest.model_file} lacks inputs {sorted(missing)}: not a BERT-style export")
        self.uses_token_type_ids = "token_type_ids" in names
        self.pad_id = self.tokenizer.token_to_id("[PAD]") or 0

    def encode(self, texts: list[str]) -> list[Encoded]:
        """Tokenize texts; raises InvalidText with the index of a text the tokenizer cannot take."""
        try:
            encodings = self.tokenizer.encode_batch(texts)
        except Exception:
            for index, text in enumerate(texts):
                try:
                    self.tokenizer.encode(text)
                except Exception:
                    raise InvalidText("text cannot be tokenized (invalid Unicode?)", index) from None
            raise
        return [Encoded(e.ids, bool(e.overflowing)) for e in encodings]

    def probabilities(self, batch: list[list[int]]) -> np.ndarray:
        """Pad to the longest sequence in this batch, run the session, softmax the logits."""
        longest = max(len(ids) for ids in batch)
        input_ids = np.full((len(batch), longest), self.pad_id, dtype=np.int64)
        attention_mask = np.zeros((len(batch), longest), dtype=np.int64)
        for row, ids in enumerate(batch):
            input_ids[row, : len(ids)] = ids
            attention_mask[row, : len(ids)] = 1
        feed = {"input_ids": input_ids, "attention_mask": attention_mask}
        if self.uses_token_type_ids:
            feed["token_type_ids"] = np.zeros_like(input_ids)
        logits = self.session.run(["logits"], feed)[0].astype(np.float64)
        logits -= logits.max(axis=1, keepdims=True)
        exp = np.exp(logits)
        return exp / exp.sum(axis=1, keepdims=True)


# What one inference call costs beyond its padded tokens, in token-equivalents. Measured with the shipped
# int8 model on one AVX2 core: ~0.6 ms per call against ~0.07 ms per padded token. It decides when merging
# texts of different lengths saves more in per-call overhead than it wastes in padding.
CALL_OVERHEAD_TOKENS = 9


def chunk_by_budget(lengths: list[int], max_texts: int, max_tokens: int) -> list[list[int]]:
    """Split texts into inference calls of similar length: least padded tokens plus per-call overhead.

    Texts are sorted by length and cut into contiguous chunks (dynamic programming over the cut points);
    each chunk holds at most max_texts texts and count x longest <= max_tokens (a text longer than the
    budget gets a chunk of its own). Returns lists of indices into `lengths`.
    """
    order = sorted(range(len(lengths)), key=lambda i: lengths[i])
    size = len(order)
    best = [0.0] + [float("inf")] * size  # best[i]: cheapest split of the i shortest texts
    cut = [0] * (size + 1)
    for end in range(1, size + 1):
        longest = lengths[order[end - 1]]  # sorted: the last text of a chunk is its longest
        for start in range(end - 1, max(-1, end - 1 - max_texts), -1):
            count = end - start
            if count > 1 and count * longest > max_tokens:
                break  # adding shorter texts in front only makes the chunk bigger
            cost = best[start] + CALL_OVERHEAD_TOKENS + count * longest
            if cost < best[end]:
                best[end], cut[end] = cost, start
    chunks = []
    end = size
    while end > 0:
        chunks.append(order[cut[end]:end])
        end = cut[end]
    return chunks[::-1]

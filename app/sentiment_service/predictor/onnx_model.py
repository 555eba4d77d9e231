"""One model directory's loaded artifacts: its tokenizer and its ONNX Runtime session, run one call at a time."""

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import onnxruntime as ort
from tokenizers import Tokenizer

from sentiment_service.predictor.contract import InvalidText, ModelInfo, ModelLoadError, Prediction
from sentiment_service.predictor.documents import Framing, Tokens
from sentiment_service.predictor.manifest import Manifest


@dataclass(frozen=True)
class Encoded:
    ids: list[int]
    truncated: bool


def session_options(intra_op_threads: int, mem_pattern: bool = True) -> ort.SessionOptions:
    # A self-hosted service sends nothing anywhere: bootstrap() sets ORT_DISABLE_TELEMETRY before
    # onnxruntime creates its environment; this call covers the rest. The logger level keeps
    # onnxruntime's coloured warnings out of the JSON log stream.
    ort.disable_telemetry_events()
    ort.set_default_logger_severity(3)
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
    # A memory pattern is one block per input shape, planned on its first run and reused when the shape comes
    # back. Batches of varying shapes leave blocks of many sizes in onnxruntime's arena, which only grows: off,
    # a bulk worker scoring 256-token reviews peaked at about 235 MB RSS instead of 315 MB, with equal results.
    options.enable_mem_pattern = mem_pattern
    return options


def load_tokenizer(path: Path, max_length: int) -> Tokenizer:
    """Per-batch padding is done here, so any fixed padding in tokenizer.json is switched off."""
    tokenizer = Tokenizer.from_file(str(path))
    tokenizer.no_padding()
    tokenizer.enable_truncation(max_length=max_length)
    return tokenizer


def softmax(logits: np.ndarray, temperature: float = 1.0) -> np.ndarray:
    """Rows of probabilities from rows of logits divided by the temperature: the one softmax every path uses."""
    z = logits / temperature
    z = z - z.max(axis=1, keepdims=True)
    exp = np.exp(z)
    return exp / exp.sum(axis=1, keepdims=True)


def probabilities_from_logits(logits: np.ndarray, temperature: float, multi_label: bool) -> np.ndarray:
    """A softmax over the labels, or for a multi-label model each label's own sigmoid."""
    if multi_label:
        return 1.0 / (1.0 + np.exp(-logits / temperature))
    return softmax(logits, temperature)


class OnnxModel:
    """Tokenize, and run one inference call; thread-compatible, but each call is one caller's at a time."""

    def __init__(self, manifest: Manifest, intra_op_threads: int, *, mem_pattern: bool = True):
        self.info: ModelInfo = manifest.info
        try:
            self.tokenizer = load_tokenizer(manifest.tokenizer_file, manifest.info.max_length)
            self.session = ort.InferenceSession(
                str(manifest.model_file), session_options(intra_op_threads, mem_pattern), providers=["CPUExecutionProvider"]
            )
        except Exception as exc:  # onnxruntime and tokenizers raise their own exception types
            raise ModelLoadError(f"cannot load model from {manifest.model_file.parent}: {exc}") from exc
        names = {i.name for i in self.session.get_inputs()}
        missing = {"input_ids", "attention_mask"} - names
        if missing:
            raise ModelLoadError(f"{manifest.model_file} lacks inputs {sorted(missing)}: not a BERT-style export")
        self.uses_token_type_ids = "token_type_ids" in names
        self.pad_id = self.tokenizer.token_to_id("[PAD]") or 0
        # A second tokenizer that never truncates, for texts read whole (documents.py): truncation is a setting of
        # the tokenizer object, and the first one must keep cutting at the window, exactly as before.
        self.whole_tokenizer = Tokenizer.from_str(self.tokenizer.to_str())
        self.whole_tokenizer.no_truncation()
        self.whole_tokenizer.no_padding()
        self.framing = _framing(self.tokenizer)

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

    def tokens(self, texts: list[str]) -> list[Tokens]:
        """Every token of each text, without special tokens, with code-point offsets; raises InvalidText."""
        try:
            encodings = self.whole_tokenizer.encode_batch(texts, add_special_tokens=False)
        except Exception:
            self.encode(texts)  # names the text the tokenizer cannot take
            raise
        return [Tokens(e.ids, e.offsets) for e in encodings]

    def probabilities(self, batch: list[list[int]]) -> np.ndarray:
        """Softmax of the temperature-scaled logits of one inference call."""
        return probabilities_from_logits(self.logits(batch), self.info.temperature, self.info.multi_label)

    def logits(self, batch: list[list[int]]) -> np.ndarray:
        """Pad to the longest sequence in this batch and run the session: raw logits, float64."""
        longest = max(len(ids) for ids in batch)
        input_ids = np.full((len(batch), longest), self.pad_id, dtype=np.int64)
        attention_mask = np.zeros((len(batch), longest), dtype=np.int64)
        for row, ids in enumerate(batch):
            input_ids[row, : len(ids)] = ids
            attention_mask[row, : len(ids)] = 1
        feed = {"input_ids": input_ids, "attention_mask": attention_mask}
        if self.uses_token_type_ids:
            feed["token_type_ids"] = np.zeros_like(input_ids)
        return self.session.run(["logits"], feed)[0].astype(np.float64)


def _framing(tokenizer: Tokenizer) -> Framing:
    """The special tokens around one text, found by tokenizing a probe with and without them."""
    framed, bare = tokenizer.encode("a").ids, tokenizer.encode("a", add_special_tokens=False).ids
    at = next(i for i in range(len(framed) - len(bare) + 1) if framed[i : i + len(bare)] == bare)
    return Framing(tuple(framed[:at]), tuple(framed[at + len(bare):]))


def to_prediction(info: ModelInfo, row: np.ndarray, truncated: bool) -> Prediction:
    best = int(row.argmax())
    return Prediction(
        label=info.labels[best],
        score=float(row[best]),
        scores={label: float(p) for label, p in zip(info.labels, row)},
        truncated=truncated,
    )

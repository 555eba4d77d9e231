"""Import a Hugging Face text classifier as a model directory the service, the bulk command and Spark load.

The checkpoint (a local directory, or a Hub id where a network exists) is exported to ONNX, quantized per token
(int8, the default) or kept fp32, verified against the checkpoint (verification.py), and written with its
tokenizer.json and a manifest: labels from id2label in index order, the problem type, the maximum length, the
verification report, and the hashes the service checks at start. Nothing is written to the output until the
export has passed its verification, or `force` says to write it anyway; an existing output is never touched.
"""

import json
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from sentiment_service.models.onnx_export import UnsupportedModel, export_fp32, quantize_per_token
from sentiment_service.models.verification import PROBES, THRESHOLDS, Thresholds, verify
from sentiment_service.predictor.manifest import checked_polarity_weights, write_manifest
from sentiment_service.predictor.scoring_core import ScoringCore

PROBLEM_TYPES = ("single_label_classification", "multi_label_classification")
# Where a tokenizer states no usable limit (transformers writes a huge sentinel), the service's window.
DEFAULT_MAX_LENGTH = 512
# Architectures whose position ids start after the padding index (transformers' create_position_ids_from_input_ids).
POSITIONS_AFTER_PADDING = ("roberta", "xlm-roberta", "camembert", "mpnet", "longformer", "data2vec-text")


class ImportRefused(Exception):
    """The import cannot or must not produce a model directory; the message says why."""


class VerificationFailed(ImportRefused):
    """The export does not answer as the checkpoint does, within the precision's thresholds; nothing was written."""


@dataclass(frozen=True)
class ImportRequest:
    source: str
    out: Path
    precision: str = "int8"
    probes: list[str] = field(default_factory=list)
    force: bool = False
    name: str | None = None
    version: str = "1.0.0"
    max_length: int | None = None
    # Overrides of the precision's threshold on the largest probability difference (stricter or looser).
    max_abs_diff: float | None = None
    # Label -> weight in [-1, 1] for the response's polarity (the manifest's "polarity"); None: none given.
    polarity: dict[str, float] | None = None


def _load(source: str):
    from transformers import AutoConfig, AutoModelForSequenceClassification, AutoTokenizer

    try:
        config = AutoConfig.from_pretrained(source)
    except (OSError, ValueError) as exc:
        raise ImportRefused(f"{source} is not a Hugging Face checkpoint (config.json): {str(exc).splitlines()[0]}") from None
    architecture = (config.architectures or [config.model_type])[0]
    try:
        tokenizer = AutoTokenizer.from_pretrained(source)
        model = AutoModelForSequenceClassification.from_pretrained(source, attn_implementation="eager")
    except (OSError, ValueError, KeyError) as exc:
        raise UnsupportedModel(f"{architecture} cannot be loaded as a sequence classifier: {str(exc).splitlines()[0]}") from None
    if not tokenizer.is_fast:
        raise UnsupportedModel(f"{architecture}: its tokenizer has no tokenizer.json (a fast tokenizer), which the service needs")
    return config, tokenizer, model


def max_length_of(config, tokenizer, asked: int | None) -> int:
    """Tokens per text the model takes: `asked` (default 512), within the tokenizer's and the positions' limits."""
    limits = [asked or DEFAULT_MAX_LENGTH]
    if 0 < tokenizer.model_max_length < 1_000_000:
        limits.append(int(tokenizer.model_max_length))
    positions = getattr(config, "max_position_embeddings", None)
    if positions:
        # RoBERTa-style models number positions from the padding index + 1, so that many fewer tokens fit
        # (MPNet's embeddings fix that index at 1, whatever the tokenizer's padding id).
        padding_index = 1 if config.model_type == "mpnet" else (getattr(config, "pad_token_id", 0) or 0)
        offset = padding_index + 1 if config.model_type in POSITIONS_AFTER_PADDING else 0
        limits.append(int(positions) - offset)
    return min(limits)


def _labels(config) -> list[str]:
    labels = [str(config.id2label[i]) for i in range(config.num_labels)]
    if len(set(labels)) != len(labels):
        raise ImportRefused(f"id2label names a label twice: {labels}")
    return labels


def import_model(request: ImportRequest) -> dict:
    """Write the model directory and return its manifest; raises ImportRefused or UnsupportedModel."""
    if request.out.exists():
        raise ImportRefused(f"{request.out} already exists: an import never overwrites a directory")
    if request.precision not in ("int8", "fp32"):
        raise ImportRefused(f"precision must be int8 or fp32, not {request.precision!r}")
    config, tokenizer, model = _load(request.source)
    problem_type = config.problem_type or "single_label_classification"
    if problem_type not in PROBLEM_TYPES:
        raise ImportRefused(f"problem type {problem_type!r} is not a classification the service serves ({', '.join(PROBLEM_TYPES)})")
    labels, max_length = _labels(config), max_length_of(config, tokenizer, request.max_length)
    try:
        checked_polarity_weights(request.polarity, tuple(labels))
    except ValueError as exc:
        raise ImportRefused(f"--polarity: {exc} (the model's labels: {labels})") from None
    request.out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".import-", dir=request.out.parent) as tmp:
        work, staged = Path(tmp), Path(tmp) / "model"
        staged.mkdir()
        fp32 = work / "model-fp32.onnx"
        inputs = export_fp32(model, fp32, tokenizer.pad_token_id or 0)
        quantized = quantize_per_token(fp32, staged / "model.onnx", work) if request.precision == "int8" else None
        if quantized is None:
            shutil.copy(fp32, staged / "model.onnx")
        backend = tokenizer.backend_tokenizer
        backend.no_padding()  # the service pads each batch to its own longest text
        backend.enable_truncation(max_length=max_length)
        backend.save(str(staged / "tokenizer.json"))
        fields = {"name": request.name or Path(request.source.rstrip("/")).name, "version": request.version,
                  "labels": labels, "max_length": max_length, "problem_type": problem_type,
                  "precision": request.precision, "inputs": inputs,
                  "source": {"checkpoint": request.source, "architecture": (config.architectures or [config.model_type])[0],
                             "model_type": config.model_type},
                  "export": {"opset": 17, "per_token_quantization": quantized},
                  **({"polarity": request.polarity} if request.polarity else {})}
        write_manifest(staged, fields, "model.onnx", "tokenizer.json")
        limits = THRESHOLDS[request.precision]
        if request.max_abs_diff is not None:
            limits = Thresholds(limits.min_agreement, request.max_abs_diff)
        report = verify(model, inputs, tokenizer, ScoringCore.open(staged), PROBES + request.probes, limits)
        report["precision"] = request.precision
        if not report["passed"] and not request.force:
            raise VerificationFailed("verification failed, nothing written: " + "; ".join(report["failures"])
                                + " (--force writes it anyway)")
        fields["verification"] = {**report, "forced": not report["passed"]}
        fields["batch_invariant"] = report["batch_invariance_max_abs_diff"] <= 1e-4
        manifest = write_manifest(staged, fields, "model.onnx", "tokenizer.json")
        staged.rename(request.out)
    return manifest


def read_probes(path: Path) -> list[str]:
    """Texts of a JSONL probe file ({"text": ...} per line); raises ImportRefused."""
    try:
        return [json.loads(line)["text"] for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ImportRefused(f"{path}: not a JSONL file of {{\"text\": ...}} rows ({exc})") from None

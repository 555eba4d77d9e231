"""Model directory manifest: what the files are, and proof they are the files that were built."""

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from sentiment_service.predictor.contract import ModelInfo, ModelLoadError

MANIFEST_NAME = "manifest.json"


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


@dataclass(frozen=True)
class Manifest:
    info: ModelInfo
    model_file: Path
    tokenizer_file: Path
    raw: dict


def checked_polarity_weights(given: dict, labels: tuple[str, ...]) -> tuple[tuple[str, float], ...]:
    """The manifest's "polarity" as (label, weight) pairs; raises ValueError for a label the model lacks or a
    weight outside [-1, 1]."""
    weights = {str(label): float(weight) for label, weight in dict(given or {}).items()}
    unknown = sorted(set(weights) - set(labels))
    if unknown or any(not -1.0 <= w <= 1.0 for w in weights.values()):
        raise ValueError(f"polarity must give labels of the model ({unknown} are not) weights in [-1, 1]")
    return tuple(weights.items())


def _model_info(raw: dict) -> ModelInfo:
    labels = tuple(str(label) for label in raw["labels"])
    return ModelInfo(name=str(raw["name"]), version=str(raw["version"]), labels=labels, max_length=int(raw["max_length"]),
                     temperature=float(raw.get("temperature", 1.0)),
                     problem_type=str(raw.get("problem_type", "single_label_classification")),
                     polarity_weights=checked_polarity_weights(raw.get("polarity"), labels),
                     precision=str(raw["precision"]) if "precision" in raw else None)


def model_directories(models_dir: Path) -> list[Path]:
    """The model directories (each with a manifest) in a folder of them, in name order; raises ModelLoadError.

    Hidden entries are skipped: an import in progress stages its files in one (.import-*), and Kubernetes volumes
    keep their own bookkeeping in others (..data)."""
    if not models_dir.is_dir():
        raise ModelLoadError(f"MODELS_DIR {models_dir} is not a directory")
    found = sorted(d for d in models_dir.iterdir() if not d.name.startswith(".") and (d / MANIFEST_NAME).is_file())
    if not found:
        raise ModelLoadError(f"MODELS_DIR {models_dir} holds no model directory (a folder with a {MANIFEST_NAME})")
    return found


def peek_model_info(model_dir: Path) -> ModelInfo:
    """Name and version from the manifest without hashing any file (for /version while the model loads)."""
    try:
        return _model_info(json.loads((model_dir / MANIFEST_NAME).read_text(encoding="utf-8")))
    except (OSError, ValueError, KeyError, TypeError):
        return ModelInfo("unknown", "unknown", (), 0)


def load_manifest(model_dir: Path) -> Manifest:
    """Read and verify <model_dir>/manifest.json; raises ModelLoadError naming what is wrong."""
    path = model_dir / MANIFEST_NAME
    if not model_dir.is_dir():
        raise ModelLoadError(f"model directory {model_dir} does not exist (set MODEL_DIR)")
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        info = _model_info(raw)
        files = dict(raw["files"])
        model_file, tokenizer_file = raw["model_file"], raw["tokenizer_file"]
    except FileNotFoundError:
        raise ModelLoadError(f"{path} is missing: a model directory needs a manifest") from None
    except (ValueError, KeyError, TypeError) as exc:
        raise ModelLoadError(f"{path} is malformed: {exc!r}") from None
    for name in (model_file, tokenizer_file):
        if name not in files:
            raise ModelLoadError(f"{path} lists no hash for {name}")
    for name, expected in files.items():
        file = model_dir / name
        if not file.is_file():
            raise ModelLoadError(f"{file} is listed in the manifest but missing")
        actual = sha256_of(file)
        if actual != expected["sha256"]:
            raise ModelLoadError(
                f"{file} does not match its manifest (sha256 {actual[:12]}..., expected {expected['sha256'][:12]}...): "
                "the model directory is corrupt or was changed after it was built"
            )
    return Manifest(info=info, model_file=model_dir / model_file, tokenizer_file=model_dir / tokenizer_file, raw=raw)


def write_manifest(model_dir: Path, fields: dict, model_file: str, tokenizer_file: str) -> dict:
    """Hash the model and tokenizer files and write the manifest beside them (used by the build scripts)."""
    manifest = {
        **fields,
        "model_file": model_file,
        "tokenizer_file": tokenizer_file,
        "files": {name: {"sha256": sha256_of(model_dir / name), "bytes": (model_dir / name).stat().st_size}
                  for name in (model_file, tokenizer_file)},
    }
    (model_dir / MANIFEST_NAME).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return manifest

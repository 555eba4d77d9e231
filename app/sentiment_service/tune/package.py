"""The fine-tuned checkpoint to a model directory, through model import's own export, quantization and verification.

The checkpoint is imported (sentiment_service.models.importer: ONNX, int8 per token or fp32, checked against the checkpoint
on the built-in probes and the first evaluation texts) into a staging directory beside the output. With precision
"auto" an int8 export that misses the check is replaced by fp32, which matches the checkpoint exactly, and the manifest
says so: a run of many minutes does not end in a refusal for want of a flag. The imported
model is then scored on the evaluation rows as the service scores them, and the manifest gains what the fine-tune
was and measured ("tuning", "metrics") and the softmax temperature fitted on the validation rows (calibration.py),
with MODEL_CARD.md beside it. Only then is the staging directory renamed to
the output, so an output either does not exist or is complete.
"""

import json
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sentiment_service.models.importer import ImportRefused, ImportRequest, VerificationFailed, import_model
from sentiment_service.predictor.manifest import MANIFEST_NAME, write_manifest
from sentiment_service.predictor.scoring_core import ScoringCore
from sentiment_service.tune.calibration import fitted_on
from sentiment_service.tune.card import model_card
from sentiment_service.tune.labelled import LabelledText
from sentiment_service.tune.metrics import core_predictions, evaluate_rows

CARD_NAME = "MODEL_CARD.md"
# Evaluation texts added to the verification probes: the new domain's own texts, where the tuned model must hold.
DOMAIN_PROBES = 50


@dataclass(frozen=True)
class Calibration:
    """The rows the temperature is fitted on (validation rows), and the labels each leaves out (--partial)."""

    rows: list[LabelledText]
    left_out: list[tuple[int, ...]]


class OutputExists(Exception):
    """The output directory appeared while the run was going; nothing was written to it."""


def package(checkpoint: Path, out: Path, name: str, version: str, max_length: int, evaluation: list[LabelledText],
            tuning: dict, before: dict, threads: int, log: Callable[[str], None], precision: str = "auto",
            max_diff: float | None = None, calibration: Calibration | None = None) -> dict:
    """Write the model directory `out` and return its manifest; raises ImportRefused or OutputExists."""
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".tune-", dir=out.parent) as tmp:
        staged = Path(tmp) / out.name
        probes = [r.text for r in evaluation[:DOMAIN_PROBES]]

        def export(as_precision: str) -> dict:
            log(f"exporting to ONNX ({'int8, per token' if as_precision == 'int8' else 'fp32'}) and verifying against "
                "the checkpoint")
            return import_model(ImportRequest(str(checkpoint), staged, as_precision, probes, name=name, version=version,
                                              max_length=max_length, max_abs_diff=max_diff))

        int8_missed = None
        try:
            manifest = export("fp32" if precision == "fp32" else "int8")
        except VerificationFailed as exc:
            if precision != "auto":
                raise
            int8_missed = str(exc).removeprefix("verification failed, nothing written: ").removesuffix(" (--force writes it anyway)")
            log(f"WARNING: int8 missed the export check ({int8_missed}); writing fp32 instead (larger and slower to serve, "
                "exact): --precision int8 refuses instead")
            manifest = export("fp32")
        labels = list(manifest["labels"])
        log(f"verified: {_verified(manifest['verification'])}; scoring {len(evaluation)} evaluation rows with the new model")
        # One scoring core of the new model for the evaluation rows and the temperature.
        core = ScoringCore.open(staged, intra_op_threads=threads)
        after = evaluate_rows(evaluation, core_predictions(core, [r.text for r in evaluation]), labels)
        fields = {key: value for key, value in manifest.items() if key not in ("model_file", "tokenizer_file", "files")}
        fields["source"] = {**fields["source"], "checkpoint": "fine-tuned by python -m sentiment_service.tune"}
        fields["tuning"] = {**tuning, "precision": {"asked": precision, "int8_missed": int8_missed}}
        fields["metrics"] = {"evaluation": {"rows": len(evaluation), "split": tuning["evaluation"]["split"],
                                            "before": before, "after": after}}
        if calibration and calibration.rows and manifest.get("problem_type") != "multi_label_classification":
            fields["tuning"]["temperature"] = fitted_on(core, calibration.rows, labels, calibration.left_out)
            fields["temperature"] = fields["tuning"]["temperature"]["value"]
            log(f"temperature {fields['temperature']} fitted on {len(calibration.rows):,} validation rows (NLL "
                f"{fields['tuning']['temperature']['nll_at_1']} at 1.0, {fields['tuning']['temperature']['nll']})")
        manifest = write_manifest(staged, fields, manifest["model_file"], manifest["tokenizer_file"])
        (staged / CARD_NAME).write_text(model_card(manifest), encoding="utf-8")
        if out.exists():
            raise OutputExists(f"{out} appeared while the run was going: nothing was written to it "
                               f"(the trained checkpoint is kept in {checkpoint.parent})")
        staged.rename(out)
    return json.loads((out / MANIFEST_NAME).read_text(encoding="utf-8"))


def _verified(report: dict) -> str:
    return (f"top label agrees on {report['top_label_agreement']:.1%} of {report['probes']} probes, largest probability "
            f"difference {report['max_abs_probability_diff']:.3f}, batch invariance {report['batch_invariance_max_abs_diff']:.1e}")


def remove_work(work: Path) -> None:
    """The checkpoints are no longer needed once the model directory exists (they are hundreds of MB)."""
    shutil.rmtree(work, ignore_errors=True)


__all__ = ["ImportRefused", "OutputExists", "package", "remove_work"]

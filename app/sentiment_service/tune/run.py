"""One fine-tune, top to bottom: read -> split -> start -> before -> train -> package -> report.

The work directory (checkpoints, best weights, run.json) sits beside the output as `<out>.work` unless given. It
belongs to one run: a later run with the same data and schedule resumes it, one with other settings is refused.
"""

import json
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from sentiment_service.tune.labelled import (
    DataRefused,
    LabelledFile,
    LabelledText,
    check_labels,
    left_out_labels,
    read_labelled,
    split_off,
)
from sentiment_service.tune.loop import Schedule, Stopping, train
from sentiment_service.tune.metrics import directory_predictions, evaluate_rows, torch_predictions
from sentiment_service.tune.package import Calibration, package, remove_work
from sentiment_service.tune.recipe import Example
from sentiment_service.tune.start import load_start, starting_labels, widen_labels

RUN_FILE = "run.json"


@dataclass(frozen=True)
class TuneRequest:
    train: list[Path]
    out: Path
    start: Path
    eval_file: Path | None = None
    text_column: str = "text"
    label_column: str = "label"
    table_format: str | None = None
    add_labels: bool = False
    partial: list[Path] = field(default_factory=list)  # TRAIN files trained over their own labels only
    holdout: float = 0.1  # of the training rows, for validation (and for evaluation too when no eval file is given)
    name: str | None = None
    version: str = "1.0.0"
    work: Path | None = None
    threads: int | None = None
    precision: str = "auto"  # int8, fp32, or auto: int8 where it passes the export check, fp32 otherwise
    max_diff: float | None = None  # model import's threshold on the int8 export's probabilities, where not its default
    schedule: Schedule = Schedule()
    stopping: Stopping = Stopping()

    @property
    def work_dir(self) -> Path:
        return self.work or self.out.with_name(self.out.name + ".work")


class RunRefused(Exception):
    """The run cannot start as asked (an existing output, a work directory of another run); the message says why."""


def _log(message: str) -> None:
    from tqdm import tqdm

    tqdm.write(f"{time.strftime('%H:%M:%S')} {message}")


def _splits(request: TuneRequest, files: list[LabelledFile]) -> tuple[list[LabelledText], list[LabelledText], list[LabelledText], dict]:
    """(train, validation, evaluation, a description of the evaluation split)."""
    rows = [r for f in files for r in f.rows]
    if request.eval_file:
        evaluation_file = read_labelled(request.eval_file, request.text_column, request.label_column, request.table_format)
        evaluation = evaluation_file.rows
        split = {"split": "file", **evaluation_file.describe(), "description": f"`{evaluation_file.name}` "
                 f"({len(evaluation):,} rows: {', '.join(f'{k} {v:,}' for k, v in evaluation_file.by_label().items())})"}
    else:
        rows, evaluation = split_off(rows, request.holdout, request.schedule.seed, "evaluation")
        split = {"split": "held out", "fraction": request.holdout, "rows": len(evaluation),
                 "description": f"{len(evaluation):,} rows held out of the training files at random ({request.holdout:.0%} "
                                f"of each label, seed {request.schedule.seed})"}
    if not evaluation:
        raise DataRefused("no evaluation rows: give --eval FILE, or more training rows (each label needs two to hold one out)")
    rows, validation = split_off(rows, request.holdout, request.schedule.seed, "validation")
    if not rows:
        raise DataRefused("no training rows are left once the evaluation and validation rows are held out")
    return rows, validation, evaluation, split


def _identity(request: TuneRequest, files: list[LabelledFile]) -> dict:
    """What a resumed run must share with the run that wrote the work directory."""
    return {"start": str(request.start.resolve()), "train": [{"file": f.name, "sha256": f.sha256} for f in files],
            "eval": str(request.eval_file.resolve()) if request.eval_file else None, "text_column": request.text_column,
            "label_column": request.label_column, "add_labels": request.add_labels, "holdout": request.holdout,
            "partial": [str(path) for path in request.partial],
            "schedule": asdict(request.schedule)}


def _claim_work(work: Path, identity: dict) -> None:
    recorded = work / RUN_FILE
    if recorded.is_file():
        earlier = json.loads(recorded.read_text(encoding="utf-8"))
        if earlier != identity:
            differ = sorted(key for key in identity.keys() | earlier.keys() if identity.get(key) != earlier.get(key))
            raise RunRefused(f"{work} holds a run with other settings ({', '.join(differ)} differ): run the same command "
                             f"to resume it, or remove {work} (or pass --work) to start afresh")
        return
    work.mkdir(parents=True, exist_ok=True)
    recorded.write_text(json.dumps(identity, indent=2) + "\n", encoding="utf-8")


def tune(request: TuneRequest) -> dict:
    """Fine-tune and write the model directory; returns its manifest. Raises DataRefused, StartRefused, RunRefused,
    ImportRefused, OutputExists or Interrupted (with a checkpoint written)."""
    import torch

    if request.out.exists():
        raise RunRefused(f"{request.out} already exists: a fine-tune never overwrites a directory")
    if not {str(p) for p in request.partial} <= {str(p) for p in request.train}:
        raise RunRefused("--partial names a file that is not one of the TRAIN files: "
                         + ", ".join(sorted({str(p) for p in request.partial} - {str(p) for p in request.train})))
    model_labels = starting_labels(request.start)
    files = [read_labelled(path, request.text_column, request.label_column, request.table_format) for path in request.train]
    labels = check_labels(files, model_labels, request.add_labels)
    train_rows, validation, evaluation, split = _splits(request, files)
    _claim_work(request.work_dir, _identity(request, files))
    if request.threads:
        torch.set_num_threads(request.threads)
    threads = torch.get_num_threads()
    _log(f"{len(train_rows):,} training, {len(validation):,} validation and {len(evaluation):,} evaluation rows; "
         f"labels {', '.join(labels)}; work directory {request.work_dir}")

    start = load_start(request.start)
    texts = [r.text for r in evaluation]
    if start.model_dir is not None:
        before = {**evaluate_rows(evaluation, directory_predictions(start.model_dir, texts, threads), labels),
                  "scored_as": "as served, int8"}
    else:
        predicted = torch_predictions(start.model, start.tokenizer, texts, start.labels, start.max_length)
        before = {**evaluate_rows(evaluation, predicted, labels), "scored_as": "the checkpoint in PyTorch, fp32"}
    _log(f"before: macro recall {before['macro_recall']:.4f}, accuracy {before['accuracy']:.4f} on {len(evaluation):,} rows")
    widen_labels(start.model, start.labels, labels)

    examples = encode(start.tokenizer, train_rows, labels, files, request.partial, start.max_length)
    outcome = train(start.model, start.tokenizer, labels, examples, validation, start.max_length, request.schedule,
                    request.stopping, request.work_dir, _log)
    checkpoint = request.work_dir / "checkpoint-final"
    start.model.save_pretrained(checkpoint)
    start.tokenizer.save_pretrained(checkpoint)

    tuning = {
        "from": start.provenance,
        "train": [f.describe() for f in files],
        "evaluation": {key: value for key, value in split.items() if key != "description"} | {"description": split["description"]},
        "rows": {"train": len(train_rows), "validation": len(validation), "evaluation": len(evaluation)},
        "new_labels": [label for label in labels if label not in start.labels],
        "columns": {"text": request.text_column, "label": request.label_column},
        "partial": [str(path) for path in request.partial],
        "schedule": asdict(request.schedule),
        "run": {"steps": outcome.steps, "total_steps": outcome.total_steps, "stopped_by": outcome.stopped_by,
                "best": outcome.best, "validation_history": outcome.history,
                "train_minutes": round(outcome.train_seconds / 60, 2), "threads": threads, "torch": torch.__version__,
                "max_length": start.max_length},
    }
    calibration = Calibration(validation, left_out_labels(validation, labels, _partial_files(files, request.partial)))
    manifest = package(checkpoint, request.out, request.name or request.out.name, request.version, start.max_length,
                       evaluation, tuning, before, threads, _log, request.precision, request.max_diff, calibration)
    remove_work(request.work_dir)
    return manifest


def _partial_files(files: list[LabelledFile], partial: list[Path]) -> list[LabelledFile]:
    return [f for f in files if f.name in {str(path) for path in partial}]


def encode(tokenizer, rows: list[LabelledText], labels: list[str], files: list[LabelledFile], partial: list[Path],
           max_length: int) -> list[Example]:
    """Tokenize once; a row of a `partial` file is trained over the labels that file has (left_out_labels)."""
    partial_files = _partial_files(files, partial)
    for f in partial_files:
        _log(f"{f.name}: trained over {', '.join(f.by_label())} only (--partial)")
    ids = tokenizer([r.text for r in rows], truncation=True, max_length=max_length)["input_ids"]
    return [Example(i, labels.index(r.label), left_out) for i, r, left_out in zip(ids, rows, left_out_labels(rows, labels, partial_files))]

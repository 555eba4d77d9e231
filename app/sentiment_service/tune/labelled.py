"""Labelled rows from CSV, JSONL or Parquet, read by the bulk command's table readers, and the held-out splits.

A row needs a text and a label: a missing or empty one is refused with the row's number rather than skipped, since a
training set that silently loses rows trains a different model from the one its author meant. Labels are compared
as text, exactly ("Positive" is not "positive"), and a number label (0/1/2) is its decimal text.
"""

import hashlib
import random
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from sentiment_service.bulk.tables import BadInput, detect_format, open_reader
from sentiment_service.predictor.manifest import sha256_of

# Rows per chunk the readers hand over: memory for a few thousand rows is no concern, this is only their unit.
CHUNK_ROWS = 4096


class DataRefused(Exception):
    """A training or evaluation file cannot be used as it is; the message names the file and why."""


@dataclass(frozen=True)
class LabelledText:
    text: str
    label: str
    source: str  # the file as given, so that per-file rules (the labels it uses) and the manifest can name it


@dataclass(frozen=True)
class LabelledFile:
    name: str  # the path as given (data sets often name every split train.jsonl, so the folder tells them apart)
    sha256: str
    rows: list[LabelledText]

    def by_label(self) -> dict[str, int]:
        return dict(sorted(Counter(r.label for r in self.rows).items()))

    def describe(self) -> dict:
        """What the manifest and the model card say of the file: its name, hash and rows per label."""
        return {"file": self.name, "sha256": self.sha256, "rows": len(self.rows), "by_label": self.by_label()}


def _label_text(value: object) -> str | None:
    return None if value is None else str(value).strip() or None


def read_labelled(path: Path, text_column: str, label_column: str, fmt: str | None = None) -> LabelledFile:
    """Every row of the file as (text, label); raises DataRefused naming the file, the column or the row."""
    try:
        reader = open_reader(path, detect_format(path, fmt), text_column, CHUNK_ROWS)
        rows: list[LabelledText] = []
        for chunk in reader.chunks():
            if label_column not in chunk.table.column_names:
                raise DataRefused(f"{path} has no column {label_column!r} (columns: {', '.join(chunk.table.column_names)}); "
                                  "pass --label-column")
            for text, label in zip(chunk.texts, chunk.table.column(label_column).to_pylist()):
                number = len(rows) + 1
                if not isinstance(text, str) or not text.strip():
                    raise DataRefused(f"{path} data row {number} has no text in column {text_column!r}")
                label_text = _label_text(label)
                if label_text is None:
                    raise DataRefused(f"{path} data row {number} has no label in column {label_column!r}")
                rows.append(LabelledText(text, label_text, str(path)))
    except BadInput as exc:
        raise DataRefused(str(exc)) from None
    if not rows:
        raise DataRefused(f"{path} has no rows")
    return LabelledFile(str(path), sha256_of(path), rows)


def check_labels(files: list[LabelledFile], model_labels: list[str], add_labels: bool) -> list[str]:
    """The labels to train: the model's, then (with add_labels) new ones in sorted order; raises DataRefused."""
    found = sorted({r.label for f in files for r in f.rows})
    unknown = [label for label in found if label not in model_labels]
    if unknown and not add_labels:
        where = "; ".join(f"{f.name}: {', '.join(sorted({r.label for r in f.rows} - set(model_labels)))}"
                          for f in files if {r.label for r in f.rows} - set(model_labels))
        raise DataRefused(f"labels the starting model does not have ({where}); the model's labels are "
                          f"{', '.join(model_labels)}. Fix the label column, or pass --add-labels to train them as new labels")
    return [*model_labels, *unknown]


def split_off(rows: list[LabelledText], fraction: float, seed: int, salt: str) -> tuple[list[LabelledText], list[LabelledText]]:
    """(kept, held out): `fraction` of each label's rows held out at random, at least one of any label with two or more."""
    if fraction <= 0:
        return rows, []
    # A seed of its own per split (salt), so the evaluation and validation splits are not the same draw.
    rng = random.Random(int(hashlib.sha256(f"{seed}:{salt}".encode()).hexdigest()[:12], 16))  # noqa: S311
    kept, held = [], []
    for label in sorted({r.label for r in rows}):
        group = [r for r in rows if r.label == label]
        rng.shuffle(group)
        count = max(1, round(len(group) * fraction)) if len(group) >= 2 else 0
        held += group[:count]
        kept += group[count:]
    rng.shuffle(kept)
    return kept, held


def left_out_labels(rows: list[LabelledText], labels: list[str], partial: list[LabelledFile]) -> list[tuple[int, ...]]:
    """Per row, the indices of the labels left out of its softmax: for a row of a `partial` file, every label that file
    has no row of (so a positive/negative data set never teaches "not neutral"); for any other row, none."""
    missing = {f.name: tuple(i for i, label in enumerate(labels) if label not in {r.label for r in f.rows}) for f in partial}
    return [missing.get(r.source, ()) for r in rows]

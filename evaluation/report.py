"""Accuracy, macro-F1 and the confusion matrix of a model's scoring core on labelled rows.

Rows whose label the model does not have (e.g. "neutral" for a binary model) are skipped and counted. Where the
rows use fewer labels than the model has (IMDB's negative/positive for a three-way model), the accuracy over the
rows' own labels is reported too: each prediction is the likelier of those labels, as the model card's binary
accuracy is measured.
"""

from dataclasses import dataclass

from sentiment_service.predictor.contract import DOCUMENT, Prediction
from sentiment_service.predictor.scoring_core import ScoringCore


@dataclass(frozen=True)
class Report:
    labels: tuple[str, ...]
    confusion: dict[str, dict[str, int]]  # confusion[gold][predicted]
    skipped: int
    # Accuracy with each prediction restricted to the labels the rows use; None where they use all the model's.
    accuracy_over_data_labels: float | None = None

    @property
    def total(self) -> int:
        return sum(sum(row.values()) for row in self.confusion.values())

    @property
    def accuracy(self) -> float:
        return sum(self.confusion[label][label] for label in self.labels) / max(self.total, 1)

    @property
    def macro_f1(self) -> float:
        scores = []
        for label in self.labels:
            tp = self.confusion[label][label]
            predicted = sum(self.confusion[gold][label] for gold in self.labels)
            actual = sum(self.confusion[label].values())
            precision = tp / predicted if predicted else 0.0
            recall = tp / actual if actual else 0.0
            scores.append(2 * precision * recall / (precision + recall) if precision + recall else 0.0)
        return sum(scores) / len(scores)

    def as_dict(self) -> dict:
        restricted = {} if self.accuracy_over_data_labels is None else {
            "accuracy_over_data_labels": round(self.accuracy_over_data_labels, 4)}
        return {"rows": self.total, "skipped": self.skipped, "accuracy": round(self.accuracy, 4), **restricted,
                "macro_f1": round(self.macro_f1, 4), "confusion": self.confusion}

    def table(self) -> str:
        width = max(len(label) for label in self.labels) + 2
        restricted = ("" if self.accuracy_over_data_labels is None
                      else f"  accuracy over the data's labels {self.accuracy_over_data_labels:.4f}")
        lines = [f"rows {self.total} (skipped {self.skipped})  accuracy {self.accuracy:.4f}{restricted}  "
                 f"macro-F1 {self.macro_f1:.4f}",
                 "gold \\ predicted".ljust(width + 6) + "".join(label.rjust(width) for label in self.labels)]
        for gold in self.labels:
            lines.append(gold.ljust(width + 6) + "".join(str(self.confusion[gold][p]).rjust(width) for p in self.labels))
        return "\n".join(lines)


def usable_rows(core: ScoringCore, rows: list[dict]) -> list[dict]:
    """The rows whose label the model has."""
    return [r for r in rows if r["label"] in core.info.labels]


def report_of(labels: tuple[str, ...], rows: list[dict], predictions: list[Prediction], skipped: int = 0) -> Report:
    """The report of these predictions of these (usable) rows."""
    confusion = {gold: dict.fromkeys(labels, 0) for gold in labels}
    data_labels = sorted({r["label"] for r in rows})
    restricted = 0
    for row, prediction in zip(rows, predictions):
        confusion[row["label"]][prediction.label] += 1
        restricted += max(data_labels, key=prediction.scores.__getitem__) == row["label"]
    over_data_labels = restricted / len(rows) if rows and len(data_labels) < len(labels) else None
    return Report(labels, confusion, skipped, over_data_labels)


def evaluate(core: ScoringCore, rows: list[dict], long_text: str = DOCUMENT) -> Report:
    """Score rows through the scoring core, long texts read as long_text says; rows with labels the model lacks are
    skipped."""
    usable = usable_rows(core, rows)
    predictions = core.score([r["text"] for r in usable], long_text=long_text)
    return report_of(core.info.labels, usable, predictions, skipped=len(rows) - len(usable))

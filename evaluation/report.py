"""Accuracy, macro-F1 and the confusion matrix of a model's scoring core on labelled rows.

Rows whose label the model does not have (e.g. "neutral" for a binary model) are skipped and counted.
"""

from dataclasses import dataclass

from sentiment_service.predictor.scoring_core import ScoringCore


@dataclass(frozen=True)
class Report:
    labels: tuple[str, ...]
    confusion: dict[str, dict[str, int]]  # confusion[gold][predicted]
    skipped: int

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
        return {"rows": self.total, "skipped": self.skipped, "accuracy": round(self.accuracy, 4),
                "macro_f1": round(self.macro_f1, 4), "confusion": self.confusion}

    def table(self) -> str:
        width = max(len(label) for label in self.labels) + 2
        lines = [f"rows {self.total} (skipped {self.skipped})  accuracy {self.accuracy:.4f}  macro-F1 {self.macro_f1:.4f}",
                 "gold \\ predicted".ljust(width + 6) + "".join(label.rjust(width) for label in self.labels)]
        for gold in self.labels:
            lines.append(gold.ljust(width + 6) + "".join(str(self.confusion[gold][p]).rjust(width) for p in self.labels))
        return "\n".join(lines)


def evaluate(core: ScoringCore, rows: list[dict]) -> Report:
    """Score rows through the scoring core; rows with labels the model lacks are skipped."""
    labels = core.info.labels
    confusion = {gold: dict.fromkeys(labels, 0) for gold in labels}
    usable = [r for r in rows if r["label"] in labels]
    for row, prediction in zip(usable, core.score([r["text"] for r in usable])):
        confusion[row["label"]][prediction.label] += 1
    return Report(labels, confusion, skipped=len(rows) - len(usable))

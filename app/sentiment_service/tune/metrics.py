"""Accuracy and macro recall of a model on labelled rows: the checkpoint in PyTorch, or a model directory as served.

Macro recall is the mean of each label's recall over the labels the rows have (a label with no row has no recall),
so a model that always answers the commonest label scores 1 / labels however lopsided the rows are.
"""

from pathlib import Path

import torch

from sentiment_service.tune.labelled import LabelledText

# Texts per forward pass when scoring in PyTorch: large enough to amortize the call, small enough for a laptop.
TORCH_BATCH = 64


def classification_metrics(gold: list[str], predicted: list[str], labels: list[str]) -> dict:
    """accuracy, macro_recall, recall per label and the confusion matrix (rows gold, columns predicted)."""
    present = [label for label in labels if label in set(gold)]
    recall = {label: sum(g == p == label for g, p in zip(gold, predicted)) / gold.count(label) for label in present}
    return {
        "rows": len(gold),
        "accuracy": round(sum(g == p for g, p in zip(gold, predicted)) / len(gold), 4),
        "macro_recall": round(sum(recall.values()) / len(recall), 4),
        "recall": {label: round(value, 4) for label, value in recall.items()},
        "labels": labels,
        "confusion_rows_gold_cols_predicted": [[sum(g == a and p == b for g, p in zip(gold, predicted)) for b in labels]
                                               for a in labels],
    }


@torch.no_grad()
def torch_predictions(model: torch.nn.Module, tokenizer, texts: list[str], labels: list[str], max_length: int) -> list[str]:
    """The checkpoint's top label for each text (eval mode; the model is left as it was found)."""
    was_training = model.training
    model.eval()
    order = sorted(range(len(texts)), key=lambda i: len(texts[i]))  # batches of similar length pad little
    predicted: list[str] = [""] * len(texts)
    for start in range(0, len(order), TORCH_BATCH):
        part = order[start : start + TORCH_BATCH]
        encoded = tokenizer([texts[i] for i in part], truncation=True, max_length=max_length, padding=True,
                            return_tensors="pt")
        for i, index in zip(part, model(**encoded).logits.argmax(-1).tolist()):
            predicted[i] = labels[index]
    model.train(was_training)
    return predicted


def directory_predictions(model_dir: Path, texts: list[str], threads: int) -> list[str]:
    """The top label of each text as the service scores it (ScoringCore over the verified model directory)."""
    from sentiment_service.predictor.scoring_core import ScoringCore

    return core_predictions(ScoringCore.open(model_dir, intra_op_threads=threads), texts)


def core_predictions(core, texts: list[str]) -> list[str]:
    """The top label of each text from a scoring core already open."""
    return [p.label for p in core.score(texts)]


def evaluate_rows(rows: list[LabelledText], predicted: list[str], labels: list[str]) -> dict:
    return classification_metrics([r.label for r in rows], predicted, labels)

"""The predictor contract the HTTP layer depends on, its result type and its domain errors."""

from dataclasses import dataclass
from typing import Protocol

# How a text longer than the model's window is read: whole, as a document (the default), or its first window only.
DOCUMENT = "document"
TRUNCATE = "truncate"
LONG_TEXT_MODES = (DOCUMENT, TRUNCATE)


@dataclass(frozen=True)
class ModelInfo:
    name: str
    version: str
    labels: tuple[str, ...]
    max_length: int
    # Logits are divided by this before the softmax: fitted on held-out data so that probabilities are
    # calibrated (the manifest's "temperature"; 1.0 when absent).
    temperature: float = 1.0
    # "single_label_classification": one softmax over the labels; "multi_label_classification": each label's
    # own sigmoid (the manifest's "problem_type", as transformers names it; single-label when absent).
    problem_type: str = "single_label_classification"
    # The manifest's "polarity": a weight in [-1, 1] per label, polarity = sum of weight x p(label) (for
    # example "1 star" -1 ... "5 stars" +1). Empty: negative -1 and positive +1 where the model has both.
    polarity_weights: tuple[tuple[str, float], ...] = ()
    # How the graph computes: "int8" (weights, and activations per token) or "fp32"; None where the manifest
    # does not say.
    precision: str | None = None

    @property
    def multi_label(self) -> bool:
        return self.problem_type == "multi_label_classification"

    @property
    def has_polarity(self) -> bool:
        return self.polarity_of(dict.fromkeys(self.labels, 0.0)) is not None

    def polarity_of(self, scores: dict[str, float]) -> float | None:
        """The signed polarity of these scores, or None for a label set that has none."""
        weights = dict(self.polarity_weights) or (
            {"negative": -1.0, "positive": 1.0} if {"negative", "positive"} <= scores.keys() else {})
        if not weights or not weights.keys() <= scores.keys():
            return None
        return sum(weight * scores[label] for label, weight in weights.items())


@dataclass(frozen=True)
class Prediction:
    label: str
    score: float
    scores: dict[str, float]
    # True when part of the text was not read: only when a text longer than the window is read as its first window.
    truncated: bool
    # Each sentence's own prediction, in order, when they were asked for (predict(..., sentences=True)).
    sentences: "tuple[SentenceScore, ...] | None" = None
    # With sentences: True when clearly positive and clearly negative sentences coexist (reading.py says how
    # clearly); None without sentences, or for a model that has no polarity.
    mixed: bool | None = None


@dataclass(frozen=True)
class SentenceScore:
    """One sentence of a text, text[start:end] in Unicode code points, and its prediction."""

    start: int
    end: int
    prediction: Prediction


class Predictor(Protocol):
    """Load once, then score lists of texts. Implementations must be safe to call from many threads."""

    info: ModelInfo

    def load(self) -> None:
        """Load the model and run a warm-up inference; raises ModelLoadError."""

    @property
    def ready(self) -> bool:
        """True once load() has finished successfully."""

    def predict(self, texts: list[str], *, long_text: str = "document", sentences: bool = False) -> list[Prediction]:
        """Score texts as one batch, in order; raises NotReady, Overloaded, DeadlineExceeded.

        long_text: "document" reads a text longer than the model's window whole, "truncate" its first window only.
        sentences: also score each sentence, and say whether the text is mixed.
        """

    def refuse_early(self, body_bytes: int, max_text_chars: int) -> None:
        """Raise Overloaded if a request body of this size cannot be admitted now, whatever it holds."""

    def close(self) -> None:
        """Stop accepting work and finish what was accepted."""


class PredictorError(Exception):
    """Base of every error the predictor raises on purpose."""


class ModelLoadError(PredictorError):
    """The model directory is missing, incomplete or does not match its manifest."""


class NotReady(PredictorError):
    """The model is still loading, failed to load, or the worker is shutting down."""


class Overloaded(PredictorError):
    """The work already waiting would keep this request past its deadline; retry after retry_after_s."""

    def __init__(self, message: str, retry_after_s: int, reason: str):
        super().__init__(message)
        self.retry_after_s = retry_after_s
        self.reason = reason


class DeadlineExceeded(PredictorError):
    """The request waited in the queue past its deadline, or inference took too long; it was not answered."""


class InvalidText(PredictorError):
    """A text cannot be tokenised (for example it holds a lone UTF-16 surrogate)."""

    def __init__(self, message: str, index: int):
        super().__init__(message)
        self.index = index

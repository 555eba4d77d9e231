"""The one scoring step both bulk paths share: raw column values in, the added result columns out.

Values the service would refuse are not scored: their row gets an error code instead, the service's own code
for the same text (predictor/text_rules.py), or missing_text / not_a_string for a cell that holds no string.
Everything else is scored by the service's scoring core, so a long text is read exactly as /predict reads it:
whole by default, or its first window with long_text="truncate" (`truncated` is then true). With sentences, the
`sentences` column holds each sentence as /predict answers it (JSON), and `mixed` the same flag.
"""

import json
import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from sentiment_service.predictor.call_budget import CallBudget
from sentiment_service.predictor.contract import DOCUMENT, InvalidText
from sentiment_service.predictor.scoring_core import ScoringCore
from sentiment_service.predictor.sentences import sentence_fields
from sentiment_service.predictor.text_rules import DEFAULT_MAX_TEXT_CHARS, INVALID_TEXT, check_text

__all__ = ["DEFAULT_MAX_TEXT_CHARS", "open_bulk_core", "refusal", "score_values"]

# Error codes of cells that hold no text at all; a text the service refuses gets the service's own code.
MISSING_TEXT = "missing_text"
NOT_A_STRING = "not_a_string"

# A quarter of the service's token budget per inference call: activations grow with the padded tokens of a call,
# and a bulk worker meets long texts all day. On 256-token reviews a worker peaked at about 170 MB RSS with 512
# tokens, 190 MB with 1024 and 235 MB with 2048. Two 256-token texts still share a call, so the per-call overhead
# stays small (see call_budget.py). The model is batch-invariant, so the budget changes no score.
BULK_CALL_BUDGET = CallBudget(max_tokens=512)


def open_bulk_core(model_dir, intra_op_threads: int = 1) -> ScoringCore:
    """The scoring core for bulk scoring, loaded; raises ModelLoadError."""
    # No memory patterns: see onnx_model.session_options; batch shapes vary with every call in a long run.
    return ScoringCore.open(model_dir, budget=BULK_CALL_BUDGET, intra_op_threads=intra_op_threads, mem_pattern=False)


@dataclass(frozen=True)
class ResultColumns:
    """Names of the columns bulk scoring adds, in order: label, score, one probability per label, truncated, error,
    and with sentences: sentences (JSON) and mixed."""

    labels: tuple[str, ...]
    prefix: str = ""
    with_sentences: bool = False

    @property
    def label(self) -> str:
        return f"{self.prefix}label"

    @property
    def score(self) -> str:
        return f"{self.prefix}score"

    @property
    def probabilities(self) -> list[str]:
        return [f"{self.prefix}p_{label}" for label in self.labels]

    @property
    def truncated(self) -> str:
        return f"{self.prefix}truncated"

    @property
    def error(self) -> str:
        return f"{self.prefix}error"

    @property
    def sentences(self) -> str:
        return f"{self.prefix}sentences"

    @property
    def mixed(self) -> str:
        return f"{self.prefix}mixed"

    def typed(self) -> list[tuple[str, str]]:
        """(name, kind) for every added column; kind is one of string, double, boolean."""
        sentences = [(self.sentences, "string"), (self.mixed, "boolean")] if self.with_sentences else []
        return ([(self.label, "string"), (self.score, "double")] + [(name, "double") for name in self.probabilities]
                + [(self.truncated, "boolean"), (self.error, "string")] + sentences)

    def clashes(self, existing: Sequence[str]) -> list[str]:
        """Added column names the input already has."""
        return [name for name, _ in self.typed() if name in set(existing)]


@dataclass
class ScoredTexts:
    """Results for one list of values, row-aligned; error rows have None / NaN in every result field."""

    labels: list[str | None]
    scores: np.ndarray  # float64 [rows]
    probabilities: np.ndarray  # float64 [rows, model labels], columns in manifest label order
    truncated: list[bool | None]
    errors: list[str | None]
    # With sentences: each row's sentences as JSON (the list /predict answers) and its mixed flag; None otherwise.
    sentences: list[str | None] | None = None
    mixed: list[bool | None] | None = None

    @property
    def failed(self) -> np.ndarray:
        return np.array([e is not None for e in self.errors], dtype=bool)

    def error_counts(self) -> Counter:
        return Counter(e for e in self.errors if e is not None)


def refusal(value: object, max_text_chars: int) -> str | None:
    """The error code for a value the service would not score, or None for a text to score."""
    if value is None or (isinstance(value, float) and math.isnan(value)):  # pandas writes a missing value as NaN
        return MISSING_TEXT
    if not isinstance(value, str):
        return NOT_A_STRING
    refused = check_text(value, max_text_chars)
    return refused.code if refused else None


# Texts tokenized and scored together inside a chunk. A worker's peak memory follows the texts it holds
# tokenized at once (every window of a long review included), not the chunk: so a chunk can be big enough to
# sort well by length while the tokenizer only ever sees this many texts.
SCORE_SLICE_TEXTS = 128


def score_values(core: ScoringCore, values: Sequence[object], max_text_chars: int = DEFAULT_MAX_TEXT_CHARS,
                 slice_texts: int = SCORE_SLICE_TEXTS, *, long_text: str = DOCUMENT, sentences: bool = False) -> ScoredTexts:
    """Score one column's values, each read as long_text says (and its sentences too); never raises for a bad value.

    The texts are ordered by length (characters, a cheap stand-in for tokens) and scored in slices of
    `slice_texts`, each one call of the core, which splits it further by its call budget: neighbours in that
    order pad little. The shipped model is batch-invariant, so the slicing does not change any score.
    """
    count, width = len(values), len(core.info.labels)
    errors: list[str | None] = [refusal(v, max_text_chars) for v in values]
    result = ScoredTexts(labels=[None] * count, scores=np.full(count, np.nan),
                         probabilities=np.full((count, width), np.nan), truncated=[None] * count, errors=errors,
                         sentences=[None] * count if sentences else None, mixed=[None] * count if sentences else None)
    todo = sorted((i for i, e in enumerate(errors) if e is None), key=lambda i: len(values[i]))
    for start in range(0, len(todo), slice_texts):
        _score_slice(core, values, todo[start : start + slice_texts], result, long_text, sentences)
    return result


def _score_slice(core: ScoringCore, values: Sequence[object], todo: list[int], result: ScoredTexts, long_text: str,
                 sentences: bool) -> None:
    while todo:
        try:
            predictions = core.score([values[i] for i in todo], long_text=long_text, sentences=sentences)
        except InvalidText as exc:  # anything else the tokenizer refuses: mark that text and score the rest
            result.errors[todo.pop(exc.index)] = INVALID_TEXT
            continue
        for i, prediction in zip(todo, predictions):
            result.labels[i] = prediction.label
            result.scores[i] = prediction.score
            result.probabilities[i] = [prediction.scores[label] for label in core.info.labels]
            result.truncated[i] = prediction.truncated
            if sentences:
                result.sentences[i] = json.dumps([sentence_fields(s, core.info) for s in prediction.sentences])
                result.mixed[i] = prediction.mixed
        return

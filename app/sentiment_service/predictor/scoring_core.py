"""The scoring core of one model directory: texts in, calibrated predictions out, synchronously.

Plan how each text is read (reading.py: one window, or a long text's pieces and sentences), split every input
into inference calls by the call budget, run, apply the temperature, softmax, combine. No threads, no
queue, no settings: every offline path (the bulk command, Spark, `evaluation/`, `training/evaluate.py`,
`bench/ceiling.py`) calls it directly, and the service's serving wrapper (serving_predictor.py: micro-batching,
admission control, the cache) sits on top of it. One core per model directory, so a second model is a second
object.
"""

import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from sentiment_service.predictor.call_budget import CallBudget, chunk_by_budget
from sentiment_service.predictor.contract import ModelInfo, Prediction
from sentiment_service.predictor.documents import DOCUMENT
from sentiment_service.predictor.manifest import load_manifest
from sentiment_service.predictor.onnx_model import Encoded, OnnxModel
from sentiment_service.predictor.reading import TextPlan, plan_texts

# Told about every inference call: texts in it, padded token slots, seconds it took.
CallObserver = Callable[[int, int, float], None]
SERVICE_BUDGET = CallBudget()


class ScoringCore:
    def __init__(self, model: OnnxModel, budget: CallBudget = SERVICE_BUDGET):
        self.model = model
        self.budget = budget

    @classmethod
    def open(cls, model_dir: Path, *, budget: CallBudget = SERVICE_BUDGET, intra_op_threads: int = 1,
             mem_pattern: bool = True) -> "ScoringCore":
        """Verify the model directory against its manifest and load it; raises ModelLoadError."""
        return cls(OnnxModel(load_manifest(model_dir), intra_op_threads, mem_pattern=mem_pattern), budget)

    @property
    def info(self) -> ModelInfo:
        return self.model.info

    def encode(self, texts: list[str]) -> list[Encoded]:
        """Tokenize; raises InvalidText with the index of a text the tokenizer cannot take."""
        return self.model.encode(texts)

    def plan(self, texts: list[str], long_text: str = DOCUMENT, sentences: bool = False) -> list[TextPlan]:
        """How each text is read (its inputs); raises InvalidText with the index of a text the tokenizer cannot take."""
        return plan_texts(self.model, texts, long_text, sentences)

    def score(self, texts: list[str], *, long_text: str = DOCUMENT, sentences: bool = False) -> list[Prediction]:
        """Predictions for texts, in order; raises InvalidText."""
        return self.score_plans(self.plan(texts, long_text, sentences))

    def score_plans(self, plans: list[TextPlan], on_call: CallObserver | None = None) -> list[Prediction]:
        """Predictions for planned texts, in order: every input of every text in calls of similar length."""
        inputs = [ids for plan in plans for ids in plan.inputs]
        rows = np.zeros((len(inputs), len(self.info.labels)))
        for chunk, probabilities in self._calls(inputs, on_call):
            rows[chunk] = probabilities
        predictions, offset = [], 0
        for plan in plans:
            count = len(plan.inputs)
            predictions.append(plan.prediction(self.info, rows[offset : offset + count]))
            offset += count
        return predictions

    def logits(self, ids: list[list[int]]) -> np.ndarray:
        """Raw logits (float64, one row per text, in order), split into calls as score() splits them."""
        out = np.zeros((len(ids), len(self.info.labels)))
        for chunk in self.calls_of(ids):
            out[chunk] = self.model.logits([ids[i] for i in chunk])
        return out

    def probabilities_in_one_call(self, ids: list[list[int]]) -> np.ndarray:
        """Calibrated probabilities of exactly these texts in one inference call (to test batch invariance)."""
        return self.model.probabilities(ids)

    def calls_of(self, ids: list[list[int]]) -> list[list[int]]:
        """How these tokenized texts are split into inference calls: lists of indices, one list per call."""
        return chunk_by_budget([len(i) for i in ids], self.budget.max_texts, self.budget.max_tokens)

    def _calls(self, ids: list[list[int]], on_call: CallObserver | None):
        for chunk in self.calls_of(ids):
            started = time.perf_counter()
            probabilities = self.model.probabilities([ids[i] for i in chunk])
            if on_call is not None:
                on_call(len(chunk), len(chunk) * max(len(ids[i]) for i in chunk), time.perf_counter() - started)
            yield chunk, probabilities

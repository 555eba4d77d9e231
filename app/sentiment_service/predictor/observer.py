"""Hooks through which the predictor reports what it does, so metrics live outside the core."""

from typing import Protocol

from sentiment_service.predictor.contract import ModelInfo, Prediction


class InferenceObserver(Protocol):
    def model_loaded(self, info: ModelInfo) -> None:
        """The model is loaded, verified and warmed up."""

    def tokenized(self, seconds: float) -> None:
        """One request's texts were tokenized (in the request's own thread), in this many seconds."""

    def backlog(self, predicted_wait_s: float) -> None:
        """The predicted wait of a job admitted now changed (a job was admitted or finished)."""

    def refused(self, reason: str, predicted_wait_s: float) -> None:
        """Admission control refused a job: deadline, threads or queue_texts."""

    def queued(self, wait_s: float) -> None:
        """A job left the queue after waiting wait_s seconds."""

    def batch_scored(self, texts: int, inference_s: float) -> None:
        """One inference call ran over `texts` texts in `inference_s` seconds."""

    def answered(self, lane: str, predicted_s: float, actual_s: float, calls_waited: int) -> None:
        """A job of `lane` was answered actual_s after its admission, which predicted predicted_s; meanwhile
        calls_waited inference calls for other jobs ran."""

    def cache_lookup(self, hits: int, misses: int) -> None:
        """The exact-text cache answered `hits` texts and passed `misses` on to the model."""

    def predicted(self, predictions: list[Prediction]) -> None:
        """One predict() call answered with these predictions."""


class NullObserver:
    def model_loaded(self, info: ModelInfo) -> None:
        pass

    def tokenized(self, seconds: float) -> None:
        pass

    def backlog(self, predicted_wait_s: float) -> None:
        pass

    def refused(self, reason: str, predicted_wait_s: float) -> None:
        pass

    def queued(self, wait_s: float) -> None:
        pass

    def batch_scored(self, texts: int, inference_s: float) -> None:
        pass

    def answered(self, lane: str, predicted_s: float, actual_s: float, calls_waited: int) -> None:
        pass

    def cache_lookup(self, hits: int, misses: int) -> None:
        pass

    def predicted(self, predictions: list[Prediction]) -> None:
        pass

"""Hooks through which the predictor reports what it does, so metrics live outside the core."""

from typing import Protocol


class InferenceObserver(Protocol):
    def queued(self, wait_s: float) -> None:
        """A job left the queue after waiting wait_s seconds."""

    def batch_scored(self, texts: int, tokens: int, tokenize_s: float, inference_s: float) -> None:
        """One inference call ran over `texts` texts padded to `tokens` token slots in all."""

    def cache_lookup(self, hits: int, misses: int) -> None:
        """The exact-text cache answered `hits` texts and passed `misses` on to the model."""


class NullObserver:
    def queued(self, wait_s: float) -> None:
        pass

    def batch_scored(self, texts: int, tokens: int, tokenize_s: float, inference_s: float) -> None:
        pass

    def cache_lookup(self, hits: int, misses: int) -> None:
        pass

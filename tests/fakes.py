"""A fake predictor for HTTP unit tests: instant, deterministic, and able to fail on demand."""

from sentiment_service.predictor.contract import ModelInfo, Prediction

INFO = ModelInfo("fake-model", "9.9.9", ("negative", "positive"), 32)


class FakePredictor:
    def __init__(self, fail_with: Exception | None = None, load_error: Exception | None = None):
        self.info = INFO
        self.fail_with = fail_with
        self.load_error = load_error
        self.calls: list[list[str]] = []
        self._ready = False

    def load(self) -> None:
        if self.load_error:
            raise self.load_error
        self._ready = True

    @property
    def ready(self) -> bool:
        return self._ready

    def predict(self, texts: list[str]) -> list[Prediction]:
        self.calls.append(list(texts))
        if self.fail_with:
            raise self.fail_with
        return [self._one(t) for t in texts]

    def close(self) -> None:
        self._ready = False

    @staticmethod
    def _one(text: str) -> Prediction:
        positive = 0.9 if "good" in text.lower() else 0.2
        label = "positive" if positive > 0.5 else "negative"
        return Prediction(label, max(positive, 1 - positive), {"negative": 1 - positive, "positive": positive},
                          truncated=len(text) > 100)

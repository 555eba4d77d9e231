"""A fake predictor for HTTP unit tests: instant, deterministic, three labels as the product has, and able to fail
on demand."""

from dataclasses import replace

from sentiment_service.predictor.contract import ModelInfo, Overloaded, Prediction, SentenceScore
from sentiment_service.predictor.segmenter import sentence_spans
from sentiment_service.predictor.sentences import mixed

INFO = ModelInfo("fake-model", "9.9.9", ("negative", "neutral", "positive"), 32)


def word_scores(text: str) -> Prediction:
    """negative / neutral / positive driven by the words "good" and "bad": "good" alone is positive 5/7."""
    lowered = text.lower()
    raw = {"negative": 1 + 4 * lowered.count("bad"), "neutral": 1.0, "positive": 1 + 4 * lowered.count("good")}
    total = sum(raw.values())
    scores = {label: value / total for label, value in raw.items()}
    label = max(scores, key=scores.get)
    return Prediction(label, scores[label], scores, truncated=False)


class FakePredictor:
    def __init__(self, fail_with: Exception | None = None, load_error: Exception | None = None,
                 answer: Prediction | None = None, refuse_bodies_over: int | None = None):
        self.info = INFO
        # refuse_early() refuses bodies larger than this, as a saturated worker would.
        self.refuse_bodies_over = refuse_bodies_over
        self.early_checks: list[int] = []
        self.fail_with = fail_with
        self.load_error = load_error
        self.answer = answer
        self.calls: list[list[str]] = []
        self.readings: list[tuple[str, bool]] = []  # (long_text, sentences) of each call
        self._ready = False

    def load(self) -> None:
        if self.load_error:
            raise self.load_error
        self._ready = True

    @property
    def ready(self) -> bool:
        return self._ready

    def predict(self, texts: list[str], *, long_text: str = "document", sentences: bool = False) -> list[Prediction]:
        self.calls.append(list(texts))
        self.readings.append((long_text, sentences))
        if self.fail_with:
            raise self.fail_with
        predictions = [self.answer or word_scores(t) for t in texts]
        if not sentences:
            return predictions
        # The real segmenter (a pure function), each sentence scored by its words as the fake scores a text.
        scored = [[SentenceScore(s.start, s.end, word_scores(t[s.start:s.end])) for s in sentence_spans(t)] for t in texts]
        return [replace(p, sentences=tuple(s), mixed=mixed(INFO, s)) for p, s in zip(predictions, scored)]

    def refuse_early(self, body_bytes: int, max_text_chars: int) -> None:
        self.early_checks.append(body_bytes)
        if self.refuse_bodies_over is not None and body_bytes > self.refuse_bodies_over:
            raise Overloaded("busy", retry_after_s=3, reason="deadline")

    def close(self) -> None:
        self._ready = False

"""The predictor the service serves: a scoring core behind a micro-batcher, admission control and an optional cache.

It implements the predictor contract (contract.py) for one model directory; the composition root builds one
per model.
"""

from pathlib import Path

from sentiment_service.predictor.admission import WaitingRequests, minimum_windows
from sentiment_service.predictor.cache import PredictionCache
from sentiment_service.predictor.contract import ModelInfo, NotReady, Prediction
from sentiment_service.predictor.documents import DOCUMENT
from sentiment_service.predictor.limits import ServingLimits
from sentiment_service.predictor.manifest import peek_model_info
from sentiment_service.predictor.micro_batcher import MicroBatcher
from sentiment_service.predictor.observer import InferenceObserver, NullObserver
from sentiment_service.predictor.scoring_core import ScoringCore

WARM_UP_TEXTS = ["warm-up", "a slightly longer warm-up sentence, so that a second shape is seen too."]


class ServingPredictor:
    def __init__(self, model_dir: Path, limits: ServingLimits | None = None, *, intra_op_threads: int = 1,
                 cache_size: int = 0, observer: InferenceObserver | None = None,
                 worker_waiting: WaitingRequests | None = None):
        """`worker_waiting`: shared by every model's predictor in the worker, so together they keep its thread
        reserve (admission.py)."""
        self.model_dir = model_dir
        self._worker_waiting = worker_waiting
        self.limits = limits or ServingLimits()
        self._intra_op_threads = intra_op_threads
        self._observer = observer or NullObserver()
        self._cache = PredictionCache(cache_size) if cache_size else None
        self._batcher: MicroBatcher | None = None
        # Known before load(), so /version can answer while the model loads.
        self.info: ModelInfo = peek_model_info(model_dir)

    def load(self) -> None:
        """Verify the manifest, open the model, run a warm-up, start the batcher; raises ModelLoadError.

        Loading a loaded predictor does nothing: it keeps its one batcher thread.
        """
        if self._batcher is not None:
            return
        core = ScoringCore.open(self.model_dir, budget=self.limits.call_budget, intra_op_threads=self._intra_op_threads)
        self.info = core.info
        core.score(WARM_UP_TEXTS)
        self._batcher = MicroBatcher(core, self.limits, self._observer, self._worker_waiting)
        self._batcher.start()
        self._observer.model_loaded(self.info)

    @property
    def ready(self) -> bool:
        return self._batcher is not None and not self._batcher.closed

    def predict(self, texts: list[str], *, long_text: str = DOCUMENT, sentences: bool = False) -> list[Prediction]:
        predictions = self._predict(texts, long_text, sentences)
        self._observer.predicted(predictions)
        return predictions

    def _predict(self, texts: list[str], long_text: str, sentences: bool) -> list[Prediction]:
        if not self.ready:
            raise NotReady("model is not loaded")
        if self._cache is None:
            return self._batcher.submit(texts, long_text, sentences)
        # The same text read another way is another answer (its first window, or with its sentences).
        keys = [(t, long_text, sentences) for t in texts]
        found = [self._cache.get(k) for k in keys]
        missing = [i for i, p in enumerate(found) if p is None]
        self._observer.cache_lookup(len(texts) - len(missing), len(missing))
        if missing:
            for i, prediction in zip(missing, self._batcher.submit([texts[i] for i in missing], long_text, sentences)):
                found[i] = prediction
                self._cache.put(keys[i], prediction)
        return found

    def refuse_early(self, body_bytes: int, max_text_chars: int) -> None:
        """Raise Overloaded if even the cheapest request a body of this size can hold would be refused now, so
        that it is refused before a byte of it is read (admission.minimum_windows)."""
        if not self.ready:
            return
        windows = minimum_windows(body_bytes, self.info.max_length, max_text_chars)
        if windows:
            self._batcher.refuse_if_overloaded(self._batcher.costs.predict_s(windows), len(windows), offered=False)

    def close(self) -> None:
        if self._batcher is not None:
            self._batcher.close()

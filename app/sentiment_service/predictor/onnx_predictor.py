"""The real predictor: a verified model directory, a micro-batcher in front of it, an optional cache."""

from pathlib import Path

from sentiment_service.predictor.batcher import MicroBatcher
from sentiment_service.predictor.cache import PredictionCache
from sentiment_service.predictor.contract import ModelInfo, NotReady, Prediction
from sentiment_service.predictor.engine import SentimentModel
from sentiment_service.predictor.limits import BatchLimits
from sentiment_service.predictor.manifest import load_manifest, peek_model_info
from sentiment_service.predictor.observer import InferenceObserver, NullObserver

WARM_UP_TEXTS = ["warm-up", "a slightly longer warm-up sentence, so that a second shape is seen too."]


class OnnxPredictor:
    def __init__(self, model_dir: Path, limits: BatchLimits | None = None, *, intra_op_threads: int = 1,
                 cache_size: int = 0, observer: InferenceObserver | None = None, mem_pattern: bool = True):
        self.model_dir = model_dir
        self.limits = limits or BatchLimits()
        self._intra_op_threads = intra_op_threads
        self._mem_pattern = mem_pattern  # see engine.session_options
        self._observer = observer or NullObserver()
        self._cache = PredictionCache(cache_size) if cache_size else None
        self._batcher: MicroBatcher | None = None
        self._ready = False
        # Known before load(), so /version can answer while the model loads.
        self.info: ModelInfo = peek_model_info(model_dir)

    def load(self) -> None:
        """Verify the manifest, open the model, start the batcher, run a warm-up; raises ModelLoadError."""
        manifest = load_manifest(self.model_dir)
        model = SentimentModel(manifest, self._intra_op_threads, mem_pattern=self._mem_pattern)
        self.info = manifest.info
        model.predict(model.encode(WARM_UP_TEXTS))
        self._batcher = MicroBatcher(model, self.limits, self._observer)
        self._batcher.start()
        self._ready = True
        self._observer.model_loaded(self.info)

    @property
    def ready(self) -> bool:
        return self._ready

    def predict(self, texts: list[str]) -> list[Prediction]:
        predictions = self._predict(texts)
        self._observer.predicted(predictions)
        return predictions

    def _predict(self, texts: list[str]) -> list[Prediction]:
        if not self._ready or self._batcher is None:
            raise NotReady("model is not loaded")
        if self._cache is None:
            return self._batcher.submit(texts)
        found = [self._cache.get(t) for t in texts]
        missing = [i for i, p in enumerate(found) if p is None]
        self._observer.cache_lookup(len(texts) - len(missing), len(missing))
        if missing:
            for i, prediction in zip(missing, self._batcher.submit([texts[i] for i in missing])):
                found[i] = prediction
                self._cache.put(texts[i], prediction)
        return found

    def close(self) -> None:
        self._ready = False
        if self._batcher is not None:
            self._batcher.close()


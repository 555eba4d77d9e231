"""The real predictor: a verified model directory, a micro-batcher in front of it, an optional cache."""

from pathlib import Path

from app.predictor.batcher import MicroBatcher
from app.predictor.cache import PredictionCache
from app.predictor.contract import ModelInfo, NotReady, Prediction
from app.predictor.engine import SentimentModel
from app.predictor.manifest import load_manifest, peek_model_info
from app.predictor.observer import InferenceObserver, NullObserver

WARM_UP_TEXTS = ["warm-up", "a slightly longer warm-up sentence, so that a second shape is seen too."]


class OnnxPredictor:
    def __init__(self, model_dir: Path, *, intra_op_threads: int = 1, batch_max_texts: int = 64,
                 batch_max_tokens: int = 2048, batch_wait_s: float = 0.0, max_queued_texts: int = 1024,
                 deadline_s: float = 10.0, cache_size: int = 0, observer: InferenceObserver | None = None):
        self.model_dir = model_dir
        self._options = dict(max_texts=batch_max_texts, max_tokens=batch_max_tokens, wait_s=batch_wait_s,
                             max_queued_texts=max_queued_texts, deadline_s=deadline_s)
        self._intra_op_threads = intra_op_threads
        self._observer = observer or NullObserver()
        self._cache = PredictionCache(cache_size) if cache_size else None
        self._batcher: MicroBatcher | None = None
        self._ready = False
        # Known before load(), so /version can answer while the model loads.
        self.info: ModelInfo = peek_model_info(model_dir)

    def load(self) -> None:
        """Verify the manifest, open the model, start the batcher, run a warm-up; raises ModelLoadError."""
        manifest = load_manifest(self.model_dir)
        model = SentimentModel(manifest, self._intra_op_threads)
        self.info = manifest.info
        model.probabilities([e.ids for e in model.encode(WARM_UP_TEXTS)])
        self._batcher = MicroBatcher(model, observer=self._observer, **self._options)
        self._batcher.start()
        self._ready = True

    @property
    def ready(self) -> bool:
        return self._ready

    def predict(self, texts: list[str]) -> list[Prediction]:
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


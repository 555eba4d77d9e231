"""A bounded least-recently-used cache of predictions, keyed by exact text and how it was read."""

import threading
from collections import OrderedDict
from collections.abc import Hashable

from sentiment_service.predictor.contract import Prediction


class PredictionCache:
    def __init__(self, max_entries: int):
        self.max_entries = max_entries
        self._entries: OrderedDict[Hashable, Prediction] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> Prediction | None:
        with self._lock:
            found = self._entries.get(key)
            if found is not None:
                self._entries.move_to_end(key)
            return found

    def put(self, key: Hashable, prediction: Prediction) -> None:
        with self._lock:
            self._entries[key] = prediction
            self._entries.move_to_end(key)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)

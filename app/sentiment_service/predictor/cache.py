"""A bounded least-recently-used cache of predictions, keyed by exact text."""

import threading
from collections import OrderedDict

from sentiment_service.predictor.contract import Prediction


class PredictionCache:
    def __init__(self, max_entries: int):
        self.max_entries = max_entries
        self._entries: OrderedDict[str, Prediction] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, text: str) -> Prediction | None:
        with self._lock:
            found = self._entries.get(text)
            if found is not None:
                self._entries.move_to_end(text)
            return found

    def put(self, text: str, prediction: Prediction) -> None:
        with self._lock:
            self._entries[text] = prediction
            self._entries.move_to_end(text)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)

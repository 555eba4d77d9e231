"""Three labels and polarity in responses, and RESPONSE_LABELS=binary for clients that expect two."""

import pytest

from sentiment_service.http.factory import create_app
from sentiment_service.predictor.contract import Prediction
from sentiment_service.settings import Settings
from tests.fakes import FakePredictor

NEUTRAL = Prediction("neutral", 0.6, {"negative": 0.1, "neutral": 0.6, "positive": 0.3}, False)


def client_for(tiny_model_dir, **settings):
    return create_app(Settings(model_dir=tiny_model_dir, **settings), FakePredictor(answer=NEUTRAL)).test_client()


def test_three_labels_and_polarity_by_default(tiny_model_dir):
    body = client_for(tiny_model_dir).post("/predict", json={"text": "The meeting is at 3 pm."}).get_json()
    assert body["label"] == "neutral" and set(body["scores"]) == {"negative", "neutral", "positive"}
    assert body["polarity"] == pytest.approx(0.2)


def test_binary_response_labels_keep_the_two_label_shape(tiny_model_dir):
    client = client_for(tiny_model_dir, response_labels="binary")
    body = client.post("/predict", json={"text": "The meeting is at 3 pm."}).get_json()
    assert body["label"] == "positive" and set(body["scores"]) == {"negative", "positive"}
    assert body["score"] == pytest.approx(0.75) and body["polarity"] == pytest.approx(0.5)
    batch = client.post("/batch-predict", json={"texts": ["a", "b"]}).get_json()["predictions"]
    assert all(set(p["scores"]) == {"negative", "positive"} for p in batch)

"""Three labels and polarity in responses, and RESPONSE_LABELS=binary for clients that expect two."""

from dataclasses import replace

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


STARS = ("1 star", "2 stars", "3 stars", "4 stars", "5 stars")
FOUR_STARS = Prediction("4 stars", 0.6, {"1 star": 0.0, "2 stars": 0.1, "3 stars": 0.1, "4 stars": 0.6, "5 stars": 0.2}, False)


def star_client(tiny_model_dir, weights=()):
    predictor = FakePredictor(answer=FOUR_STARS)
    predictor.info = replace(predictor.info, labels=STARS, polarity_weights=weights)
    return create_app(Settings(model_dir=tiny_model_dir), predictor).test_client()


def test_polarity_comes_from_the_manifests_weights_where_it_gives_them(tiny_model_dir):
    weights = tuple(zip(STARS, (-1.0, -0.5, 0.0, 0.5, 1.0)))
    body = star_client(tiny_model_dir, weights).post("/predict", json={"text": "decent"}).get_json()
    assert body["polarity"] == pytest.approx(-0.05 + 0.3 + 0.2)


def test_a_label_set_without_polarity_answers_none(tiny_model_dir):
    body = star_client(tiny_model_dir).post("/predict", json={"text": "decent"}).get_json()
    assert "polarity" not in body and body["label"] == "4 stars"

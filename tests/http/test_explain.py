"""POST /explain against the fake predictor: shape, limits, OpenAPI, API keys."""

import json

import pytest
from pydantic import SecretStr

from sentiment_service.http.factory import create_app
from sentiment_service.http.schemas import ErrorResponse, ExplainResponse
from sentiment_service.settings import Settings
from tests.fakes import FakePredictor


def post(client, body, **headers):
    return client.post("/explain", data=json.dumps(body), content_type="application/json", headers=headers)


@pytest.fixture
def settings(tiny_model_dir):
    return Settings(model_dir=tiny_model_dir, max_text_chars=400, explain_max_words=60)


def test_explain_returns_the_prediction_and_every_word(client, fake_predictor):
    response = post(client, {"text": "Ça, c'est good: good!"})
    assert response.status_code == 200
    body = ExplainResponse.model_validate(response.get_json())
    assert body.label == "positive" and body.model.name == "fake-model"
    text = "Ça, c'est good: good!"
    assert [(w.word, text[w.start:w.end]) for w in body.words] == [("Ça", "Ça"), ("c'est", "c'est"), ("good", "good"),
                                                                   ("good", "good")]
    assert all(set(w.contributions) == {"negative", "neutral", "positive"} for w in body.words)
    # Each occurrence counts (tests/fakes.py): without one of the two, p(positive) drops from 9/11 to 5/7.
    assert body.words[2].contributions["positive"] == pytest.approx(9 / 11 - 5 / 7)
    assert body.words[2].contributions == body.words[3].contributions
    assert len(fake_predictor.calls) == 1 and len(fake_predictor.calls[0]) == 5


def test_a_decisive_word_has_the_sign_of_its_push(client):
    words = post(client, {"text": "a good film"}).get_json()["words"]
    assert words[1]["word"] == "good"
    # p(positive) is 5/7 with "good" and 1/3 without it (tests/fakes.py).
    assert words[1]["contributions"]["positive"] == pytest.approx(5 / 7 - 1 / 3)
    assert words[1]["contributions"]["negative"] == pytest.approx(1 / 7 - 1 / 3)


@pytest.mark.parametrize("count", [2, 60])
def test_two_and_sixty_words(client, count):
    text = " ".join(["good", "film"] * (count // 2))
    response = post(client, {"text": text})
    assert response.status_code == 200
    assert len(response.get_json()["words"]) == count


def test_past_the_word_limit_is_413_and_nothing_is_scored(client, fake_predictor):
    response = post(client, {"text": "word " * 61})
    assert response.status_code == 413
    error = ErrorResponse.model_validate(response.get_json()).error
    assert error.code == "too_many_words" and error.limit == 60
    assert "61 words" in error.message
    assert fake_predictor.calls == []


@pytest.mark.parametrize("body, status, code", [
    ({}, 422, "invalid_request"),
    ({"text": " "}, 422, "empty_text"),
    ({"texts": ["a"]}, 422, "invalid_request"),
    ({"text": "x" * 401}, 413, "text_too_long"),
])
def test_bad_bodies(client, body, status, code):
    response = post(client, body)
    assert response.status_code == status and response.get_json()["error"]["code"] == code


def test_openapi_documents_explain_with_its_limits(client):
    document = client.get("/openapi.json").get_json()
    operation = document["paths"]["/explain"]["post"]
    assert operation["requestBody"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/ExplainRequest"}
    assert {"200", "401", "413", "429"} <= set(operation["responses"])
    assert "too_many_words" in operation["responses"]["413"]["description"]
    text = document["components"]["schemas"]["ExplainRequest"]["properties"]["text"]
    assert text["maxLength"] == 400 and text["x-max-words"] == 60
    words = document["components"]["schemas"]["ExplainResponse"]["properties"]["words"]
    assert words["items"] == {"$ref": "#/components/schemas/WordOut"}


def test_explain_needs_a_key_when_keys_are_on(tiny_model_dir):
    settings = Settings(model_dir=tiny_model_dir, api_keys=[SecretStr("k")])
    client = create_app(settings, FakePredictor()).test_client()
    assert post(client, {"text": "good"}).status_code == 401
    assert post(client, {"text": "good"}, Authorization="Bearer k").status_code == 200


def test_request_metrics_count_explain(client):
    post(client, {"text": "good"})
    assert 'sentiment_http_requests_total{endpoint="/explain",method="POST",status="200"}' in client.get("/metrics").get_data(as_text=True)

"""The HTTP API against a fake predictor: every endpoint, every error status, the one error shape."""

import json

import pytest
from prometheus_client import REGISTRY

from sentiment_service.http.factory import create_app
from sentiment_service.http.schemas import BatchPredictResponse, ErrorResponse, PredictionOut, VersionResponse
from sentiment_service.predictor.contract import DeadlineExceeded, NotReady, Overloaded, Prediction
from tests.fakes import FakePredictor


def post(client, path, body, **kwargs):
    return client.post(path, data=json.dumps(body), content_type="application/json", **kwargs)


def assert_error(response, status, code):
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.is_json
    ErrorResponse.model_validate(response.get_json())
    assert response.get_json()["error"]["code"] == code


def test_predict_returns_label_scores_and_model(client):
    response = post(client, "/predict", {"text": "a good film"})
    assert response.status_code == 200
    body = PredictionOut.model_validate(response.get_json())
    assert body.label == "positive" and body.score == pytest.approx(5 / 7)
    assert body.scores == pytest.approx({"negative": 1 / 7, "neutral": 1 / 7, "positive": 5 / 7})
    assert body.model.name == "fake-model" and body.model.version == "9.9.9"
    assert body.truncated is False


def test_batch_predict_scores_in_order_as_one_call(client, fake_predictor):
    texts = ["good", "bad", "good again"]
    response = post(client, "/batch-predict", {"texts": texts})
    assert response.status_code == 200
    body = BatchPredictResponse.model_validate(response.get_json())
    assert [p.label for p in body.predictions] == ["positive", "negative", "positive"]
    assert fake_predictor.calls == [texts]


def test_health_version_openapi(client):
    assert client.get("/health").get_json() == {"status": "ok"}
    version = VersionResponse.model_validate(client.get("/version").get_json())
    assert version.model.version == "9.9.9"
    document = client.get("/openapi.json").get_json()
    assert {"/predict", "/batch-predict", "/health", "/ready", "/version", "/metrics"} <= set(document["paths"])


def test_ready_is_503_until_loaded_then_200(settings):
    predictor = FakePredictor()
    app = create_app(settings, predictor)
    assert app.test_client().get("/ready").status_code == 200
    predictor._ready = False
    assert_error(app.test_client().get("/ready"), 503, "not_ready")


def test_ready_reports_a_failed_load(settings):
    app = create_app(settings, FakePredictor(load_error=NotReady("broken weights")))
    response = app.test_client().get("/ready")
    assert_error(response, 503, "model_load_failed")
    assert "broken weights" in response.get_json()["error"]["message"]


@pytest.mark.parametrize("body, status, code", [
    ({}, 422, "invalid_request"),
    ({"text": 5}, 422, "invalid_request"),
    ({"text": None}, 422, "invalid_request"),
    ({"text": ["a"]}, 422, "invalid_request"),
    ({"text": ""}, 422, "empty_text"),
    ({"text": " \n\t "}, 422, "empty_text"),
    ({"text": "ok", "extra": 1}, 422, "invalid_request"),
    ({"text": "\ud800"}, 422, "invalid_text"),
    ({"text": "x" * 201}, 413, "text_too_long"),
    ([], 422, "invalid_request"),
    ("text", 422, "invalid_request"),
])
def test_predict_rejects_bad_bodies(client, body, status, code):
    assert_error(post(client, "/predict", body), status, code)


@pytest.mark.parametrize("body, status, code, index", [
    ({"texts": []}, 422, "invalid_request", None),
    ({"texts": "good"}, 422, "invalid_request", None),
    ({"texts": ["good", 3]}, 422, "invalid_request", 1),
    ({"texts": ["good", "", "good"]}, 422, "empty_text", 1),
    ({"texts": ["good", "x" * 201]}, 413, "text_too_long", 1),
    ({"texts": ["good"] * 9}, 413, "batch_too_large", None),
])
def test_batch_rejects_bad_bodies_naming_the_index(client, body, status, code, index):
    response = post(client, "/batch-predict", body)
    assert_error(response, status, code)
    assert response.get_json()["error"].get("index") == index


def test_a_bad_batch_item_scores_nothing(client, fake_predictor):
    post(client, "/batch-predict", {"texts": ["good", ""]})
    assert fake_predictor.calls == []


@pytest.mark.parametrize("data, content_type, status, code", [
    (b"{not json", "application/json", 400, "malformed_json"),
    (b'{"text": "a", "text": "b"}', "application/json", 400, "malformed_json"),
    (b'{"text": NaN}', "application/json", 400, "malformed_json"),
    (b'{"text": "\xff\xfe"}', "application/json", 400, "malformed_json"),
    (b"[" * 100_000, "application/json", 413, "body_too_large"),
    (b"[" * 1500 + b"]" * 1500, "application/json", 400, "malformed_json"),
    (b'{"text": "good"}', "text/plain", 415, "unsupported_media_type"),
    (b'{"text": "good"}', None, 415, "unsupported_media_type"),
])
def test_malformed_requests(client, data, content_type, status, code):
    assert_error(client.post("/predict", data=data, content_type=content_type), status, code)


def test_unknown_path_and_wrong_method(client):
    assert_error(client.get("/nope"), 404, "not_found")
    assert_error(client.get("/predict"), 405, "method_not_allowed")
    assert "POST" in client.get("/predict").headers["Allow"]


@pytest.mark.parametrize("error, status, code", [
    (Overloaded("queue full", 1, "queue_texts"), 429, "overloaded"),
    (NotReady("loading"), 503, "not_ready"),
    (DeadlineExceeded("too slow"), 503, "deadline_exceeded"),
    (RuntimeError("boom"), 500, "internal_error"),
])
def test_predictor_errors_map_to_statuses(settings, error, status, code):
    app = create_app(settings, FakePredictor(fail_with=error))
    response = post(app.test_client(), "/predict", {"text": "good"})
    assert_error(response, status, code)
    if status in (429, 503):
        assert int(response.headers["Retry-After"]) >= 1


def test_request_id_is_echoed_or_generated(client):
    assert post(client, "/predict", {"text": "good"}, headers={"X-Request-ID": "abc-123"}).headers["X-Request-ID"] == "abc-123"
    generated = client.get("/health", headers={"X-Request-ID": "bad id; <script>"}).headers["X-Request-ID"]
    assert len(generated) == 32 and "<" not in generated


@pytest.mark.parametrize("truncated", [True, False])
def test_the_predictors_truncation_flag_reaches_the_response(settings, truncated):
    answer = Prediction("positive", 0.8, {"negative": 0.1, "neutral": 0.1, "positive": 0.8}, truncated)
    client = create_app(settings, FakePredictor(answer=answer)).test_client()
    assert post(client, "/predict", {"text": "fine"}).get_json()["truncated"] is truncated
    assert post(client, "/batch-predict", {"texts": ["fine"]}).get_json()["predictions"][0]["truncated"] is truncated


def test_hardening_headers(client):
    response = client.get("/health")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "Access-Control-Allow-Origin" not in client.get("/health", headers={"Origin": "https://evil.example"}).headers


def test_metrics_count_requests_and_labels(client):
    ok = {"endpoint": "/predict", "method": "POST", "status": "200"}
    before_ok = REGISTRY.get_sample_value("sentiment_http_requests_total", ok) or 0.0
    before_empty = REGISTRY.get_sample_value("sentiment_rejections_total", {"reason": "empty_text"}) or 0.0
    post(client, "/predict", {"text": "good"})
    post(client, "/predict", {"text": ""})
    assert REGISTRY.get_sample_value("sentiment_http_requests_total", ok) == before_ok + 1
    assert REGISTRY.get_sample_value("sentiment_rejections_total", {"reason": "empty_text"}) == before_empty + 1
    text = client.get("/metrics").get_data(as_text=True)
    assert 'sentiment_http_requests_total{endpoint="/predict",method="POST",status="200"}' in text

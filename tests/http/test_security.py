"""API keys (optional), CORS for explicit origins, and what never reaches the logs."""

import json
import logging

import pytest
from pydantic import SecretStr

from sentiment_service.http.factory import create_app
from sentiment_service.settings import Settings
from tests.fakes import FakePredictor


@pytest.fixture
def locked(tiny_model_dir):
    settings = Settings(model_dir=tiny_model_dir, api_keys=[SecretStr("old-key"), SecretStr("new-key")],
                        cors_origins=["https://app.example"])
    return create_app(settings, FakePredictor()).test_client()


def predict(client, **headers):
    return client.post("/predict", data=json.dumps({"text": "good"}), content_type="application/json", headers=headers)


def test_missing_or_wrong_key_is_401_with_challenge(locked):
    for headers in ({}, {"Authorization": "Bearer nope"}, {"X-API-Key": "old-ke"}):
        response = predict(locked, **headers)
        assert response.status_code == 401
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
        assert response.get_json()["error"]["code"] == "unauthorized"


def test_every_configured_key_works_so_keys_can_rotate(locked):
    assert predict(locked, Authorization="Bearer old-key").status_code == 200
    assert predict(locked, **{"X-API-Key": "new-key"}).status_code == 200


def test_probes_stay_open(locked):
    for path in ("/health", "/ready", "/metrics", "/version", "/openapi.json"):
        assert locked.get(path).status_code == 200, path


def test_metrics_can_require_a_key(tiny_model_dir):
    settings = Settings(model_dir=tiny_model_dir, api_keys=[SecretStr("k")], metrics_require_key=True)
    client = create_app(settings, FakePredictor()).test_client()
    assert client.get("/metrics").status_code == 401
    assert client.get("/metrics", headers={"X-API-Key": "k"}).status_code == 200


def test_cors_only_for_configured_origins(locked):
    allowed = locked.options("/predict", headers={"Origin": "https://app.example", "Access-Control-Request-Method": "POST"})
    assert allowed.headers["Access-Control-Allow-Origin"] == "https://app.example"
    other = locked.options("/predict", headers={"Origin": "https://evil.example"})
    assert "Access-Control-Allow-Origin" not in other.headers


def test_keys_and_texts_never_reach_the_logs(locked, caplog):
    with caplog.at_level(logging.INFO):
        predict(locked, Authorization="Bearer old-key")
        predict(locked, Authorization="Bearer guessed-wrong")
    logged = caplog.text + json.dumps([r.__dict__ for r in caplog.records], default=str)
    assert "old-key" not in logged and "guessed-wrong" not in logged
    assert '"good"' not in logged


def test_ready_turns_503_while_draining(tiny_model_dir):
    app = create_app(Settings(model_dir=tiny_model_dir), FakePredictor())
    app.state.drain()
    response = app.test_client().get("/ready")
    assert response.status_code == 503 and response.get_json()["error"]["code"] == "shutting_down"


def test_texts_are_logged_only_when_asked(tiny_model_dir, caplog):
    app = create_app(Settings(model_dir=tiny_model_dir, log_texts=True), FakePredictor())
    with caplog.at_level(logging.INFO):
        predict(app.test_client())
    assert any(getattr(r, "input_texts", None) == ["good"] for r in caplog.records)

"""Several models in one app: selection by name, the default, /models, /ready and /version over all of them, and
the errors, against fake predictors."""

import json
from dataclasses import replace

import pytest

from sentiment_service.http.factory import create_app
from sentiment_service.http.schemas import ErrorResponse, ModelsResponse, ReadyResponse, VersionResponse
from sentiment_service.predictor.contract import NotReady, Prediction
from sentiment_service.predictor.model_set import ModelSet
from tests.fakes import INFO, FakePredictor

STARS = replace(INFO, name="stars", version="1.0.0", labels=("1 star", "3 stars", "5 stars"), max_length=128,
                precision="fp32", polarity_weights=(("1 star", -1.0), ("3 stars", 0.0), ("5 stars", 1.0)))
FIVE_STARS = Prediction("5 stars", 0.8, {"1 star": 0.05, "3 stars": 0.15, "5 stars": 0.8}, truncated=False)


def stars_predictor(**kwargs) -> FakePredictor:
    predictor = FakePredictor(answer=FIVE_STARS, **kwargs)
    predictor.info = STARS
    return predictor


def post(client, path, body):
    return client.post(path, data=json.dumps(body), content_type="application/json")


@pytest.fixture
def predictors():
    return FakePredictor(), stars_predictor()


@pytest.fixture
def client(settings, predictors):
    return create_app(settings, ModelSet(list(predictors), default="fake-model")).test_client()


def test_a_request_without_a_model_is_answered_by_the_default(client, predictors):
    body = post(client, "/predict", {"text": "a good film"}).get_json()
    assert body["model"] == {"name": "fake-model", "version": "9.9.9"} and body["label"] == "positive"
    assert predictors[0].calls == [["a good film"]] and predictors[1].calls == []


@pytest.mark.parametrize("path, body", [
    ("/predict", {"text": "a good film", "model": "stars"}),
    ("/batch-predict", {"texts": ["a good film"], "model": "stars"}),
    ("/explain", {"text": "a good film", "model": "stars"}),
])
def test_each_scoring_endpoint_scores_with_the_model_it_names(client, predictors, path, body):
    response = post(client, path, body)
    assert response.status_code == 200, response.get_data(as_text=True)
    answer = response.get_json()["predictions"][0] if path == "/batch-predict" else response.get_json()
    assert answer["model"] == {"name": "stars", "version": "1.0.0"}
    assert answer["label"] == "5 stars" and answer["polarity"] == pytest.approx(0.75)
    assert predictors[0].calls == [] and predictors[1].calls


@pytest.mark.parametrize("path, body", [
    ("/predict", {"text": "a good film", "model": "nope"}),
    ("/batch-predict", {"texts": ["a good film"], "model": "nope"}),
    ("/explain", {"text": "a good film", "model": "nope"}),
])
def test_an_unknown_model_is_a_422_that_names_the_models_served(client, path, body):
    response = post(client, path, body)
    assert response.status_code == 422
    error = ErrorResponse.model_validate(response.get_json()).error
    assert error.code == "unknown_model" and "fake-model" in error.message and "stars" in error.message


@pytest.mark.parametrize("model", [5, None, ["stars"], {"name": "stars"}])
def test_a_model_that_is_not_a_string_is_an_invalid_request(client, model):
    response = post(client, "/predict", {"text": "a good film", "model": model})
    if model is None:  # JSON null: the same as leaving it out
        assert response.status_code == 200
    else:
        assert response.status_code == 422 and response.get_json()["error"]["code"] == "invalid_request"


def test_models_lists_each_model_with_its_labels_window_and_precision(client):
    listing = ModelsResponse.model_validate(client.get("/models").get_json())
    assert listing.default == "fake-model"
    fake, stars = listing.models
    assert (fake.name, fake.default, fake.ready, fake.polarity, fake.precision) == ("fake-model", True, True, True, None)
    assert (stars.name, stars.version, stars.labels, stars.max_length) == ("stars", "1.0.0", ["1 star", "3 stars", "5 stars"], 128)
    assert (stars.precision, stars.default, stars.multi_label, stars.polarity) == ("fp32", False, False, True)


def test_version_and_ready_name_every_model(client):
    version = VersionResponse.model_validate(client.get("/version").get_json())
    ready = ReadyResponse.model_validate(client.get("/ready").get_json())
    for answer in (version, ready):
        assert answer.model.name == "fake-model"
        assert [m.name for m in answer.models] == ["fake-model", "stars"]


def test_ready_waits_for_every_model_and_names_the_one_that_failed(settings):
    loading = stars_predictor()
    app = create_app(settings, ModelSet([FakePredictor(), loading], default="fake-model"))
    loading._ready = False
    assert app.test_client().get("/ready").get_json()["error"]["code"] == "not_ready"
    broken = stars_predictor(load_error=NotReady("broken weights"))
    response = create_app(settings, ModelSet([FakePredictor(), broken], default="stars")).test_client().get("/ready")
    error = response.get_json()["error"]
    assert response.status_code == 503 and error["code"] == "model_load_failed"
    assert "model stars: broken weights" in error["message"]


def test_one_model_answers_without_a_default_being_named(settings):
    client = create_app(settings, stars_predictor()).test_client()
    assert post(client, "/predict", {"text": "fine"}).get_json()["model"]["name"] == "stars"
    assert client.get("/models").get_json()["default"] == "stars"


def test_a_model_set_refuses_names_it_cannot_choose_between():
    with pytest.raises(ValueError, match="DEFAULT_MODEL"):
        ModelSet([FakePredictor(), stars_predictor()])
    with pytest.raises(ValueError, match="same name"):
        ModelSet([FakePredictor(), FakePredictor()], default="fake-model")
    with pytest.raises(ValueError, match="not among the models"):
        ModelSet([FakePredictor()], default="stars")


def test_openapi_lists_the_models_a_request_may_name(client):
    schemas = client.get("/openapi.json").get_json()["components"]["schemas"]
    for request in ("PredictRequest", "BatchPredictRequest", "ExplainRequest"):
        assert {"type": "string", "enum": ["fake-model", "stars"]} in schemas[request]["properties"]["model"]["anyOf"]

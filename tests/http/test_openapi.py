"""/openapi.json against the app: every path and method it serves, every status the catalogue gives each path."""

import json

import pytest

from sentiment_service.http.catalogue import ANY_PATH, CATALOGUE, SERVER_REFUSALS
from sentiment_service.http.factory import create_app
from sentiment_service.http.playground import PAGE_PATHS
from sentiment_service.http.security import OPEN_PATHS
from sentiment_service.predictor.contract import Overloaded
from tests.fakes import FakePredictor

# Flask adds both to every rule: HEAD is GET without the body, OPTIONS answers with Allow (and, for configured
# origins, the CORS preflight headers of http/security.py). Neither is an operation of its own.
AUTOMATIC_METHODS = {"HEAD", "OPTIONS"}


def served(app) -> dict[str, set[str]]:
    """Path -> methods, from Flask's url_map (the app has no static route: the playground serves its files)."""
    return {rule.rule: set(rule.methods) - AUTOMATIC_METHODS for rule in app.url_map.iter_rules()}


@pytest.fixture(params=[True, False], ids=["playground", "no-playground"])
def served_and_documented(request, settings):
    app = create_app(settings.model_copy(update={"playground": request.param}), FakePredictor())
    return served(app), app.test_client().get("/openapi.json").get_json()


def test_every_path_and_method_the_app_serves_is_documented(served_and_documented):
    rules, document = served_and_documented
    assert {path: {method.upper() for method in operations} for path, operations in document["paths"].items()} == rules


def test_every_status_the_catalogue_gives_a_path_is_documented_under_it(served_and_documented):
    _, document = served_and_documented
    for path, operations in document["paths"].items():
        codes = [kind for kind in CATALOGUE.values() if path in kind.paths or ANY_PATH in kind.paths]
        for operation in operations.values():
            responses = operation["responses"]
            assert set(responses) - {"200"} == {str(kind.status) for kind in codes} | {str(s) for s in SERVER_REFUSALS}
            for kind in codes:  # the catalogue's codes come in the JSON error shape
                assert responses[str(kind.status)]["content"]["application/json"]["schema"] == {
                    "$ref": "#/components/schemas/ErrorResponse"}
            for status in SERVER_REFUSALS:  # gunicorn's own refusals as its HTML page
                assert "text/html" in responses[str(status)]["content"]


def test_the_catalogue_names_only_paths_the_app_serves(app):
    named = {path for kind in CATALOGUE.values() for path in kind.paths} - {ANY_PATH}
    assert named <= set(served(app))


def test_unauthorized_is_listed_for_exactly_the_paths_that_can_need_a_key(app):
    # /metrics is among them: it needs a key with METRICS_REQUIRE_KEY.
    assert set(CATALOGUE["unauthorized"].paths) == set(served(app)) - OPEN_PATHS - PAGE_PATHS


@pytest.mark.parametrize("path, body, fail_with, field", [
    ("/batch-predict", {"texts": ["good", ""]}, None, "index"),
    ("/predict", {"text": "x" * 201}, None, "limit"),
    ("/predict", {"txt": "good"}, None, "problems"),
    ("/predict", {"text": "good"}, Overloaded("busy", 1, "threads"), "reason"),
])
def test_every_field_an_error_carries_is_in_the_error_schema(settings, path, body, fail_with, field):
    app = create_app(settings, FakePredictor(fail_with=fail_with))
    client = app.test_client()
    error = client.post(path, data=json.dumps(body), content_type="application/json").get_json()["error"]
    declared = client.get("/openapi.json").get_json()["components"]["schemas"]["ErrorDetail"]["properties"]
    assert field in error and set(error) <= set(declared)

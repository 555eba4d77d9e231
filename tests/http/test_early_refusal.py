"""A scoring request whose Content-Length alone shows it cannot be admitted is refused before its body is read."""

import io
import json

import pytest
from pydantic import SecretStr

from sentiment_service.http.factory import create_app
from sentiment_service.predictor.admission import MAX_BYTES_PER_CHAR, minimum_windows
from tests.fakes import FakePredictor


class UnreadableBody(io.BytesIO):
    """A request body that fails the test if anyone reads it."""

    def read(self, *args):
        raise AssertionError("the body was read")

    readline = read


@pytest.fixture
def busy():
    return FakePredictor(refuse_bodies_over=1000)


@pytest.fixture
def client(settings, busy):
    return create_app(settings.model_copy(update={"max_body_bytes": 100_000}), busy).test_client()


@pytest.mark.parametrize("path", ["/predict", "/batch-predict", "/explain"])
def test_a_body_too_big_to_admit_now_is_refused_unread_with_429(client, busy, path):
    response = client.post(path, input_stream=UnreadableBody(), environ_overrides={"CONTENT_LENGTH": "50000"},
                           content_type="application/json")
    assert response.status_code == 429
    error = response.get_json()["error"]
    assert error["code"] == "overloaded" and error["reason"] == "deadline" and response.headers["Retry-After"] == "3"
    assert busy.early_checks == [50_000] and busy.calls == []


def test_a_small_body_is_read_and_scored_as_usual(client, busy):
    body = json.dumps({"text": "good"})
    response = client.post("/predict", data=body, content_type="application/json")
    assert response.status_code == 200 and busy.calls == [["good"]]
    assert busy.early_checks == [len(body)]


def test_probes_and_other_paths_are_never_checked(client, busy):
    assert client.get("/ready").status_code == 200 and client.get("/health").status_code == 200
    assert busy.early_checks == []


def test_the_api_key_is_checked_before_the_load(settings, busy):
    keyed = create_app(settings.model_copy(update={"api_keys": [SecretStr("k")], "max_body_bytes": 100_000}), busy).test_client()
    response = keyed.post("/predict", input_stream=UnreadableBody(), environ_overrides={"CONTENT_LENGTH": "50000"},
                          content_type="application/json")
    assert response.status_code == 401 and busy.early_checks == []


def test_the_minimum_a_body_can_cost_assumes_escaped_text_and_first_windows_only():
    assert minimum_windows(200, max_length=256, max_text_chars=20_000) == []  # could be all syntax
    # 60 KB is at least 10,000 characters of text: one text at most 20,000 characters long, read as one window.
    assert minimum_windows(256 + 10_000 * MAX_BYTES_PER_CHAR, 256, 20_000) == [256]
    # With texts of at most 1,000 characters, the same body holds at least ten of them.
    assert minimum_windows(256 + 10_000 * MAX_BYTES_PER_CHAR, 256, 1_000) == [252] * 10

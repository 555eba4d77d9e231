"""Long texts over the wire and in bulk: real gunicorn and the score command, the shipped model, equal answers."""

import json

import pytest
import requests

from sentiment_service.settings import DEFAULT_MODEL_DIR
from tests.bulk.conftest import read_rows, run_command, write_rows
from tests.integration.gunicorn_process import gunicorn_service
from tests.long_texts import HOTEL, TEXTS


@pytest.fixture(scope="module")
def service(tmp_path_factory):
    with gunicorn_service(tmp_path_factory.mktemp("long-texts"), DEFAULT_MODEL_DIR, workers=1) as running:
        yield running


def predict(service, text, **reading):
    response = requests.post(f"{service.url}/predict", json={"text": text, **reading}, timeout=60)
    assert response.status_code == 200, response.text
    return response.json()


def test_a_long_review_is_read_to_its_verdict(service):
    whole, first = predict(service, HOTEL, sentences=True), predict(service, HOTEL, long_text="truncate")
    assert (whole["truncated"], first["truncated"]) == (False, True)
    assert whole["scores"]["negative"] > first["scores"]["negative"]
    assert whole["mixed"] is True
    last = whole["sentences"][-1]
    assert HOTEL[last["start"]:last["end"]] == "It was the worst stay of my life 😡" and last["label"] == "negative"
    assert all(HOTEL[s["start"]:s["end"]] == HOTEL[s["start"]:s["end"]].strip() for s in whole["sentences"])


def test_batch_answers_each_text_as_predict_does(service):
    batch = requests.post(f"{service.url}/batch-predict", json={"texts": TEXTS, "sentences": True}, timeout=120).json()
    assert batch["predictions"] == [predict(service, t, sentences=True) for t in TEXTS]


@pytest.mark.parametrize("long_text", ["document", "truncate"])
def test_the_score_command_answers_as_the_service(service, tmp_path, long_text):
    source = write_rows(tmp_path / "in.jsonl", [{"id": i, "text": t} for i, t in enumerate(TEXTS)])
    target = tmp_path / "out.jsonl"
    result = run_command("score", str(source), str(target), "--model-dir", str(DEFAULT_MODEL_DIR), "--workers", "1",
                         "--long-text", long_text, "--sentences", timeout=300)
    assert result.returncode == 0, result.stderr
    for row in read_rows(target):
        answer = predict(service, row["text"], long_text=long_text, sentences=True)
        assert (row["label"], row["score"], row["truncated"]) == (answer["label"], answer["score"], answer["truncated"])
        assert {label: row[f"p_{label}"] for label in answer["scores"]} == answer["scores"]
        assert json.loads(row["sentences"]) == answer["sentences"] and row["mixed"] == answer["mixed"]

"""long_text and sentences over HTTP: validated, passed to the predictor, answered with offsets and mixed."""

import pytest

from sentiment_service.http.factory import create_app
from sentiment_service.settings import Settings
from tests.fakes import FakePredictor

TEXT = "Good room, good view! 😀 The bad breakfast was bad.\nGood staff."


@pytest.fixture
def predictor():
    return FakePredictor()


def client_for(tiny_model_dir, predictor, **settings):
    return create_app(Settings(model_dir=tiny_model_dir, **settings), predictor).test_client()


def test_documents_by_default_and_truncate_on_request(tiny_model_dir, predictor):
    client = client_for(tiny_model_dir, predictor)
    client.post("/predict", json={"text": TEXT})
    client.post("/predict", json={"text": TEXT, "long_text": "truncate"})
    client.post("/batch-predict", json={"texts": [TEXT, "b"], "long_text": "document", "sentences": True})
    assert predictor.readings == [("document", False), ("truncate", False), ("document", True)]


def test_the_long_texts_setting_is_the_default_a_request_overrides(tiny_model_dir, predictor):
    client = client_for(tiny_model_dir, predictor, long_texts="truncate")
    client.post("/predict", json={"text": TEXT})
    client.post("/predict", json={"text": TEXT, "long_text": "document"})
    assert predictor.readings == [("truncate", False), ("document", False)]


@pytest.mark.parametrize("extra", [{"long_text": "summary"}, {"long_text": 1}, {"sentences": "yes"}, {"sentences": 1}])
def test_bad_reading_fields_are_a_422_naming_the_field(tiny_model_dir, predictor, extra):
    response = client_for(tiny_model_dir, predictor).post("/predict", json={"text": TEXT, **extra})
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["code"] == "invalid_request" and error["problems"][0]["field"] == next(iter(extra))
    assert predictor.calls == []


def test_sentences_slice_the_text_and_carry_label_scores_polarity(tiny_model_dir, predictor):
    body = client_for(tiny_model_dir, predictor).post("/predict", json={"text": TEXT, "sentences": True}).get_json()
    assert [TEXT[s["start"]:s["end"]] for s in body["sentences"]] == [
        "Good room, good view!", "😀 The bad breakfast was bad.", "Good staff."]
    first, second, _ = body["sentences"]
    assert (first["label"], second["label"]) == ("positive", "negative")
    assert first["polarity"] == pytest.approx(first["scores"]["positive"] - first["scores"]["negative"])
    assert set(first) == {"start", "end", "label", "scores", "polarity"}
    assert body["mixed"] is True


def test_without_sentences_there_are_no_sentence_fields(tiny_model_dir, predictor):
    body = client_for(tiny_model_dir, predictor).post("/predict", json={"text": TEXT}).get_json()
    assert "sentences" not in body and "mixed" not in body


def test_one_sided_text_is_not_mixed(tiny_model_dir, predictor):
    body = client_for(tiny_model_dir, predictor).post(
        "/batch-predict", json={"texts": ["Good. Good good.", "Fine."], "sentences": True}).get_json()
    assert [p["mixed"] for p in body["predictions"]] == [False, False]
    assert [len(p["sentences"]) for p in body["predictions"]] == [2, 1]


def test_binary_labels_apply_to_sentences_too(tiny_model_dir, predictor):
    client = client_for(tiny_model_dir, predictor, response_labels="binary")
    body = client.post("/predict", json={"text": TEXT, "sentences": True}).get_json()
    assert all(set(s["scores"]) == {"negative", "positive"} for s in body["sentences"])
    assert body["mixed"] is True


def test_explain_reads_texts_as_long_texts_says(tiny_model_dir, predictor):
    client_for(tiny_model_dir, predictor, long_texts="truncate").post("/explain", json={"text": "a good film"})
    assert predictor.readings == [("truncate", False)]

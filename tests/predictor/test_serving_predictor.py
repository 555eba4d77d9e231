"""The serving predictor over the tiny ONNX model: loading, readiness, the cache, the manifest's temperature."""

import json
import shutil

import pytest

from sentiment_service.predictor.contract import NotReady
from sentiment_service.predictor.serving_predictor import ServingPredictor
from tests.tiny_model import build_tiny_model


def test_models_with_token_type_ids_work(tmp_path):
    predictor = ServingPredictor(build_tiny_model(tmp_path, with_token_type_ids=True))
    predictor.load()
    assert predictor.predict(["loved it"])[0].label == "positive"
    predictor.close()


def test_predict_before_load_is_not_ready(tiny_model_dir):
    with pytest.raises(NotReady):
        ServingPredictor(tiny_model_dir).predict(["good"])


def test_loading_twice_keeps_one_batcher_thread(tiny_model_dir):
    import threading

    before = sum(t.name == "micro-batcher" for t in threading.enumerate())
    predictor = ServingPredictor(tiny_model_dir)
    predictor.load()
    predictor.load()
    try:
        assert sum(t.name == "micro-batcher" for t in threading.enumerate()) == before + 1
        assert predictor.predict(["good"])[0].label == "positive"
    finally:
        predictor.close()
    assert not predictor.ready


def test_cache_returns_identical_predictions(tiny_model_dir):
    predictor = ServingPredictor(tiny_model_dir, cache_size=2)
    predictor.load()
    first = predictor.predict(["good", "bad"])
    assert predictor.predict(["bad", "good"]) == first[::-1]
    predictor.close()


def test_the_cache_keeps_a_text_read_whole_apart_from_its_first_window_and_its_sentences(tiny_model_dir):
    predictor = ServingPredictor(tiny_model_dir, cache_size=8)
    predictor.load()
    long = "awful terrible film. " * 3 + "i loved it, great film. " * 10  # past the tiny model's 16 tokens
    try:
        [whole] = predictor.predict([long])
        [first] = predictor.predict([long], long_text="truncate")
        [with_sentences] = predictor.predict([long], sentences=True)
        assert (whole.truncated, first.truncated) == (False, True) and whole.label != first.label
        assert whole.sentences is None and len(with_sentences.sentences) == 13
        assert predictor.predict([long]) == [whole] and predictor.predict([long], long_text="truncate") == [first]
    finally:
        predictor.close()


def test_the_manifest_temperature_softens_probabilities(tiny_model_dir, tmp_path):
    hot = tmp_path / "tempered"
    shutil.copytree(tiny_model_dir, hot)
    manifest = json.loads((hot / "manifest.json").read_text())
    (hot / "manifest.json").write_text(json.dumps({**manifest, "temperature": 4.0}))
    plain, tempered = ServingPredictor(tiny_model_dir), ServingPredictor(hot)
    for predictor in (plain, tempered):
        predictor.load()
    try:
        [cold], [warm] = plain.predict(["I loved it"]), tempered.predict(["I loved it"])
        assert warm.label == cold.label and 0.5 < warm.score < cold.score
    finally:
        plain.close()
        tempered.close()

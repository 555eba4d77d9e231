"""The real predictor over the tiny ONNX model: tokenization, padding, softmax, truncation."""

import json
import shutil

import pytest

from sentiment_service.predictor.contract import NotReady
from sentiment_service.predictor.engine import SentimentModel
from sentiment_service.predictor.manifest import load_manifest
from sentiment_service.predictor.onnx_predictor import OnnxPredictor
from tests.tiny_model import build_tiny_model


def test_scores_are_probabilities_with_sane_labels(tiny_predictor):
    good, bad = tiny_predictor.predict(["I loved it", "terrible, a waste of money"])
    assert (good.label, bad.label) == ("positive", "negative")
    for p in (good, bad):
        assert sum(p.scores.values()) == pytest.approx(1.0)
        assert p.score == max(p.scores.values())


def test_batch_results_match_single_results(tiny_predictor):
    """Per-batch padding must not change any text's score."""
    texts = ["good", "the movie was very bad and boring", "i hate it", "great great great great film"]
    batch = tiny_predictor.predict(texts)
    for text, together in zip(texts, batch):
        assert tiny_predictor.predict([text])[0].scores == pytest.approx(together.scores, abs=1e-6)


def test_long_text_is_truncated_and_says_so(tiny_predictor):
    short, long = tiny_predictor.predict(["good movie", "good movie " * 50])
    assert short.truncated is False and long.truncated is True


def test_fixed_padding_in_tokenizer_json_is_switched_off(tiny_model_dir):
    model = SentimentModel(load_manifest(tiny_model_dir), 1)
    assert [len(e.ids) for e in model.encode(["good", "good film"])] == [3, 4]


def test_models_with_token_type_ids_work(tmp_path):
    predictor = OnnxPredictor(build_tiny_model(tmp_path, with_token_type_ids=True))
    predictor.load()
    assert predictor.predict(["loved it"])[0].label == "positive"
    predictor.close()


def test_predict_before_load_is_not_ready(tiny_model_dir):
    with pytest.raises(NotReady):
        OnnxPredictor(tiny_model_dir).predict(["good"])


def test_cache_returns_identical_predictions(tiny_model_dir):
    predictor = OnnxPredictor(tiny_model_dir, cache_size=2)
    predictor.load()
    first = predictor.predict(["good", "bad"])
    assert predictor.predict(["bad", "good"]) == first[::-1]
    predictor.close()


def test_the_manifest_temperature_softens_probabilities(tiny_model_dir, tmp_path):
    hot = tmp_path / "tempered"
    shutil.copytree(tiny_model_dir, hot)
    manifest = json.loads((hot / "manifest.json").read_text())
    (hot / "manifest.json").write_text(json.dumps({**manifest, "temperature": 4.0}))
    plain, tempered = OnnxPredictor(tiny_model_dir), OnnxPredictor(hot)
    for predictor in (plain, tempered):
        predictor.load()
    try:
        [cold], [warm] = plain.predict(["I loved it"]), tempered.predict(["I loved it"])
        assert warm.label == cold.label and 0.5 < warm.score < cold.score
    finally:
        plain.close()
        tempered.close()

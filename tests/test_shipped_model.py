"""The model that ships in the repository and the image: intact, loadable, and sane on obvious cases."""

import pytest

from sentiment_service.predictor.manifest import load_manifest
from sentiment_service.settings import DEFAULT_MODEL_DIR

OBVIOUS = [
    ("I loved it", "positive"),
    ("terrible, a waste of money", "negative"),
    ("Absolutely fantastic service, the staff were friendly and fast.", "positive"),
    ("The product broke after two days and support never answered.", "negative"),
    ("best purchase I've made all year :)", "positive"),
    ("worst movie ever, I want my two hours back", "negative"),
]


def test_manifest_hashes_match_the_files():
    manifest = load_manifest(DEFAULT_MODEL_DIR)  # raises if any hash differs
    assert manifest.info.name == "sentiment-minilm-l6"
    assert manifest.info.labels == ("negative", "positive")
    assert manifest.raw["base_model"]["license"] == "Apache-2.0"
    assert {"accuracy", "int8_fp32_agreement_sst2"} <= set(manifest.raw["metrics"])


@pytest.mark.parametrize("text, label", OBVIOUS)
def test_obvious_cases(shipped, text, label):
    prediction = shipped.predict([text])[0]
    assert prediction.label == label
    assert prediction.score > 0.8


def test_tokenizer_pads_per_batch_not_to_a_fixed_length(shipped):
    from sentiment_service.predictor.engine import SentimentModel

    model = SentimentModel(load_manifest(DEFAULT_MODEL_DIR), 1)
    lengths = [len(e.ids) for e in model.encode(["good", "a somewhat longer sentence than that"])]
    assert lengths[0] < lengths[1] < 20


def test_long_reviews_are_truncated_and_flagged(shipped):
    prediction = shipped.predict(["An absolutely wonderful film. " * 200])[0]
    assert prediction.truncated is True and prediction.label == "positive"

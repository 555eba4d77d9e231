"""The shipped three-way model: label order, temperature, and obvious cases including neutral statements."""

import pytest

from app.predictor.manifest import load_manifest
from app.predictor.onnx_predictor import OnnxPredictor
from app.settings import DEFAULT_MODEL_DIR

OBVIOUS = [
    ("I loved it", "positive"),
    ("Absolutely fantastic service, the staff were friendly and fast.", "positive"),
    ("terrible, a waste of money", "negative"),
    ("The product broke after two days and support never answered.", "negative"),
    ("The meeting is at 3 pm on Tuesday.", "neutral"),
    ("The store opens at 9 am and closes at 6 pm.", "neutral"),
    ("The report has twelve pages.", "neutral"),
]


@pytest.fixture(scope="module")
def shipped():
    predictor = OnnxPredictor(DEFAULT_MODEL_DIR)
    predictor.load()
    yield predictor
    predictor.close()


def test_labels_are_negative_neutral_positive_in_that_order():
    manifest = load_manifest(DEFAULT_MODEL_DIR)  # raises if any hash differs
    assert manifest.info.labels == ("negative", "neutral", "positive")
    assert manifest.raw["version"].startswith("2.")


def test_manifest_carries_a_temperature_and_the_invariance_measurement():
    raw = load_manifest(DEFAULT_MODEL_DIR).raw
    assert 0.25 <= raw["temperature"] <= 4.0
    assert raw["batch_invariant"] is True
    assert raw["metrics"]["batch_invariance_max_abs_diff_sst2"]["int8"] <= 1e-4


@pytest.mark.parametrize("text, label", OBVIOUS)
def test_obvious_cases(shipped, text, label):
    assert shipped.predict([text])[0].label == label

"""Polarity, and the two-label view of a three-label prediction."""

import pytest

from sentiment_service.predictor.contract import ModelInfo, Prediction
from sentiment_service.predictor.labels import as_binary

NEUTRAL = Prediction("neutral", 0.7, {"negative": 0.1, "neutral": 0.7, "positive": 0.2}, False)


def test_polarity_is_positive_minus_negative():
    info = ModelInfo("any", "1", ("negative", "neutral", "positive"), 32)
    assert info.polarity_of(NEUTRAL.scores) == pytest.approx(0.1)
    assert info.polarity_of({"negative": 0.1, "positive": 0.9}) == pytest.approx(0.8)


def test_binary_view_renormalises_and_takes_the_side_the_text_leans_to():
    binary = as_binary(NEUTRAL)
    assert binary.scores == pytest.approx({"negative": 1 / 3, "positive": 2 / 3})
    assert (binary.label, binary.score) == ("positive", pytest.approx(2 / 3))
    assert set(binary.scores) == {"negative", "positive"}


def test_binary_view_of_a_two_label_prediction_is_unchanged():
    two = Prediction("negative", 0.8, {"negative": 0.8, "positive": 0.2}, True)
    assert as_binary(two) is two

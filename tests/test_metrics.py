"""The metrics observer: what the predictor reports ends up in the Prometheus exposition."""

from sentiment_service import metrics
from sentiment_service.predictor.serving_predictor import ServingPredictor


def test_predictions_and_build_info_are_recorded_through_the_observer(tiny_model_dir):
    predictor = ServingPredictor(tiny_model_dir, observer=metrics.MetricsObserver("1.2.3", "abc123"))
    predictor.load()
    try:
        before = metrics.TEXTS_SCORED._value.get()
        predictor.predict(["I loved it", "terrible, a waste of money"])
        assert metrics.TEXTS_SCORED._value.get() == before + 2
    finally:
        predictor.close()
    text = metrics.exposition(None).decode()
    assert 'sentiment_predictions_total{label="positive"}' in text
    assert 'sentiment_predictions_total{label="negative"}' in text
    assert 'sentiment_build_info{commit="abc123"' in text and 'version="1.2.3"' in text

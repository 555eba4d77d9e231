"""The metrics observer: what the predictor reports ends up in the Prometheus exposition (counted as deltas: the
registry is the process's, shared with every other test)."""

from prometheus_client import REGISTRY

from sentiment_service import metrics
from sentiment_service.predictor.serving_predictor import ServingPredictor


def sample(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def test_predictions_and_build_info_are_recorded_through_the_observer(tiny_model_dir):
    predictor = ServingPredictor(tiny_model_dir, observer=metrics.MetricsObserver("1.2.3", "abc123", model="tiny-test"))
    predictor.load()
    before = {label: sample("sentiment_predictions_total", model="tiny-test", label=label)
              for label in ("positive", "negative")}
    scored_before = sample("sentiment_texts_scored_total", model="tiny-test")
    try:
        predictor.predict(["I loved it", "terrible, a waste of money"])
    finally:
        predictor.close()
    assert sample("sentiment_texts_scored_total", model="tiny-test") == scored_before + 2
    assert {label: sample("sentiment_predictions_total", model="tiny-test", label=label) - before[label]
            for label in before} == \
        {"positive": 1, "negative": 1}
    assert sample("sentiment_build_info", version="1.2.3", commit="abc123", model_name="tiny-test", model_version="0.0.1") == 1

"""Property-based: whatever text arrives, the predictor returns a probability distribution or says
exactly which text it cannot take; it never raises anything else."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sentiment_service.predictor.contract import InvalidText


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(texts=st.lists(st.text(min_size=0, max_size=300), min_size=1, max_size=12))
def test_any_texts_give_distributions_or_a_precise_error(tiny_predictor, texts):
    try:
        predictions = tiny_predictor.predict(texts)
    except InvalidText as exc:
        bad = texts[exc.index]
        with pytest.raises(UnicodeEncodeError):
            bad.encode("utf-8")
        return
    assert len(predictions) == len(texts)
    for p in predictions:
        assert set(p.scores) == {"negative", "positive"}
        assert abs(sum(p.scores.values()) - 1) < 1e-6
        assert 0.5 <= p.score <= 1 and p.label in p.scores

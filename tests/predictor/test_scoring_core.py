"""The scoring core over the tiny ONNX model: tokenization, padding, calls within the budget, softmax, truncation."""

import numpy as np
import pytest

from sentiment_service.predictor.call_budget import CallBudget
from sentiment_service.predictor.onnx_model import softmax
from sentiment_service.predictor.scoring_core import ScoringCore


def test_scores_are_probabilities_with_sane_labels(tiny_core):
    good, bad = tiny_core.score(["I loved it", "terrible, a waste of money"])
    assert (good.label, bad.label) == ("positive", "negative")
    for p in (good, bad):
        assert sum(p.scores.values()) == pytest.approx(1.0)
        assert p.score == max(p.scores.values())


def test_batch_results_match_single_results(tiny_core):
    """Per-call padding must not change any text's score."""
    texts = ["good", "the movie was very bad and boring", "i hate it", "great great great great film"]
    batch = tiny_core.score(texts)
    for text, together in zip(texts, batch):
        assert tiny_core.score([text])[0].scores == pytest.approx(together.scores, abs=1e-6)


def test_long_text_read_as_its_first_window_is_truncated_and_says_so(tiny_core):
    short, long = tiny_core.score(["good movie", "good movie " * 50], long_text="truncate")
    assert short.truncated is False and long.truncated is True


def test_long_text_read_whole_is_not_truncated(tiny_core):
    [long] = tiny_core.score(["good movie " * 50])
    assert long.truncated is False


def test_fixed_padding_in_tokenizer_json_is_switched_off(tiny_core):
    assert [len(e.ids) for e in tiny_core.encode(["good", "good film"])] == [3, 4]


def test_calls_stay_within_the_budget_and_every_text_is_scored_once(tiny_model_dir):
    core = ScoringCore.open(tiny_model_dir, budget=CallBudget(max_texts=3, max_tokens=24))
    texts = ["good", "bad film", "good " * 10, "i hated it", "ok", "great great film", "awful"]
    ids = [e.ids for e in core.encode(texts)]
    calls = core.calls_of(ids)
    assert sorted(i for call in calls for i in call) == list(range(len(texts)))
    for call in calls:
        assert len(call) <= 3 and (len(call) == 1 or len(call) * max(len(ids[i]) for i in call) <= 24)
    seen = []
    predictions = core.score_plans(core.plan(texts), on_call=lambda texts, tokens, seconds: seen.append(texts))
    assert seen == [len(call) for call in calls]
    assert [p.label for p in predictions] == [p.label for p in ScoringCore.open(tiny_model_dir).score(texts)]


def test_logits_are_raw_and_probabilities_are_their_tempered_softmax(tiny_core):
    ids = [e.ids for e in tiny_core.encode(["good", "bad film"])]
    logits = tiny_core.logits(ids)
    direct = tiny_core.probabilities_in_one_call(ids)
    assert np.allclose(softmax(logits, tiny_core.info.temperature), direct, atol=1e-12)
    assert not np.allclose(logits.sum(axis=1), 1.0)

"""The scoring step both bulk paths share: the service's predictions for good texts, an error code for the rest."""

import json

import numpy as np
import pytest

from sentiment_service.bulk import scoring
from sentiment_service.bulk.scoring import ResultColumns, score_values
from sentiment_service.predictor import text_rules
from sentiment_service.predictor.scoring_core import ScoringCore


def test_good_texts_get_the_predictors_own_scores(tiny_core):
    texts = ["i loved it", "terrible waste", "the movie was very good and not boring"]
    scored = score_values(tiny_core, texts)
    expected = tiny_core.score(texts)
    assert scored.labels == [p.label for p in expected]
    assert scored.errors == [None, None, None]
    for row, prediction in zip(scored.probabilities, expected):
        assert row.tolist() == pytest.approx([prediction.scores["negative"], prediction.scores["positive"]], abs=1e-12)
    assert scored.scores.tolist() == pytest.approx([p.score for p in expected], abs=1e-12)


def test_values_the_service_refuses_get_an_error_and_never_stop_the_rest(tiny_core):
    values = ["great", None, float("nan"), 42, "", "   \n", "x" * 21, "bad \ud800 text", "awful"]
    scored = score_values(tiny_core, values, max_text_chars=20)
    assert scored.errors == [None, scoring.MISSING_TEXT, scoring.MISSING_TEXT, scoring.NOT_A_STRING, text_rules.EMPTY_TEXT,
                             text_rules.EMPTY_TEXT, text_rules.TEXT_TOO_LONG, text_rules.INVALID_TEXT, None]
    assert scored.labels[0] == "positive" and scored.labels[-1] == "negative"
    assert all(label is None for label in scored.labels[1:-1])
    assert np.isnan(scored.scores[1:-1]).all() and np.isnan(scored.probabilities[1:-1]).all()
    assert scored.error_counts() == {"missing_text": 2, "empty_text": 2, "not_a_string": 1, "text_too_long": 1, "invalid_text": 1}


def test_texts_over_the_token_window_are_read_whole_or_on_their_first_tokens(tiny_core):
    long_text = "good " * 100 + "awful awful. " * 30  # the tiny model's window is 16 tokens
    whole = score_values(tiny_core, [long_text, "good"])
    first = score_values(tiny_core, [long_text, "good"], long_text="truncate")
    assert whole.truncated == [False, False] and first.truncated == [True, False]
    assert whole.errors == first.errors == [None, None]
    assert whole.probabilities.tolist() == [[p.scores[label] for label in tiny_core.info.labels]
                                            for p in tiny_core.score([long_text, "good"])]
    assert first.probabilities[0, 0] < whole.probabilities[0, 0]  # the awful end was read
    assert whole.probabilities[1].tolist() == first.probabilities[1].tolist()


def test_sentences_column_holds_what_predict_answers_and_mixed(tiny_core):
    text = "good good film. awful, boring. the movie"
    scored = score_values(tiny_core, [text, None], sentences=True)
    [prediction] = tiny_core.score([text], sentences=True)
    sentences = json.loads(scored.sentences[0])
    assert [text[s["start"]:s["end"]] for s in sentences] == ["good good film.", "awful, boring.", "the movie"]
    assert [s["label"] for s in sentences] == [s.prediction.label for s in prediction.sentences]
    assert sentences[0]["scores"] == prediction.sentences[0].prediction.scores
    assert scored.mixed == [True, None] and scored.sentences[1] is None
    columns = ResultColumns(tiny_core.info.labels, with_sentences=True)
    assert [name for name, _ in columns.typed()][-2:] == ["sentences", "mixed"]


def test_an_all_bad_chunk_never_calls_the_model(tiny_core):
    scored = score_values(tiny_core, [None, ""])
    assert scored.errors == ["missing_text", "empty_text"] and scored.probabilities.shape == (2, 2)


def test_one_probability_column_per_label_of_the_manifest(three_label_model_dir):
    core = ScoringCore.open(three_label_model_dir)
    scored = score_values(core, ["good", "awful", "the movie"])
    assert scored.probabilities.shape == (3, 3)
    assert scored.probabilities.sum(axis=1) == pytest.approx([1, 1, 1])
    assert scored.labels == ["positive", "negative", "neutral"]
    columns = ResultColumns(core.info.labels, prefix="pred_")
    assert columns.probabilities == ["pred_p_negative", "pred_p_neutral", "pred_p_positive"]
    assert [name for name, _ in columns.typed()] == ["pred_label", "pred_score", *columns.probabilities, "pred_truncated", "pred_error"]
    assert columns.clashes(["id", "pred_label"]) == ["pred_label"]

"""Long texts read whole: pieces that cover the text once, today's scores within the window, sentences, mixed."""

import json
from itertools import islice

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from evaluation.data import IMDB_TRAIN
from sentiment_service.predictor.contract import ModelInfo, Prediction, SentenceScore
from sentiment_service.predictor.onnx_model import to_prediction
from sentiment_service.predictor.scoring_core import ScoringCore
from sentiment_service.predictor.sentences import mixed
from sentiment_service.settings import DEFAULT_MODEL_DIR

HOTEL = ("The lobby was bright and the doorman smiled at us. " * 30
         + "Then we found bedbugs in the bed. The manager refused a refund. It was the worst stay of my life.")


@pytest.fixture(scope="module")
def core():
    return ScoringCore.open(DEFAULT_MODEL_DIR)


def todays_prediction(core, text):
    """What the service answered before long texts were read whole: the first window, scored alone."""
    [encoded] = core.encode([text])
    return to_prediction(core.info, core.model.probabilities([encoded.ids])[0], encoded.truncated)


def reviews(count):
    if not IMDB_TRAIN.is_file():
        pytest.skip(f"{IMDB_TRAIN} not found")
    with IMDB_TRAIN.open(encoding="utf-8") as f:
        return [json.loads(line)["text"] for line in islice(f, count)]


def test_texts_within_the_window_keep_todays_scores_bit_for_bit(core):
    candidates = reviews(40)
    texts = [t for t, e in zip(candidates, core.encode(candidates)) if not e.truncated][:10]
    texts += ["I loved it", "Great stay! Awful food."]
    today = [todays_prediction(core, text) for text in texts]
    for reading in ({}, {"long_text": "truncate"}, {"sentences": True}, {"long_text": "truncate", "sentences": True}):
        for before, prediction in zip(today, core.score(texts, **reading)):
            assert (prediction.label, prediction.score, prediction.scores, prediction.truncated) == (
                before.label, before.score, before.scores, False)


def test_truncate_gives_todays_answer_for_a_long_text(core):
    [prediction] = core.score([HOTEL], long_text="truncate")
    assert prediction == todays_prediction(core, HOTEL) and prediction.truncated is True


def test_a_long_text_read_whole_reads_every_token_once(core):
    texts = [HOTEL] + [t for t in reviews(60) if core.encode([t])[0].truncated][:8]
    prefix, suffix = core.model.framing.prefix, core.model.framing.suffix
    for text, plan, tokens in zip(texts, core.plan(texts), core.model.tokens(texts)):
        assert len(plan.pieces) >= 2 and all(len(p.ids) <= core.info.max_length for p in plan.pieces)
        read = [i for p in plan.pieces for i in p.ids[len(prefix):len(p.ids) - len(suffix)]]
        assert read == tokens.ids
        for piece in plan.pieces:  # each piece is what tokenizing its own text gives
            assert piece.ids == core.encode([text[piece.start:piece.end]])[0].ids


def test_the_verdict_at_the_end_is_read(core):
    [truncated] = core.score([HOTEL], long_text="truncate")
    [document] = core.score([HOTEL], sentences=True)
    assert document.truncated is False
    assert document.scores["negative"] > truncated.scores["negative"]
    last = document.sentences[-1]
    assert HOTEL[last.start:last.end] == "It was the worst stay of my life." and last.prediction.label == "negative"
    assert document.mixed is True


def test_sentences_slice_the_text_and_come_in_order(core):
    text = "Café 👍🏽 was great!\nThe room… was awful. Dr. Lee paid $4.99, e.g. for tea."
    [prediction] = core.score([text], sentences=True)
    assert [text[s.start:s.end] for s in prediction.sentences] == [
        "Café 👍🏽 was great!", "The room… was awful.", "Dr. Lee paid $4.99, e.g. for tea."]
    first, second, _ = prediction.sentences
    assert (first.prediction.label, second.prediction.label) == ("positive", "negative")
    assert prediction.mixed is True


def test_a_sentence_longer_than_the_window_is_scored_in_windows(core):
    run_on = "the staff were lovely and the view was great and " * 60  # no punctuation: one sentence
    [prediction] = core.score([run_on], sentences=True)
    [sentence] = prediction.sentences
    assert (sentence.start, sentence.end) == (0, len(run_on.rstrip()))
    assert sentence.prediction.scores == pytest.approx(prediction.scores)  # the same windows, the same rule
    assert prediction.mixed is False


def test_truncate_with_sentences_gives_the_sentences_that_were_read(core):
    [prediction] = core.score([HOTEL], long_text="truncate", sentences=True)
    room = core.info.max_length - 2
    assert prediction.sentences[-1].end == core.model.tokens([HOTEL])[0].offsets[room - 1][1] < HOTEL.index("Then")
    assert all(s.prediction.label != "negative" for s in prediction.sentences)


def test_mixed_needs_a_clearly_positive_and_a_clearly_negative_sentence():
    info = ModelInfo("m", "1", ("negative", "neutral", "positive"), 16)

    def sentence(negative, positive):
        scores = {"negative": negative, "neutral": 1 - negative - positive, "positive": positive}
        return SentenceScore(0, 1, Prediction(max(scores, key=scores.get), max(scores.values()), scores, False))

    assert mixed(info, [sentence(0.05, 0.9), sentence(0.8, 0.1)]) is True
    assert mixed(info, [sentence(0.05, 0.9), sentence(0.45, 0.3)]) is False  # lukewarm is not clearly negative
    assert mixed(info, [sentence(0.05, 0.9)]) is False
    stars = ModelInfo("m", "1", ("1 star", "5 stars"), 16)
    assert mixed(stars, [SentenceScore(0, 1, Prediction("1 star", 1.0, {"1 star": 1.0, "5 stars": 0.0}, False))]) is None


def test_batched_documents_score_as_they_do_alone(core):
    texts = [HOTEL, "Short and sweet.", HOTEL[::-1]]
    together = core.score(texts, sentences=True)
    for text, prediction in zip(texts, together):
        assert core.score([text], sentences=True)[0] == prediction
    assert np.isclose(sum(together[0].scores.values()), 1.0)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(alphabet=st.sampled_from(list("good awful film. !?\n…😀éx")), min_size=1, max_size=400))
def test_any_text_read_whole_with_sentences_gives_sentences_that_slice_it(tiny_core, text):
    if not text.strip():
        return
    [prediction] = tiny_core.score([text], sentences=True)
    assert prediction.truncated is False and abs(sum(prediction.scores.values()) - 1) < 1e-9
    previous_end = 0
    for sentence in prediction.sentences:
        assert previous_end <= sentence.start < sentence.end <= len(text)
        assert text[sentence.start:sentence.end] == text[sentence.start:sentence.end].strip()
        previous_end = sentence.end
    assert prediction.mixed in (True, False)

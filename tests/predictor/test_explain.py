"""Occlusion explanations: word spans, one batched call, every label, and the shipped model's own words."""

import pytest

from sentiment_service.predictor.explain import explain, find_words, without
from tests.fakes import FakePredictor


@pytest.mark.parametrize("text", [
    "Ça m'a déçu : le café était froid, mais le gâteau était délicieux.",
    "東京の ramen était incroyable — naïve façade, 😀 great!",
    "good good bad good",
    "don't, won't… it’s fine\tréellement\nyes",
])
def test_spans_map_to_the_exact_input_substring(text):
    words = find_words(text)
    assert words
    for word in words:
        assert text[word.start:word.end] == word.word
    assert [w.start for w in words] == sorted(w.start for w in words)


def test_repeated_words_are_separate_occurrences():
    text = "good good bad good"
    words = find_words(text)
    assert [(w.word, w.start, w.end) for w in words] == [("good", 0, 4), ("good", 5, 9), ("bad", 10, 13), ("good", 14, 18)]
    assert without(text, words[1]) == "good  bad good"


def test_words_keep_apostrophes_and_skip_punctuation_and_emoji():
    assert [w.word for w in find_words("I don't like it’s 😀 taste!!! l'été")] == ["I", "don't", "like", "it’s", "taste", "l'été"]
    assert find_words("?! 😀 ...") == []


def test_one_predict_call_with_the_text_and_each_variant():
    predictor = FakePredictor()
    explanation = explain(predictor, "a good film")
    assert predictor.calls == [["a good film", " good film", "a  film", "a good "]]
    assert explanation.prediction.label == "positive"
    by_word = {w.span.word: w.contributions for w in explanation.words}
    # p(positive) is 5/7 with "good" and 1/3 without it (tests/fakes.py).
    assert by_word["good"]["positive"] == pytest.approx(5 / 7 - 1 / 3)
    assert by_word["good"]["negative"] == pytest.approx(1 / 7 - 1 / 3)
    assert by_word["film"] == pytest.approx({"negative": 0.0, "neutral": 0.0, "positive": 0.0})


def test_every_label_of_the_model_is_reported():
    explanation = explain(FakePredictor(), "a good day, not bad")
    assert all(set(w.contributions) == {"negative", "neutral", "positive"} for w in explanation.words)
    by_word = {w.span.word: w.contributions for w in explanation.words}
    assert by_word["good"]["positive"] > 0 > by_word["good"]["negative"]
    assert by_word["bad"]["negative"] > 0 > by_word["bad"]["positive"]
    assert sum(by_word["good"].values()) == pytest.approx(0.0)


def test_a_text_without_words_is_scored_alone():
    predictor = FakePredictor()
    explanation = explain(predictor, "?!")
    assert explanation.words == [] and predictor.calls == [["?!"]]


@pytest.mark.parametrize("text, top_word", [
    ("The battery lasts for days and the screen is gorgeous.", "gorgeous"),
    ("A decent film with a weak ending.", "weak"),
])
def test_the_top_weighted_word_is_the_one_a_reader_would_pick(shipped, text, top_word):
    explanation = explain(shipped, text)
    label = explanation.prediction.label
    top = max(explanation.words, key=lambda w: abs(w.contributions[label]))
    assert top.span.word == top_word and top.contributions[label] > 0.3


@pytest.mark.parametrize("text, word, label, sign", [
    ("The battery lasts for days and the screen is gorgeous.", "gorgeous", "positive", +1),
    ("A decent film with a weak ending.", "weak", "negative", +1),
    ("A decent film with a weak ending.", "decent", "negative", -1),
    ("It was fine, nothing special.", "nothing", "positive", -1),
])
def test_removing_a_word_moves_the_probability_as_its_sign_says(shipped, text, word, label, sign):
    explanation = explain(shipped, text)
    found = next(w for w in explanation.words if w.span.word == word)
    contribution = found.contributions[label]
    assert contribution * sign > 0.03, found
    alone = shipped.predict([without(text, found.span)])[0]
    # Positive: the word pushed towards the label, so without it the label is less likely; negative: more.
    # The shipped model is batch-invariant, so the variant scored alone gets what it got beside its siblings.
    assert (explanation.prediction.scores[label] - alone.scores[label]) * sign > 0
    assert explanation.prediction.scores[label] - alone.scores[label] == pytest.approx(contribution, abs=1e-4)


@pytest.mark.parametrize("words", [2, 60])
def test_short_and_long_texts(shipped, words):
    sentence = "the service was quick and the staff were kind but the room felt cold and small "
    text = " ".join((sentence * 5).split()[:words])
    explanation = explain(shipped, text)
    assert len(explanation.words) == words
    assert all(set(w.contributions) == set(shipped.info.labels) for w in explanation.words)

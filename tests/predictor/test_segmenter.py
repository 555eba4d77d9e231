"""Sentence spans: the hard cases of reviews and tickets, and offsets that slice the text exactly."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bench.segmenters import HARD_CASES
from sentiment_service.predictor.segmenter import sentence_spans


@pytest.mark.parametrize(("what", "text", "expected"), HARD_CASES, ids=[case[0] for case in HARD_CASES])
def test_hard_cases(what, text, expected):
    assert [text[s.start:s.end] for s in sentence_spans(text)] == expected


def test_offsets_are_code_points_past_emoji_and_accents():
    text = "Café 👍🏽 was great! 😀 The room… was not."
    sentences = [text[s.start:s.end] for s in sentence_spans(text)]
    assert sentences == ["Café 👍🏽 was great!", "😀 The room… was not."]


def test_a_blank_text_has_no_sentences_and_a_word_is_one():
    assert sentence_spans(" \n\t ") == []
    assert [(s.start, s.end) for s in sentence_spans("  ok  ")] == [(2, 4)]


# Punctuation, line breaks, emoji and letters in every mix the segmenter may meet.
_PIECES = st.sampled_from(["Dr.", "e.g.", "$4.99", "...", "…", "!", "?", ". ", "\n", "\r\n", "- ", "😀", "👍🏽", " ",
                           "https://a.b/c?d=1", "word", "Word", "3.5", "\u2028", "\t"])


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(_PIECES, st.text(max_size=5)), max_size=40).map("".join))
def test_spans_slice_the_text_in_order_and_cover_every_visible_character(text):
    spans = sentence_spans(text)
    covered = set()
    previous_end = 0
    for span in spans:
        assert previous_end <= span.start < span.end <= len(text)
        sentence = text[span.start:span.end]
        assert sentence == sentence.strip() and sentence
        covered.update(range(span.start, span.end))
        previous_end = span.end
    assert {i for i, c in enumerate(text) if not c.isspace()} <= covered

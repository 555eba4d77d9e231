"""Pieces of a long text: windows that never exceed the model's, sentences packed whole, and the combining rule."""

import numpy as np
import pytest

from sentiment_service.predictor.documents import UNDECIDED_WEIGHT, Framing, Tokens, combine, first_window, packed, sentence_pieces
from sentiment_service.predictor.segmenter import SentenceSpan

FRAMING = Framing((101,), (102,))


def tokens_of(words: list[str]) -> tuple[str, Tokens]:
    """A text of one-token words, and its tokens (id = position + 1000) with their offsets."""
    text, offsets = "", []
    for word in words:
        offsets.append((len(text), len(text) + len(word)))
        text += word + " "
    return text, Tokens([1000 + i for i in range(len(words))], offsets)


def test_sentences_are_packed_whole_and_a_long_one_is_windowed():
    text, tokens = tokens_of(["a", "b.", "c", "d", "e", "f", "g", "h.", "i."])
    spans = [SentenceSpan(0, 4), SentenceSpan(5, 17), SentenceSpan(18, 20)]
    per_sentence = sentence_pieces(tokens, spans, FRAMING, max_length=5)  # 3 content tokens a window
    assert [[p.ids for p in s] for s in per_sentence] == [
        [[101, 1000, 1001, 102]], [[101, 1002, 1003, 1004, 102], [101, 1005, 1006, 1007, 102]], [[101, 1008, 102]]]
    assert [(p.start, p.end) for p in per_sentence[1]] == [(5, 10), (11, 17)]
    assert [text[p.start:p.end] for p in per_sentence[1]] == ["c d e", "f g h."]
    pieces = packed(per_sentence, FRAMING, max_length=5)
    assert [p.ids for p in pieces] == [[101, 1000, 1001, 102], [101, 1002, 1003, 1004, 102],
                                       [101, 1005, 1006, 1007, 102], [101, 1008, 102]]
    roomy = packed(sentence_pieces(tokens, spans, FRAMING, max_length=8), FRAMING, max_length=8)  # 6 a window
    assert [p.ids for p in roomy] == [[101, 1000, 1001, 102], [101, 1002, 1003, 1004, 1005, 1006, 1007, 102],
                                      [101, 1008, 102]]  # 2 + 6 and 6 + 1 tokens do not fit one window
    joined = packed(sentence_pieces(tokens, spans, FRAMING, max_length=12), FRAMING, max_length=12)  # 10 a window
    assert [p.ids for p in joined] == [[101, *tokens.ids, 102]] and text[joined[0].start:joined[0].end] == text.strip()
    assert all(len(p.ids) <= 8 for p in roomy) and (roomy[0].start, roomy[-1].end) == (0, 20)


def test_the_first_window_cuts_the_last_sentence_it_reaches():
    text, tokens = tokens_of(["a", "b.", "c", "d."])
    window, spans = first_window(tokens, [SentenceSpan(0, 4), SentenceSpan(5, 9)], FRAMING, max_length=5)
    assert window.ids == [1000, 1001, 1002] and spans == [SentenceSpan(0, 4), SentenceSpan(5, 6)]


def test_decided_pieces_count_more_and_undecided_ones_still_count():
    rows = np.array([[0.1, 0.8, 0.1], [0.9, 0.05, 0.05]])  # a neutral window, then a negative one
    polarity = rows[:, 2] - rows[:, 0]
    tokens_only = combine(rows, [200, 50])
    decided = combine(rows, [200, 50], polarity)
    assert tokens_only.argmax() == 1 and decided.argmax() == 0
    weights = np.array([200 * UNDECIDED_WEIGHT, 50 * (UNDECIDED_WEIGHT + 0.85)])
    assert decided == pytest.approx((rows * weights[:, None]).sum(axis=0) / weights.sum())
    all_neutral = np.array([[0.1, 0.8, 0.1], [0.2, 0.6, 0.2]])
    assert combine(all_neutral, [10, 30], np.zeros(2)) == pytest.approx(combine(all_neutral, [10, 30]))
    assert combine(rows, [1, 1], polarity).sum() == pytest.approx(1.0)

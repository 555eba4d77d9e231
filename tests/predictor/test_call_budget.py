"""Batching policy: which texts share one inference call."""

import pytest

from sentiment_service.predictor.call_budget import chunk_by_budget


@pytest.mark.parametrize("lengths, max_texts, max_tokens", [
    ([5, 3, 9, 1, 7], 2, 1000), ([10] * 10, 100, 35), ([1, 50, 2, 60], 10, 100), ([200], 4, 64),
])
def test_chunks_cover_every_text_once_within_budget(lengths, max_texts, max_tokens):
    chunks = chunk_by_budget(lengths, max_texts, max_tokens)
    assert sorted(i for c in chunks for i in c) == list(range(len(lengths)))
    for chunk in chunks:
        assert len(chunk) <= max_texts
        # A single text longer than the budget still gets a chunk of its own.
        assert len(chunk) == 1 or len(chunk) * max(lengths[i] for i in chunk) <= max_tokens


def test_chunks_group_similar_lengths_instead_of_padding_short_texts_to_long_ones():
    lengths = [10, 11, 12, 200, 10, 201]
    chunks = chunk_by_budget(lengths, 64, 100_000)
    assert sorted(sorted(lengths[i] for i in c) for c in chunks) == [[10, 10, 11, 12], [200, 201]]


def test_same_length_texts_share_one_call():
    assert chunk_by_budget([20] * 10, 64, 100_000) == [list(range(10))]

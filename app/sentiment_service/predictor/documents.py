"""Texts longer than the model's window, read whole: cut into pieces that fit, scored together, combined.

A text is tokenized once without truncation; its sentences (segmenter.py) take the tokens that start inside
them. A sentence longer than the window is cut into windows of tokens. Each piece is scored as the model
scores any text: its tokens framed by the model's special tokens ([CLS] ... [SEP]). Slicing the tokens of the
whole text gives the same ids as tokenizing the piece's text alone, because sentence boundaries fall between
words and the tokenizer normalizes character by character.

The document's probabilities are the mean of its pieces' probabilities, each weighted by its tokens and by how
decided it is (|polarity|): a window of plot summary that the model finds neutral counts less than the window
with the verdict. The rule was chosen on training rows by evaluation/combining.py against plain and
token-weighted means, log-probability means and the last piece counted twice (model card, "Long texts"). A text
that fits the window is never cut: it keeps exactly the score it had before documents were read whole.
"""

from dataclasses import dataclass

import numpy as np

from sentiment_service.predictor.contract import DOCUMENT, LONG_TEXT_MODES, TRUNCATE
from sentiment_service.predictor.segmenter import SentenceSpan

__all__ = ["DOCUMENT", "LONG_TEXT_MODES", "TRUNCATE", "UNDECIDED_WEIGHT", "Framing", "Piece", "Tokens", "combine",
           "first_window", "packed", "sentence_pieces"]


@dataclass(frozen=True)
class Tokens:
    """A text's tokens without special tokens, and the code-point span of the text each one came from."""

    ids: list[int]
    offsets: list[tuple[int, int]]


@dataclass(frozen=True)
class Framing:
    """The special tokens the model's tokenizer puts around one text, e.g. [CLS] ... [SEP]."""

    prefix: tuple[int, ...]
    suffix: tuple[int, ...]

    def frame(self, content: list[int]) -> list[int]:
        return [*self.prefix, *content, *self.suffix]

    def room(self, max_length: int) -> int:
        """Content tokens one piece can hold."""
        return max(1, max_length - len(self.prefix) - len(self.suffix))


@dataclass(frozen=True)
class Piece:
    """A part of a text scored as one input: text[start:end], and its token ids framed for the model."""

    start: int
    end: int
    ids: list[int]
    content_tokens: int

    @property
    def weight(self) -> int:
        # A piece whose characters the tokenizer drops altogether (control characters) still counts a little.
        return max(1, self.content_tokens)


def sentence_pieces(tokens: Tokens, sentences: list[SentenceSpan], framing: Framing, max_length: int) -> list[list[Piece]]:
    """For each sentence, the pieces it is scored as: one, or consecutive windows of a sentence too long for one."""
    room = framing.room(max_length)
    out: list[list[Piece]] = []
    cursor = 0
    for sentence in sentences:
        first = cursor
        while cursor < len(tokens.ids) and tokens.offsets[cursor][0] < sentence.end:
            cursor += 1
        # Tokens that start before this sentence belong to the one before (there are none between sentences
        # but whitespace, which has no tokens).
        ids = tokens.ids[first:cursor]
        offsets = tokens.offsets[first:cursor]
        if not ids:
            out.append([Piece(sentence.start, sentence.end, framing.frame([]), 0)])
            continue
        windows = []
        for at in range(0, len(ids), room):
            window_offsets = offsets[at : at + room]
            start = sentence.start if at == 0 else window_offsets[0][0]
            end = sentence.end if at + room >= len(ids) else window_offsets[-1][1]
            content = ids[at : at + room]
            windows.append(Piece(start, end, framing.frame(content), len(content)))
        out.append(windows)
    return out


def packed(sentences: list[list[Piece]], framing: Framing, max_length: int) -> list[Piece]:
    """A document's pieces: consecutive sentences joined while they fit one window (a long sentence's windows stay)."""
    room = framing.room(max_length)
    body = slice(len(framing.prefix), -len(framing.suffix) or None)
    out: list[Piece] = []
    for piece in (p for sentence in sentences for p in sentence):
        if out and out[-1].content_tokens + piece.content_tokens <= room:
            last = out[-1]
            content = last.ids[body] + piece.ids[body]
            out[-1] = Piece(last.start, piece.end, framing.frame(content), len(content))
        else:
            out.append(piece)
    return out


def first_window(tokens: Tokens, sentences: list[SentenceSpan], framing: Framing,
                 max_length: int) -> tuple[Tokens, list[SentenceSpan]]:
    """The tokens and sentences of the part a truncated reading reads: its first window, the last sentence cut."""
    room = framing.room(max_length)
    if len(tokens.ids) <= room:
        return tokens, sentences
    cut = tokens.offsets[room - 1][1]
    kept = [s for s in sentences if s.start < cut]
    if kept and kept[-1].end > cut:
        kept[-1] = SentenceSpan(kept[-1].start, cut)
    return Tokens(tokens.ids[:room], tokens.offsets[:room]), kept


# Every piece counts at least this much beside its |polarity| (0 to 1), so a document whose pieces are all neutral
# is their token-weighted mean, and no piece is ever ignored.
UNDECIDED_WEIGHT = 0.05


def combine(probabilities: np.ndarray, tokens: list[int], polarity: np.ndarray | None = None) -> np.ndarray:
    """A document's probabilities from its pieces': their mean, weighted by each piece's tokens times
    (UNDECIDED_WEIGHT + |polarity|), or by its tokens alone for a model without polarity (polarity None)."""
    w = np.asarray(tokens, dtype=np.float64)
    if polarity is not None:
        w = w * (UNDECIDED_WEIGHT + np.abs(polarity))
    return (probabilities * w[:, None]).sum(axis=0) / w.sum()

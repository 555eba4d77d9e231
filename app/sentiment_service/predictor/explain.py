"""Which words made the prediction: occlusion, scored through any Predictor.

Each word is removed in turn and the texts without it are scored in the same predict() call as the full
text, so an explanation of n words costs exactly what a batch of n + 1 texts costs (and the batcher's
admission control counts it that way). A word's contribution to a label is how much that label's
probability drops without it: p(label | text) - p(label | text without the word). Positive means the
word pushed towards the label. Every label of the model is reported, whatever their number.
"""

import re
from dataclasses import dataclass

from sentiment_service.predictor.contract import DOCUMENT, Prediction, Predictor

# Runs of letters, digits or underscores in any script, with inner apostrophes kept ("don't", "l'été").
# Punctuation, whitespace and emoji separate words and are never removed on their own.
_WORD = re.compile(r"\w+(?:['\u2019]\w+)*")


@dataclass(frozen=True)
class WordSpan:
    """A word and where it is: text[start:end] == word, in Unicode code points."""

    word: str
    start: int
    end: int


@dataclass(frozen=True)
class WordContribution:
    span: WordSpan
    # Label -> p(label | text) - p(label | text without this word).
    contributions: dict[str, float]


@dataclass(frozen=True)
class Explanation:
    prediction: Prediction
    words: list[WordContribution]


def find_words(text: str) -> list[WordSpan]:
    """The words of a text, in order, each occurrence of a repeated word on its own."""
    return [WordSpan(m.group(), m.start(), m.end()) for m in _WORD.finditer(text)]


def without(text: str, span: WordSpan) -> str:
    """The text with one occurrence of a word removed; the spaces around it are left as they are."""
    return text[: span.start] + text[span.end :]


def explain(predictor: Predictor, text: str, words: list[WordSpan] | None = None, *,
            long_text: str = DOCUMENT) -> Explanation:
    """Score a text and each of its one-word-removed variants in one predict() call, each read as long_text says.

    Raises what predictor.predict raises (NotReady, Overloaded, DeadlineExceeded, InvalidText).
    """
    spans = find_words(text) if words is None else words
    full, *variants = predictor.predict([text, *(without(text, span) for span in spans)], long_text=long_text)
    return Explanation(full, [
        WordContribution(span, {label: p - variant.scores[label] for label, p in full.scores.items()})
        for span, variant in zip(spans, variants)
    ])

"""Where a text's sentences are: spans in Unicode code points, text[start:end] being the sentence.

Sentence boundaries inside a line come from sentencex (MIT, no dependencies, a compiled rule set that knows
abbreviations such as "Dr." and "e.g.", decimals and prices, URLs, e-mail addresses and ellipses); it was chosen
over pysbd, syntok and blingfire by bench/segmenters.py (bench/README.md, "Sentence segmenter"). A line break
always ends a sentence as well: reviews and tickets put list items, headings and short verdicts on lines of
their own ("Pros:\\n- clean rooms"), which sentencex alone joins into one sentence. Surrounding whitespace is not
part of a sentence, and a text without punctuation is one sentence (the document scorer windows it by tokens).
"""

from dataclasses import dataclass

import sentencex

# sentencex's rules for English (it falls back along a language chain; English is the model's only language).
LANGUAGE = "en"


@dataclass(frozen=True)
class SentenceSpan:
    start: int
    end: int


def sentence_spans(text: str) -> list[SentenceSpan]:
    """The sentences of a text, in order, without their surrounding whitespace; [] for a blank text.

    Every character that is not whitespace is inside exactly one span.
    """
    spans: list[SentenceSpan] = []
    line_start = 0
    for line in text.splitlines(keepends=True):
        cursor = 0
        for boundary in sentencex.get_sentence_boundaries(LANGUAGE, line):
            start, end = max(cursor, boundary["start_index"]), boundary["end_index"]
            if start > cursor:  # never lose text between two boundaries, should the rules skip any
                _add_trimmed(spans, text, line_start + cursor, line_start + start)
            if end > start:
                _add_trimmed(spans, text, line_start + start, line_start + end)
                cursor = end
        if cursor < len(line):
            _add_trimmed(spans, text, line_start + cursor, line_start + len(line))
        line_start += len(line)
    return spans


def _add_trimmed(spans: list[SentenceSpan], text: str, start: int, end: int) -> None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if end > start:
        spans.append(SentenceSpan(start, end))

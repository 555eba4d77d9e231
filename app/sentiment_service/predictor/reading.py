"""How each text is read: the inputs it costs the model, and how their scores make its prediction.

A text that fits the model's window is one input, tokenized exactly as it always was, so its scores do not
change by a bit. A longer one is read whole by default (documents.py): its sentences packed into windows, all
of them scored in the same batched call as everything else, and combined. With long_text="truncate" it is its
first window, as before, and `truncated` says so. With sentences, each sentence is also an input of its own
(windows, for a sentence longer than the window), and the text says whether it is mixed.
"""

from dataclasses import dataclass

import numpy as np

from sentiment_service.predictor.contract import DOCUMENT, ModelInfo, Prediction, SentenceScore
from sentiment_service.predictor.documents import Piece, combine, first_window, packed, sentence_pieces
from sentiment_service.predictor.onnx_model import Encoded, OnnxModel, to_prediction
from sentiment_service.predictor.segmenter import sentence_spans
from sentiment_service.predictor.sentences import mixed


@dataclass(frozen=True)
class TextPlan:
    """One text's inputs: its document pieces (or its one window) first, then each sentence's pieces."""

    whole: Encoded
    # The document's pieces when a long text is read whole; empty when `whole` is the document's one input.
    pieces: tuple[Piece, ...] = ()
    sentences: tuple[tuple[Piece, ...], ...] | None = None

    @property
    def inputs(self) -> list[list[int]]:
        document = [p.ids for p in self.pieces] or [self.whole.ids]
        return document + [p.ids for sentence in self.sentences or () for p in sentence]

    def prediction(self, info: ModelInfo, rows: np.ndarray) -> Prediction:
        """This text's prediction from the probabilities of its inputs, in the order of `inputs`."""
        if self.pieces:
            count = len(self.pieces)
            document = to_prediction(info, combined(info, rows[:count], self.pieces), truncated=False)
        else:
            count = 1
            document = to_prediction(info, rows[0], self.whole.truncated)
        if self.sentences is None:
            return document
        scored = []
        for sentence in self.sentences:
            sentence_rows, count = rows[count : count + len(sentence)], count + len(sentence)
            scored.append(SentenceScore(sentence[0].start, sentence[-1].end, to_prediction(
                info, combined(info, sentence_rows, sentence), truncated=False)))
        return Prediction(document.label, document.score, document.scores, document.truncated,
                          sentences=tuple(scored), mixed=mixed(info, scored))


def combined(info: ModelInfo, rows: np.ndarray, pieces: tuple[Piece, ...]) -> np.ndarray:
    """The probabilities of a text (or a sentence) read as several pieces: documents.combine with their polarity."""
    polarity = [info.polarity_of(dict(zip(info.labels, row))) for row in rows]
    return combine(rows, [p.weight for p in pieces], None if None in polarity else np.array(polarity))


def plan_texts(model: OnnxModel, texts: list[str], long_text: str = DOCUMENT, sentences: bool = False) -> list[TextPlan]:
    """How each text is read; raises InvalidText with the index of a text the tokenizer cannot take."""
    whole = model.encode(texts)
    max_length = model.info.max_length
    cut = [i for i, e in enumerate(whole) if sentences or (e.truncated and long_text == DOCUMENT)]
    plans = [TextPlan(e) for e in whole]
    for i, tokens in zip(cut, model.tokens([texts[i] for i in cut]) if cut else []):
        spans = sentence_spans(texts[i])
        read_whole = long_text == DOCUMENT and whole[i].truncated
        if not read_whole:  # sentences of the part that is read
            tokens, spans = first_window(tokens, spans, model.framing, max_length)
        per_sentence = sentence_pieces(tokens, spans, model.framing, max_length)
        plans[i] = TextPlan(whole[i], tuple(packed(per_sentence, model.framing, max_length)) if read_whole else (),
                            tuple(tuple(s) for s in per_sentence) if sentences else None)
    return plans

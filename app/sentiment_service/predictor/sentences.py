"""What a text's sentences say together (the mixed signal), and how one sentence is written in a response or a
bulk `sentences` column. Plain Python: the HTTP layer imports it without the inference stack."""

from sentiment_service.predictor.contract import ModelInfo, SentenceScore

# A sentence is clearly positive at a polarity of at least this, clearly negative at its negative; a text is
# mixed when it has both. At 0.5 a sentence's own label is that side with p(side) of about 0.7 or more:
# "the pool was lovely" and "the manager refused a refund", not a lukewarm aside.
CLEAR_POLARITY = 0.5


def mixed(info: ModelInfo, sentences: list[SentenceScore]) -> bool | None:
    """Whether clearly positive and clearly negative sentences coexist; None for a model without polarity."""
    polarities = [info.polarity_of(s.prediction.scores) for s in sentences]
    if not polarities or polarities[0] is None:
        return None
    return max(polarities) >= CLEAR_POLARITY and min(polarities) <= -CLEAR_POLARITY


def sentence_fields(sentence: SentenceScore, info: ModelInfo) -> dict:
    """A sentence as responses and the bulk `sentences` column write it: start, end, label, scores, polarity."""
    fields = {"start": sentence.start, "end": sentence.end, "label": sentence.prediction.label,
              "scores": sentence.prediction.scores}
    if (polarity := info.polarity_of(sentence.prediction.scores)) is not None:
        fields["polarity"] = polarity
    return fields

"""Label sets a response can use: everything the model knows, or positive/negative only for clients
written for the two-label model."""

from dataclasses import replace

from sentiment_service.predictor.contract import Prediction

BINARY = ("negative", "positive")


def as_binary(prediction: Prediction) -> Prediction:
    """The prediction restricted to negative/positive, renormalised over the two (neutral mass dropped).

    A two-label model's predictions come back unchanged. The label is the likelier of the two, so a text the
    model finds neutral still gets the side it leans to, as the two-label model would have answered. Sentences are
    restricted the same way; `mixed` is kept, since it was read from the three-way scores.
    """
    if set(prediction.scores) == set(BINARY):
        return prediction
    if prediction.sentences is not None:
        prediction = replace(prediction, sentences=tuple(replace(s, prediction=as_binary(s.prediction))
                                                         for s in prediction.sentences))
    negative, positive = prediction.scores["negative"], prediction.scores["positive"]
    total = negative + positive
    scores = {"negative": negative / total, "positive": positive / total} if total > 0 else {"negative": 0.5, "positive": 0.5}
    label = max(BINARY, key=scores.__getitem__)
    return replace(prediction, label=label, score=scores[label], scores=scores)

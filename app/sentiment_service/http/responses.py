"""How a prediction and the model are written in responses, for every endpoint that scores."""

from sentiment_service.http.state import current_state
from sentiment_service.predictor.contract import Prediction
from sentiment_service.predictor.labels import as_binary


def model_ref() -> dict:
    info = current_state().predictor.info
    return {"name": info.name, "version": info.version}


def prediction_body(prediction: Prediction, model: dict) -> dict:
    """RESPONSE_LABELS=binary keeps the two-label shape for clients written before the neutral class."""
    if current_state().settings.response_labels == "binary":
        prediction = as_binary(prediction)
    return {"label": prediction.label, "score": prediction.score, "scores": prediction.scores,
            "polarity": prediction.polarity, "truncated": prediction.truncated, "model": model}

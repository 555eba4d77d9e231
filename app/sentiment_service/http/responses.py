"""How a prediction and the model are written in responses, for every endpoint that scores."""

from flask import jsonify

from sentiment_service.http.request_log import ScoredResponse
from sentiment_service.predictor.contract import ModelInfo, Prediction
from sentiment_service.predictor.labels import as_binary


def model_ref(info: ModelInfo) -> dict:
    return {"name": info.name, "version": info.version}


def prediction_body(prediction: Prediction, model: dict, response_labels: str) -> dict:
    """RESPONSE_LABELS=binary keeps the two-label shape for clients written before the neutral class. `polarity`
    is there only for a model that has both a negative and a positive label: for any other label set it means
    nothing."""
    if response_labels == "binary":
        prediction = as_binary(prediction)
    body = {"label": prediction.label, "score": prediction.score, "scores": prediction.scores}
    if {"negative", "positive"} <= prediction.scores.keys():
        body["polarity"] = prediction.polarity
    return {**body, "truncated": prediction.truncated, "model": model}


def scored_response(body: dict, texts: list[str]) -> ScoredResponse:
    """The JSON response of a request that scored `texts` (the access log counts them)."""
    response = jsonify(body)
    response.scored_texts = tuple(texts)
    return response

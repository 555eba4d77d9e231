"""How a prediction and the model are written in responses, for every endpoint that scores."""

from dataclasses import replace

from flask import jsonify

from sentiment_service.http.request_log import ScoredResponse
from sentiment_service.predictor.contract import ModelInfo, Prediction
from sentiment_service.predictor.labels import BINARY, as_binary
from sentiment_service.predictor.sentences import sentence_fields


def model_ref(info: ModelInfo) -> dict:
    return {"name": info.name, "version": info.version}


def model_description(info: ModelInfo, *, default: bool, ready: bool) -> dict:
    """One model as GET /models lists it."""
    return {"name": info.name, "version": info.version, "labels": list(info.labels), "max_length": info.max_length,
            "precision": info.precision, "multi_label": info.multi_label, "polarity": info.has_polarity,
            "default": default, "ready": ready}


def prediction_body(prediction: Prediction, info: ModelInfo, response_labels: str) -> dict:
    """RESPONSE_LABELS=binary keeps the two-label shape for clients written before the neutral class. `polarity`
    is there only where the model defines one (ModelInfo.polarity_of): for other label sets it means nothing."""
    if response_labels == "binary":
        prediction = as_binary(prediction)
        info = replace(info, labels=BINARY, polarity_weights=())
    body = {"label": prediction.label, "score": prediction.score, "scores": prediction.scores}
    if (polarity := info.polarity_of(prediction.scores)) is not None:
        body["polarity"] = polarity
    body = {**body, "truncated": prediction.truncated, "model": model_ref(info)}
    if prediction.sentences is not None:
        body["sentences"] = [sentence_fields(s, info) for s in prediction.sentences]
        if prediction.mixed is not None:
            body["mixed"] = prediction.mixed
    return body


def scored_response(body: dict, texts: list[str], info: ModelInfo) -> ScoredResponse:
    """The JSON response of a request that scored `texts` with this model (the access log counts and names them)."""
    response = jsonify(body)
    response.scored_texts = tuple(texts)
    response.scored_by = (info.name, info.version)
    return response

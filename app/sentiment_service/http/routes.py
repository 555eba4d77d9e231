"""The endpoints. Each validates, calls the predictor, shapes the response."""

from flask import Blueprint, Response, jsonify, request

from sentiment_service import __version__, metrics
from sentiment_service.http.body import read_json
from sentiment_service.http.errors import ApiError
from sentiment_service.http.openapi import openapi_document
from sentiment_service.http.request_log import note_scored_texts
from sentiment_service.http.responses import model_ref, prediction_body
from sentiment_service.http.schemas import parse_batch, parse_predict
from sentiment_service.http.state import current_state
from sentiment_service.predictor.contract import Prediction

api = Blueprint("api", __name__)


def _score(texts: list[str]) -> list[Prediction]:
    note_scored_texts(texts)
    # No draining check here: a request that reached us during shutdown is still answered (only /ready
    # turns 503, so load balancers stop sending new ones).
    return current_state().predictor.predict(texts)


@api.post("/predict")
def predict():
    settings = current_state().settings
    text = parse_predict(read_json(request, settings.max_body_bytes), settings.max_text_chars)
    return jsonify(prediction_body(_score([text])[0], model_ref()))


@api.post("/batch-predict")
def batch_predict():
    settings = current_state().settings
    texts = parse_batch(read_json(request, settings.max_body_bytes), settings.max_text_chars, settings.max_batch_texts)
    model = model_ref()
    return jsonify({"predictions": [prediction_body(p, model) for p in _score(texts)]})


@api.get("/health")
def health():
    return jsonify({"status": "ok"})


@api.get("/ready")
def ready():
    state = current_state()
    if state.draining:
        raise ApiError("shutting_down", "this worker is shutting down")
    if state.load_error is not None:
        raise ApiError("model_load_failed", state.load_error)
    if not state.predictor.ready:
        raise ApiError("not_ready", "the model is loading")
    return jsonify({"status": "ready", "model": model_ref()})


@api.get("/version")
def version():
    return jsonify({"version": __version__, "commit": current_state().settings.git_commit, "model": model_ref()})


@api.get("/openapi.json")
def openapi():
    settings = current_state().settings
    return jsonify(openapi_document(__version__, settings.max_text_chars, settings.max_batch_texts,
                                    settings.explain_max_words, settings.playground))


@api.get("/metrics")
def metrics_endpoint():
    body = metrics.exposition(current_state().settings.prometheus_multiproc_dir)
    return Response(body, mimetype="text/plain; version=0.0.4")

"""The endpoints. Each validates, calls the predictor, shapes the response."""

from flask import Blueprint, Response, current_app, g, jsonify, request

from app import __version__, metrics
from app.http.body import read_json
from app.http.errors import ApiError
from app.http.openapi import openapi_document
from app.http.schemas import parse_batch, parse_predict
from app.predictor.contract import Prediction

api = Blueprint("api", __name__)


def _state():
    return current_app.extensions["sentiment"]


def _model_ref() -> dict:
    info = _state().predictor.info
    return {"name": info.name, "version": info.version}


def _shape(prediction: Prediction, model: dict) -> dict:
    return {"label": prediction.label, "score": prediction.score, "scores": prediction.scores,
            "truncated": prediction.truncated, "model": model}


def _score(texts: list[str]) -> list[Prediction]:
    g.text_count, g.char_count, g.texts = len(texts), sum(len(t) for t in texts), texts
    # No draining check here: a request that reached us during shutdown is still answered (only /ready
    # turns 503, so load balancers stop sending new ones).
    predictions = _state().predictor.predict(texts)
    metrics.record_predictions(predictions)
    return predictions


@api.post("/predict")
def predict():
    settings = _state().settings
    text = parse_predict(read_json(request, settings.max_body_bytes), settings.max_text_chars)
    return jsonify(_shape(_score([text])[0], _model_ref()))


@api.post("/batch-predict")
def batch_predict():
    settings = _state().settings
    texts = parse_batch(read_json(request, settings.max_body_bytes), settings.max_text_chars, settings.max_batch_texts)
    model = _model_ref()
    return jsonify({"predictions": [_shape(p, model) for p in _score(texts)]})


@api.get("/health")
def health():
    return jsonify({"status": "ok"})


@api.get("/ready")
def ready():
    state = _state()
    if state.draining:
        raise ApiError(503, "shutting_down", "this worker is shutting down", {"Retry-After": "5"})
    if state.load_error is not None:
        raise ApiError(503, "model_load_failed", state.load_error)
    if not state.predictor.ready:
        raise ApiError(503, "not_ready", "the model is loading", {"Retry-After": "2"})
    return jsonify({"status": "ready", "model": _model_ref()})


@api.get("/version")
def version():
    return jsonify({"version": __version__, "commit": _state().settings.git_commit, "model": _model_ref()})


@api.get("/openapi.json")
def openapi():
    settings = _state().settings
    return jsonify(openapi_document(__version__, settings.max_text_chars, settings.max_batch_texts))


@api.get("/metrics")
def metrics_endpoint():
    body = metrics.exposition(_state().settings.prometheus_multiproc_dir)
    return Response(body, mimetype="text/plain; version=0.0.4")

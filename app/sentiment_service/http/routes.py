"""The endpoints. Each validates, calls the predictor, shapes the response; all of them read the one state
they are built with."""

from flask import Blueprint, Response, jsonify, request

from sentiment_service import __version__, metrics
from sentiment_service.http.body import read_json
from sentiment_service.http.errors import ApiError
from sentiment_service.http.openapi import openapi_document
from sentiment_service.http.responses import model_description, model_ref, prediction_body, scored_response
from sentiment_service.http.schemas import parse_batch, parse_predict, requested_model, requested_reading
from sentiment_service.http.state import ServiceState


def api_blueprint(state: ServiceState) -> Blueprint:
    """/predict, /batch-predict, the probes, /models, /version, /openapi.json and /metrics over this state."""
    api = Blueprint("api", __name__)
    settings, models = state.settings, state.models

    # No draining check in the scoring routes: a request that reached us during shutdown is still answered (only
    # /ready turns 503, so load balancers stop sending new ones).

    @api.post("/predict")
    def predict():
        body = read_json(request, settings.max_body_bytes)
        text = parse_predict(body, settings.max_text_chars)
        predictor = models.select(requested_model(body))
        long_text, sentences = requested_reading(body, settings.long_texts)
        [prediction] = predictor.predict([text], long_text=long_text, sentences=sentences)
        return scored_response(prediction_body(prediction, predictor.info, settings.response_labels), [text],
                               predictor.info)

    @api.post("/batch-predict")
    def batch_predict():
        body = read_json(request, settings.max_body_bytes)
        texts = parse_batch(body, settings.max_text_chars, settings.max_batch_texts)
        predictor = models.select(requested_model(body))
        long_text, sentences = requested_reading(body, settings.long_texts)
        predictions = predictor.predict(texts, long_text=long_text, sentences=sentences)
        info = predictor.info
        return scored_response({"predictions": [prediction_body(p, info, settings.response_labels) for p in predictions]},
                               texts, info)

    @api.get("/health")
    def health():
        return jsonify({"status": "ok"})

    @api.get("/ready")
    def ready():
        if state.draining:
            raise ApiError("shutting_down", "this worker is shutting down")
        if state.load_error is not None:
            raise ApiError("model_load_failed", state.load_error)
        if not models.ready:
            raise ApiError("not_ready", "the model is loading")
        return jsonify({"status": "ready", "model": model_ref(models.default.info),
                        "models": [model_ref(info) for info in models.infos()]})

    @api.get("/models")
    def list_models():
        return jsonify({"default": models.default_name,
                        "models": [model_description(p.info, default=p is models.default, ready=p.ready) for p in models]})

    @api.get("/version")
    def version():
        return jsonify({"version": __version__, "commit": settings.git_commit, "model": model_ref(models.default.info),
                        "models": [model_ref(info) for info in models.infos()]})

    @api.get("/openapi.json")
    def openapi():
        return jsonify(openapi_document(__version__, settings.max_text_chars, settings.max_batch_texts,
                                        settings.explain_max_words, settings.playground, tuple(models.names)))

    @api.get("/metrics")
    def metrics_endpoint():
        return Response(metrics.exposition(settings.prometheus_multiproc_dir), mimetype="text/plain; version=0.0.4")

    return api

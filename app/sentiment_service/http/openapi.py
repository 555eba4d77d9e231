"""The OpenAPI 3.1 document, generated from the same pydantic models that validate requests, with every
path the app serves and, from the error catalogue, every error status each can answer with."""

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from sentiment_service.http import schemas
from sentiment_service.http.catalogue import SERVER_REFUSALS, codes_at, statuses_at
from sentiment_service.http.playground import ASSETS

_MODELS = [schemas.PredictRequest, schemas.BatchPredictRequest, schemas.PredictionOut, schemas.BatchPredictResponse,
           schemas.ErrorResponse, schemas.HealthResponse, schemas.ReadyResponse, schemas.VersionResponse,
           schemas.ExplainRequest, schemas.ExplainResponse, schemas.ModelsResponse]


def _ref(model: type[BaseModel]) -> dict:
    return {"$ref": f"#/components/schemas/{model.__name__}"}


def _json(model: type[BaseModel], description: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": _ref(model)}}}


def _text(media_type: str, description: str) -> dict:
    return {"description": description, "content": {media_type: {"schema": {"type": "string"}}}}


def _errors(path: str) -> dict:
    """Every error status of `path`: the JSON error for the catalogue's codes, an HTML page for gunicorn's own."""
    codes, responses = codes_at(path), {}
    for status in sorted(statuses_at(path)):
        lines = [f"{code}: {kind.meaning}" for code, kind in codes.items() if kind.status == status]
        content = {"application/json": {"schema": _ref(schemas.ErrorResponse)}} if lines else {}
        if status in SERVER_REFUSALS:
            lines.append(f"an HTML page from gunicorn, before the app: {SERVER_REFUSALS[status]}")
            content["text/html"] = {"schema": {"type": "string"}}
        responses[str(status)] = {"description": "; ".join(lines), "content": content}
    return responses


def _get(path: str, summary: str, ok: dict) -> dict:
    return {path: {"get": {"summary": summary, "responses": {"200": ok, **_errors(path)}}}}


def _scoring(path: str, summary: str, request: type[BaseModel], response: type[BaseModel]) -> dict:
    return {path: {"post": {
        "summary": summary,
        "requestBody": {"required": True, "content": {"application/json": {"schema": _ref(request)}}},
        "responses": {"200": _json(response, "scored"), **_errors(path)},
    }}}


def _playground() -> dict:
    paths = {}
    for path, (name, content_type) in ASSETS.items():
        summary = "The playground page" if path == "/" else f"The playground's {name}"
        paths |= _get(path, summary, _text(content_type.split(";")[0], "static file"))
    return paths


def openapi_document(version: str, max_text_chars: int, max_batch_texts: int, explain_max_words: int,
                     playground: bool = True, model_names: tuple[str, ...] = ()) -> dict:
    """The document for this deployment: the configured limits, the models served (what "model" may name) and
    whether the playground is served are part of the contract."""
    _, definitions = models_json_schema([(m, "serialization") for m in _MODELS],
                                        ref_template="#/components/schemas/{model}")
    schemas_ = definitions["$defs"]
    schemas_["PredictRequest"]["properties"]["text"]["maxLength"] = max_text_chars
    texts = schemas_["BatchPredictRequest"]["properties"]["texts"]
    texts["maxItems"] = max_batch_texts
    texts["items"]["maxLength"] = max_text_chars
    explain_text = schemas_["ExplainRequest"]["properties"]["text"]
    explain_text["maxLength"] = max_text_chars
    # Not expressible in JSON Schema; stated for people and read by the playground page.
    explain_text["description"] += f"; at most {explain_max_words} words"
    explain_text["x-max-words"] = explain_max_words
    if model_names:
        for request in ("PredictRequest", "BatchPredictRequest", "ExplainRequest"):
            choice = schemas_[request]["properties"]["model"]
            choice["anyOf"] = [{"type": "string", "enum": list(model_names)}, {"type": "null"}]
    return {
        "openapi": "3.1.0",
        "info": {"title": "Sentiment inference service", "version": version},
        "paths": {
            **_scoring("/predict", "Score one text", schemas.PredictRequest, schemas.PredictionOut),
            **_scoring("/batch-predict", "Score several texts as one batch", schemas.BatchPredictRequest,
                       schemas.BatchPredictResponse),
            **_scoring("/explain", "Score one text and how much each word moved every label's probability",
                       schemas.ExplainRequest, schemas.ExplainResponse),
            **_get("/health", "Liveness", _json(schemas.HealthResponse, "alive")),
            **_get("/ready", "Readiness", _json(schemas.ReadyResponse, "model loaded and warmed up")),
            **_get("/models", "The models served, each with its labels, token window and precision",
                   _json(schemas.ModelsResponse, "models")),
            **_get("/version", "Service and model versions", _json(schemas.VersionResponse, "versions")),
            **_get("/metrics", "Prometheus metrics", _text("text/plain", "text exposition format")),
            **_get("/openapi.json", "This document", {"description": "OpenAPI 3.1",
                                                      "content": {"application/json": {"schema": {"type": "object"}}}}),
            **(_playground() if playground else {}),
        },
        "components": {
            "schemas": schemas_,
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"},
                                "apiKey": {"type": "apiKey", "in": "header", "name": "X-API-Key"}},
        },
    }

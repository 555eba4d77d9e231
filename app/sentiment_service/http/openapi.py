"""The OpenAPI 3.1 document, generated from the same pydantic models that validate requests."""

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from sentiment_service.http import schemas
from sentiment_service.http.catalogue import meanings

_MODELS = [schemas.PredictRequest, schemas.BatchPredictRequest, schemas.PredictionOut, schemas.BatchPredictResponse,
           schemas.ErrorResponse, schemas.HealthResponse, schemas.ReadyResponse, schemas.VersionResponse,
           schemas.ExplainRequest, schemas.ExplainResponse]


def _ref(model: type[BaseModel]) -> dict:
    return {"$ref": f"#/components/schemas/{model.__name__}"}


def _json(model: type[BaseModel], description: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": _ref(model)}}}


def _errors(*statuses: int) -> dict:
    return {str(s): _json(schemas.ErrorResponse, meanings(s)) for s in statuses}


def _scoring(summary: str, request: type[BaseModel], response: type[BaseModel]) -> dict:
    return {"post": {
        "summary": summary,
        "requestBody": {"required": True, "content": {"application/json": {"schema": _ref(request)}}},
        "responses": {"200": _json(response, "scored"), **_errors(400, 401, 413, 415, 422, 429, 503)},
    }}


def openapi_document(version: str, max_text_chars: int, max_batch_texts: int, explain_max_words: int) -> dict:
    """The document for this deployment: the configured limits are part of the contract."""
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
    return {
        "openapi": "3.1.0",
        "info": {"title": "Sentiment inference service", "version": version},
        "paths": {
            "/predict": _scoring("Score one text", schemas.PredictRequest, schemas.PredictionOut),
            "/batch-predict": _scoring("Score several texts as one batch", schemas.BatchPredictRequest,
                                       schemas.BatchPredictResponse),
            "/explain": _scoring("Score one text and how much each word moved every label's probability",
                                 schemas.ExplainRequest, schemas.ExplainResponse),
            "/health": {"get": {"summary": "Liveness", "responses": {"200": _json(schemas.HealthResponse, "alive")}}},
            "/ready": {"get": {"summary": "Readiness", "responses": {
                "200": _json(schemas.ReadyResponse, "model loaded and warmed up"), **_errors(503)}}},
            "/version": {"get": {"summary": "Service and model versions",
                                 "responses": {"200": _json(schemas.VersionResponse, "versions")}}},
            "/metrics": {"get": {"summary": "Prometheus metrics", "responses": {
                "200": {"description": "text exposition format", "content": {"text/plain": {"schema": {"type": "string"}}}},
                **_errors(401)}}},
        },
        "components": {
            "schemas": schemas_,
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"},
                                "apiKey": {"type": "apiKey", "in": "header", "name": "X-API-Key"}},
        },
    }

"""Request and response shapes. The same models validate requests and generate /openapi.json."""

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictStr, ValidationError

from sentiment_service.http.errors import ApiError
from sentiment_service.predictor.explain import WordSpan, find_words
from sentiment_service.predictor.text_rules import check_text


class ModelChoice(BaseModel):
    """The optional "model" every scoring request may carry; requested_model() reads it."""

    model_config = ConfigDict(extra="forbid")
    model: StrictStr | None = Field(None, description="the name of the model to score with (GET /models lists them); "
                                                      "DEFAULT_MODEL, or the only model, when absent")


class ReadingChoice(ModelChoice):
    """How /predict and /batch-predict read their texts; requested_reading() reads it."""

    long_text: Literal["document", "truncate"] | None = Field(
        None, description="a text longer than the model's window: `document` reads it whole (its sentences packed "
                          "into windows, combined), `truncate` its first window only; LONG_TEXTS when absent")
    sentences: StrictBool = Field(False, description="also answer each sentence's prediction (and `mixed`); every "
                                                     "sentence is scored on its own, so it costs about twice the tokens")


class PredictRequest(ReadingChoice):
    # minLength/pattern are documented for clients; _check_text enforces them with specific error codes.
    text: StrictStr = Field(description="English text to score; must contain a non-space character",
                            json_schema_extra={"minLength": 1, "pattern": r"\S"})


class BatchPredictRequest(ReadingChoice):
    texts: list[Annotated[StrictStr, Field(json_schema_extra={"minLength": 1, "pattern": r"\S"})]] = Field(
        min_length=1, description="texts to score together, answered in order")


class ExplainRequest(ModelChoice):
    text: StrictStr = Field(description="English text to score and explain word by word; must contain a non-space character",
                            json_schema_extra={"minLength": 1, "pattern": r"\S"})


class ModelRef(BaseModel):
    name: str
    version: str


class SentenceOut(BaseModel):
    start: int = Field(ge=0, description="offset of the sentence's first character in the text (Unicode code points)")
    end: int = Field(ge=0, description="offset just past its last character: text[start:end] is the sentence")
    label: str
    scores: dict[str, float] = Field(description="probability of every label, the sentence scored on its own")
    polarity: float | None = Field(None, ge=-1, le=1, description="as the document's, for this sentence")


class PredictionOut(BaseModel):
    label: str = Field(description="the most probable label: negative, neutral or positive (negative or positive "
                                   "only with RESPONSE_LABELS=binary)")
    score: float = Field(ge=0, le=1, description="probability of `label`")
    scores: dict[str, float] = Field(description="probability of every label")
    polarity: float | None = Field(None, ge=-1, le=1, description="a signed score in [-1, 1], near 0 for neutral text: "
                                   "p(positive) - p(negative), or the weights of the manifest's `polarity`; present only "
                                   "for a model that defines one")
    truncated: bool = Field(description="true when part of the text was not read: a text longer than the model's "
                                        "token window, read with long_text `truncate`")
    model: ModelRef
    sentences: list[SentenceOut] | None = Field(None, description="with `sentences: true`: each sentence, in order")
    mixed: bool | None = Field(None, description="with `sentences: true`: whether clearly positive and clearly negative "
                                                 "sentences coexist (a sentence polarity of at least +0.5 and one of at "
                                                 "most -0.5); present only for a model that defines polarity")


class BatchPredictResponse(BaseModel):
    predictions: list[PredictionOut]


class WordOut(BaseModel):
    word: str = Field(description="the word, exactly as in the text")
    start: int = Field(ge=0, description="offset of its first character in the text (Unicode code points)")
    end: int = Field(ge=0, description="offset just past its last character: text[start:end] == word")
    contributions: dict[str, float] = Field(
        description="per label: its probability for the whole text minus its probability without this word; "
                    "positive means the word pushed towards that label")


class ExplainResponse(PredictionOut):
    words: list[WordOut] = Field(description="every word of the text, in order, each occurrence on its own")


class FieldProblem(BaseModel):
    field: str = Field(description="where in the body, as dotted keys and indexes (for example texts.2)")
    message: str


class ErrorDetail(BaseModel):
    """The one error shape. Besides code and message, a field is present only where it applies."""

    model_config = ConfigDict(extra="allow")
    code: str = Field(description="stable, for clients to switch on (the catalogue in the README)")
    message: str = Field(description="for people; its wording may change")
    index: int | None = Field(None, description="position of the offending text in a batch")
    limit: int | None = Field(None, description="413: the configured limit the request went over")
    problems: list[FieldProblem] | None = Field(None, description="422 invalid_request: every problem found in the body")
    reason: str | None = Field(None, description="429 overloaded: the admission limit that refused the request: "
                                                 "deadline, threads or queue_texts")


class ErrorResponse(BaseModel):
    error: ErrorDetail


class HealthResponse(BaseModel):
    status: str


class ReadyResponse(BaseModel):
    status: str
    model: ModelRef = Field(description="the default model")
    models: list[ModelRef] = Field(description="every model served, all of them loaded")


class VersionResponse(BaseModel):
    version: str
    commit: str | None
    model: ModelRef = Field(description="the default model")
    models: list[ModelRef] = Field(description="every model served")


class ModelOut(BaseModel):
    name: str = Field(description="what a request's \"model\" names")
    version: str
    labels: list[str]
    max_length: int = Field(description="the model's token window")
    precision: str | None = Field(description="int8 or fp32, as the model directory's manifest says")
    multi_label: bool = Field(description="each label's own probability (sigmoid) instead of one softmax")
    polarity: bool = Field(description="whether responses carry `polarity` for this model's labels")
    default: bool = Field(description="the model that answers requests that name none")
    ready: bool


class ModelsResponse(BaseModel):
    default: str
    models: list[ModelOut]


def _validation_error(exc: ValidationError) -> ApiError:
    problems = [{"field": ".".join(str(p) for p in e["loc"]), "message": e["msg"]} for e in exc.errors()]
    index = next((e["loc"][1] for e in exc.errors() if len(e["loc"]) > 1 and isinstance(e["loc"][1], int)), None)
    details = {"problems": problems} if index is None else {"problems": problems, "index": index}
    return ApiError("invalid_request", problems[0]["field"] + ": " + problems[0]["message"], **details)


def _check_text(text: str, max_chars: int, index: int | None) -> None:
    """The one acceptance rule (predictor/text_rules.py), answered with its code and the text's index."""
    refusal = check_text(text, max_chars)
    if refusal is None:
        return
    details = {} if index is None else {"index": index}
    if refusal.limit is not None:
        details["limit"] = refusal.limit
    raise ApiError(refusal.code, ("" if index is None else f"texts[{index}]: ") + refusal.message, **details)


def requested_model(body: object) -> str | None:
    """The "model" of a body that a parse_* function accepted (so a dict whose "model" is a string or absent)."""
    return body.get("model")


def requested_reading(body: object, long_texts: str) -> tuple[str, bool]:
    """(long_text, sentences) of a body that parse_predict or parse_batch accepted; LONG_TEXTS where it names none."""
    return body.get("long_text") or long_texts, body.get("sentences", False)


def parse_predict(body: object, max_chars: int) -> str:
    """Validate a /predict body and return its text; raises ApiError 422/413."""
    try:
        request = PredictRequest.model_validate(body)
    except ValidationError as exc:
        raise _validation_error(exc) from None
    _check_text(request.text, max_chars, None)
    return request.text


def parse_batch(body: object, max_chars: int, max_texts: int) -> list[str]:
    """Validate a /batch-predict body and return its texts; raises ApiError 422/413 naming the bad index."""
    if isinstance(body, dict) and isinstance(body.get("texts"), list) and len(body["texts"]) > max_texts:
        raise ApiError("batch_too_large", f"batch has {len(body['texts'])} texts; the limit is {max_texts}",
                       limit=max_texts)
    try:
        request = BatchPredictRequest.model_validate(body)
    except ValidationError as exc:
        raise _validation_error(exc) from None
    for index, text in enumerate(request.texts):
        _check_text(text, max_chars, index)
    return request.texts


def parse_explain(body: object, max_chars: int, max_words: int) -> tuple[str, list[WordSpan]]:
    """Validate an /explain body and return its text and words; raises ApiError 422/413."""
    try:
        request = ExplainRequest.model_validate(body)
    except ValidationError as exc:
        raise _validation_error(exc) from None
    _check_text(request.text, max_chars, None)
    words = find_words(request.text)
    if len(words) > max_words:
        raise ApiError("too_many_words", f"text has {len(words)} words; the limit for /explain is {max_words}",
                       limit=max_words)
    return request.text, words

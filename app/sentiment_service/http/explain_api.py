"""POST /explain: a prediction and what each word contributed to every label."""

from flask import Blueprint, request

from sentiment_service.http.body import read_json
from sentiment_service.http.responses import prediction_body, scored_response
from sentiment_service.http.schemas import parse_explain, requested_model
from sentiment_service.http.state import ServiceState
from sentiment_service.predictor.explain import explain as explain_text


def explain_blueprint(state: ServiceState) -> Blueprint:
    explain_api = Blueprint("explain_api", __name__)
    settings = state.settings

    @explain_api.post("/explain")
    def explain():
        body = read_json(request, settings.max_body_bytes)
        text, words = parse_explain(body, settings.max_text_chars, settings.explain_max_words)
        predictor = state.models.select(requested_model(body))
        explanation = explain_text(predictor, text, words, long_text=settings.long_texts)
        body = {
            **prediction_body(explanation.prediction, predictor.info, settings.response_labels),
            "words": [{"word": w.span.word, "start": w.span.start, "end": w.span.end, "contributions": w.contributions}
                      for w in explanation.words],
        }
        # The access log counts the one text the client sent, not its variants (the model metrics count those).
        return scored_response(body, [text], predictor.info)

    return explain_api

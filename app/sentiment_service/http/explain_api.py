"""POST /explain: a prediction and what each word contributed to every label."""

from flask import Blueprint, jsonify, request

from sentiment_service.http.body import read_json
from sentiment_service.http.request_log import note_scored_texts
from sentiment_service.http.responses import model_ref, prediction_body
from sentiment_service.http.schemas import parse_explain
from sentiment_service.http.state import current_state
from sentiment_service.predictor.explain import explain as explain_text

explain_api = Blueprint("explain_api", __name__)


@explain_api.post("/explain")
def explain():
    state = current_state()
    settings = state.settings
    text, words = parse_explain(read_json(request, settings.max_body_bytes), settings.max_text_chars,
                                settings.explain_max_words)
    # The access log counts the one text the client sent, not its variants (the model metrics count those).
    note_scored_texts([text])
    explanation = explain_text(state.predictor, text, words)
    return jsonify({
        **prediction_body(explanation.prediction, model_ref()),
        "words": [{"word": w.span.word, "start": w.span.start, "end": w.span.end, "contributions": w.contributions}
                  for w in explanation.words],
    })

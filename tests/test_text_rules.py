"""One acceptance rule for a text, whichever path it comes by: the HTTP API and bulk scoring answer the same code."""

import json

import pytest

from sentiment_service.bulk.scoring import refusal
from sentiment_service.predictor.text_rules import check_text

MAX_CHARS = 200  # the `settings` fixture's MAX_TEXT_CHARS


@pytest.mark.parametrize("text, code", [
    (" " * 300, "text_too_long"),  # over the limit is checked first, so a long blank text is too long, not empty
    ("x" * 201, "text_too_long"),
    ("", "empty_text"),
    (" \n\t ", "empty_text"),
    ("bad \ud800 text", "invalid_text"),
    ("good", None),
    ("x" * 200, None),
])
def test_http_and_bulk_answer_the_same_code_for_the_same_text(client, text, code):
    assert refusal(text, MAX_CHARS) == code
    response = client.post("/predict", data=json.dumps({"text": text}), content_type="application/json")
    if code is None:
        assert response.status_code == 200
    else:
        assert response.get_json()["error"]["code"] == code
    batch = client.post("/batch-predict", data=json.dumps({"texts": ["fine", text]}), content_type="application/json")
    if code is not None:
        assert batch.get_json()["error"] == {**batch.get_json()["error"], "code": code, "index": 1}


def test_a_refusal_over_the_limit_names_the_limit():
    refused = check_text("x" * 11, 10)
    assert (refused.code, refused.limit) == ("text_too_long", 10)
    assert check_text("   ", 10).limit is None

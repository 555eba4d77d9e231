"""Refusals that cost almost nothing: a scoring request whose Content-Length alone shows it cannot be admitted
now is answered 429 before its body is read or parsed.

On CPUs already saturated, reading and parsing a 100 KB body only to refuse it is work taken from the requests
being answered, and it made refusals slow (a 429 came after up to 1.4 s). The check asks the predictors about
the cheapest request a body of that size can hold (predictor/admission.py, minimum_windows), so nothing it
refuses could have been admitted.
"""

from flask import Flask, request

from sentiment_service.http.catalogue import SCORING_PATHS
from sentiment_service.http.state import ServiceState


def install_early_refusal(app: Flask, state: ServiceState) -> None:
    """Install it after the API key check, so an unauthenticated request is told so rather than to retry."""
    @app.before_request
    def refuse_what_cannot_be_admitted():
        if request.method != "POST" or request.path not in SCORING_PATHS or not request.content_length:
            return None
        state.models.refuse_early(request.content_length, state.settings.max_text_chars)
        return None

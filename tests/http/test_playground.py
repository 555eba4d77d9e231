"""The playground page and its assets as HTTP resources: served, strict, small, keyless, and switchable."""

import re

import pytest
from pydantic import SecretStr

from sentiment_service.http.factory import create_app
from sentiment_service.http.playground import ASSETS, CONTENT_SECURITY_POLICY
from sentiment_service.settings import Settings
from tests.fakes import FakePredictor

EXPECTED_CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
                "frame-ancestors 'none'; base-uri 'none'; form-action 'self'")


def client_for(tiny_model_dir, **settings):
    return create_app(Settings(model_dir=tiny_model_dir, **settings), FakePredictor()).test_client()


@pytest.mark.parametrize("path", sorted(ASSETS))
def test_page_and_assets_are_served_with_strict_headers(client, path):
    response = client.get(path)
    assert response.status_code == 200
    assert response.content_type == ASSETS[path][1]
    assert response.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY == EXPECTED_CSP
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_the_page_references_only_its_own_assets_and_nothing_inline(client):
    html = client.get("/").get_data(as_text=True)
    assert set(re.findall(r'(?:src|href)="(/[^"]*)"', html)) == (set(ASSETS) - {"/"}) | {"/openapi.json"}
    assert "<style" not in html and " style=" not in html and "on" + "click=" not in html
    assert re.findall(r"<script\b[^>]*>", html) == ['<script src="/playground/app.js" defer>']
    assert not re.search(r"https?://", html + client.get("/playground/app.js").get_data(as_text=True))


def test_the_page_weighs_under_100_kb(client):
    assert sum(len(client.get(path).get_data()) for path in ASSETS) < 100_000


def test_the_key_is_never_kept_beyond_the_tab(client):
    script = client.get("/playground/app.js").get_data(as_text=True)
    assert "localStorage" not in script and "document.cookie" not in script
    assert "sessionStorage" in script and '"Bearer "' in script


def test_page_needs_no_key_but_the_api_does(tiny_model_dir):
    client = client_for(tiny_model_dir, api_keys=[SecretStr("k")])
    for path in ASSETS:
        assert client.get(path).status_code == 200, path
    assert client.post("/explain", json={"text": "good"}).status_code == 401


def test_playground_off_answers_404_in_json(tiny_model_dir):
    client = client_for(tiny_model_dir, playground=False)
    for path in ASSETS:
        response = client.get(path)
        assert response.status_code == 404 and response.get_json()["error"]["code"] == "not_found", path
    assert client.post("/explain", json={"text": "good"}).status_code == 200


def test_no_implicit_static_route(client):
    assert client.get("/static/playground.js").status_code == 404

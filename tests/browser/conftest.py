"""A real gunicorn over the shipped model, and a headless Chromium to drive the playground page."""

import re

import pytest

from sentiment_service.settings import DEFAULT_MODEL_DIR
from tests.browser.chromium import DESKTOP, PageRecord, chromium, find_chromium
from tests.integration.gunicorn_process import gunicorn_service

API_KEY = "playground-test-key"


@pytest.fixture(scope="session")
def browser():
    executable = find_chromium()
    if executable is None:
        pytest.skip("no Chromium found (install Debian's `chromium`; .ci/run does): browser tests skipped")
    with chromium(executable) as launched:
        yield launched


@pytest.fixture(scope="module")
def service(tmp_path_factory):
    # One worker: the browser is the only client. A low text limit makes the over-long case cheap to type.
    with gunicorn_service(tmp_path_factory.mktemp("playground"), DEFAULT_MODEL_DIR, workers=1,
                          MAX_TEXT_CHARS="2000") as running:
        yield running


@pytest.fixture(scope="module")
def keyed_service(tmp_path_factory):
    with gunicorn_service(tmp_path_factory.mktemp("playground-keyed"), DEFAULT_MODEL_DIR, workers=1,
                          API_KEYS=API_KEY) as running:
        yield running


@pytest.fixture
def open_page(browser):
    """Open the playground of a service in a fresh context; yields (page, record)."""
    contexts = []

    def open_(url: str, viewport: dict = DESKTOP):
        context = browser.new_context(viewport=viewport, accept_downloads=True)
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15_000)
        record = PageRecord()
        record.watch(page)
        page.goto(url + "/")
        # The page has described the service once the model line is filled in.
        page.locator("#model", has_text=re.compile(r"^Model ")).wait_for()
        return page, record

    yield open_
    for context in contexts:
        context.close()

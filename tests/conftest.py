"""Shared fixtures: settings, a fake predictor, an app and client, and a tiny real ONNX model; and the markers
that say which suites start processes or need the system (`make test-fast` leaves those out)."""

from pathlib import Path

import pytest

from sentiment_service.http.factory import create_app
from sentiment_service.predictor.scoring_core import ScoringCore
from sentiment_service.predictor.serving_predictor import ServingPredictor
from sentiment_service.settings import DEFAULT_MODEL_DIR, Settings
from tests.fakes import FakePredictor
from tests.tiny_model import build_tiny_model

# Suites by what they need, beside the markers their modules set themselves. `integration`: starts real processes
# (gunicorn, the score command, a fresh interpreter); `container`: a Docker engine; `browser`: Chromium; `spark`: a
# JVM; `system`: a tool from the system (kubectl, haproxy, prometheus, wrk, hadolint); `slow`: seconds of CPU on
# the shipped model or real data.
SUITE_MARKERS = {
    "tests/container/": ("container",),
    "tests/browser/": ("browser", "integration"),
    "tests/fleet/": ("integration", "system"),
    "tests/reliability/": ("integration",),
    "tests/integration/": ("integration",),
    "tests/bench/": ("integration", "system"),
    "tests/deploy/": ("system",),
    "tests/observability/test_prometheus_scrape.py": ("integration", "system"),
    "tests/bulk/test_spark.py": ("spark", "slow"),
    "tests/bulk/test_cli.py": ("integration",),
    "tests/bulk/test_packaging.py": ("integration",),
    "tests/model/": ("slow",),
    "tests/models/": ("integration", "slow"),
    "tests/tune/test_tune.py": ("integration", "slow"),
    "tests/test_dependencies.py": ("integration",),
    "tests/test_repository.py": ("system",),
}
ROOT = Path(__file__).resolve().parents[1]


def pytest_collection_modifyitems(items):
    for item in items:
        where = item.path.relative_to(ROOT).as_posix()
        for prefix, markers in SUITE_MARKERS.items():
            if where.startswith(prefix):
                for marker in markers:
                    item.add_marker(marker)


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch):
    """Tests build Settings explicitly; variables from the developer's shell must not leak in."""
    for name in list(__import__("os").environ):
        if name.upper() in {f.upper() for f in Settings.model_fields}:
            monkeypatch.delenv(name)


@pytest.fixture(scope="session")
def tiny_model_dir(tmp_path_factory):
    return build_tiny_model(tmp_path_factory.mktemp("tiny-model"))


@pytest.fixture(scope="module")
def tiny_predictor(tiny_model_dir):
    """The real predictor over the tiny model, loaded once per test module."""
    predictor = ServingPredictor(tiny_model_dir)
    predictor.load()
    yield predictor
    predictor.close()


@pytest.fixture(scope="module")
def tiny_core(tiny_model_dir):
    """The scoring core over the tiny model: what bulk scoring, Spark and the evaluation scripts call."""
    return ScoringCore.open(tiny_model_dir)


@pytest.fixture(scope="module")
def shipped():
    """The real predictor over the shipped model, loaded once per test module."""
    predictor = ServingPredictor(DEFAULT_MODEL_DIR)
    predictor.load()
    yield predictor
    predictor.close()


@pytest.fixture
def settings(tiny_model_dir):
    return Settings(model_dir=tiny_model_dir, max_text_chars=200, max_batch_texts=8, max_body_bytes=4096)


@pytest.fixture
def fake_predictor():
    return FakePredictor()


@pytest.fixture
def app(settings, fake_predictor):
    return create_app(settings, fake_predictor)


@pytest.fixture
def client(app):
    return app.test_client()

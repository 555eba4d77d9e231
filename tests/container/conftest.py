"""The real image, built once for every container test that asks for it."""

import pytest

from sentiment_service import __version__
from tests.container.docker import build

TAG = "sentiment-service:test"


@pytest.fixture(scope="session")
def image():
    build(TAG, __version__, "c0ffee1")
    return TAG

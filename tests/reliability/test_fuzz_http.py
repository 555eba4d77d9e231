"""Schema-driven fuzzing of every endpoint with schemathesis, against real gunicorn: no 5xx, ever."""

import subprocess
import sys
from pathlib import Path

import pytest
import requests

from tests.reliability.conftest import worker_pids

pytestmark = pytest.mark.integration
CONFIG = Path(__file__).with_name("schemathesis.toml")


def test_schemathesis_finds_no_server_error_or_schema_mismatch(service):
    st = Path(sys.executable).with_name("st")
    result = subprocess.run(
        [str(st), "--config-file", str(CONFIG), "run", f"{service.url}/openapi.json", "--checks", "all",
         "--max-examples", "40", "--phases", "examples,coverage,fuzzing", "--generation-deterministic",
         "--request-timeout", "10"],
        capture_output=True, text=True, timeout=240,
    )
    assert result.returncode == 0, result.stdout[-4000:]
    assert requests.get(f"{service.url}/ready", timeout=5).status_code == 200
    assert worker_pids(service.process.pid) == service.initial_workers, "no worker may have restarted"

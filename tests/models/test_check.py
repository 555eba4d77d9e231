"""`python -m sentiment_service.models check DIR`: the service's own verification of a model directory, run
before it is swapped in (serving dependencies only)."""

import json
import shutil
import subprocess
import sys

import pytest

pytestmark = pytest.mark.integration


def check(model_dir) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "sentiment_service.models", "check", str(model_dir)],
                          capture_output=True, text=True, timeout=120)


def test_a_servable_directory_passes_and_is_described(tiny_model_dir):
    result = check(tiny_model_dir)
    assert result.returncode == 0, result.stderr
    described = json.loads(result.stdout)
    assert (described["name"], described["version"], described["labels"]) == ("tiny-test", "0.0.1", ["negative", "positive"])


def test_a_tampered_or_missing_directory_fails_with_the_reason(tiny_model_dir, tmp_path):
    copy = tmp_path / "model"
    shutil.copytree(tiny_model_dir, copy)
    (copy / "tokenizer.json").write_text("{}")
    result = check(copy)
    assert result.returncode == 2 and "does not match its manifest" in result.stderr
    assert check(tmp_path / "nowhere").returncode == 2

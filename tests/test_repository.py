"""The repository's own checks, run with the suite: linters, and the promises between its files."""

import importlib.util
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from sentiment_service import __version__

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def run(*command: str) -> subprocess.CompletedProcess:
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=120)


def test_ruff():
    result = run(str(BIN / "ruff"), "check", "app", "tests", "training", "bench", "evaluation", "scripts")
    assert result.returncode == 0, result.stdout


@pytest.mark.parametrize("dockerfile", ["Dockerfile", "docs/Dockerfile.single-stage", "deploy/models/Dockerfile"])
def test_hadolint_passes_on_the_dockerfile(dockerfile):
    result = run(str(BIN / "hadolint"), dockerfile)
    assert result.returncode == 0, result.stdout
    # Every ignored rule is explained on the line above it.
    lines = (ROOT / dockerfile).read_text().splitlines()
    for i, line in enumerate(lines):
        if "hadolint ignore" in line:
            assert lines[i - 1].startswith("#") and "hadolint" not in lines[i - 1], f"unexplained ignore: {line}"


def _cmd_and_pythonpath(dockerfile: str) -> tuple[list[str], list[str]]:
    text = (ROOT / dockerfile).read_text()
    cmd = [line for line in text.splitlines() if line.startswith("CMD ")][-1]
    return json.loads(cmd.removeprefix("CMD ")), re.findall(r"\bPYTHONPATH=(\S+)", text)


def test_the_single_stage_image_runs_the_real_entry_point():
    """docs/Dockerfile.single-stage is only measured against Dockerfile, but it must still serve."""
    real_cmd, real_path = _cmd_and_pythonpath("Dockerfile")
    single_cmd, single_path = _cmd_and_pythonpath("docs/Dockerfile.single-stage")
    assert single_cmd == real_cmd
    config, entry = real_cmd[-2], real_cmd[-1]
    assert (ROOT / config).is_file()
    module, _, attribute = entry.partition(":")
    assert importlib.util.find_spec(module) is not None and attribute == "app"
    # Both copy app/ to /app/app, where the package is found only through PYTHONPATH.
    assert single_path == real_path == ["/app/app"]


def test_actionlint_passes_on_the_workflow():
    result = run(str(BIN / "actionlint"), ".github/workflows/build.yml")
    assert result.returncode == 0, result.stdout


def test_workflow_shape():
    workflow = yaml.safe_load((ROOT / ".github/workflows/build.yml").read_text())
    triggers = workflow[True]  # YAML 1.1 reads the key `on` as True
    assert triggers["push"] == {"branches": ["main"], "tags": ["v*.*.*"]}
    assert triggers["pull_request"] == {"branches": ["main"]}
    test, build = workflow["jobs"]["test"], workflow["jobs"]["build"]
    assert any(step.get("run") == "bash .ci/run" for step in test["steps"]), "the workflow tests as CI does, installs included"
    assert build["needs"] == "test" and build["permissions"]["packages"] == "write"
    assert "pull_request" in build["if"]
    uses = [s["uses"] for job in workflow["jobs"].values() for s in job["steps"] if "uses" in s]
    assert all(re.search(r"@v?\d+\.\d+\.\d+$", u) for u in uses), "every action pinned to a full version"


def test_latest_is_published_from_the_default_branch_only():
    workflow = yaml.safe_load((ROOT / ".github/workflows/build.yml").read_text())
    meta = next(s for s in workflow["jobs"]["build"]["steps"] if s.get("uses", "").startswith("docker/metadata-action@"))
    assert "latest=false" in meta["with"]["flavor"].split(), "metadata-action's latest=auto also tags every release latest"
    latest = [line.strip() for line in meta["with"]["tags"].splitlines() if "value=latest" in line]
    assert latest == ["type=raw,value=latest,enable={{is_default_branch}}"]


def test_one_version_source():
    assert re.fullmatch(r"\d+\.\d+\.\d+", __version__)
    assert f"## [{__version__}]" in (ROOT / "CHANGELOG.md").read_text()


def test_ci_and_readme_use_the_same_commands():
    assert "make test" in (ROOT / ".ci/run").read_text()
    readme = (ROOT / "README.md").read_text()
    assert "make run" in readme and "make test" in readme

"""docker-compose.yml validates and keeps the hardening the runbook promises."""

import shutil
import subprocess

import pytest
import yaml

from tests.container.docker import ROOT


def compose_command() -> list[str] | None:
    if shutil.which("docker") and subprocess.run(["docker", "compose", "version"], capture_output=True).returncode == 0:
        return ["docker", "compose"]
    if shutil.which("docker-compose"):
        return ["docker-compose"]
    return None


@pytest.mark.skipif(compose_command() is None, reason="neither `docker compose` nor `docker-compose` is installed")
def test_compose_config_validates():
    result = subprocess.run([*compose_command(), "config"], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    service = yaml.safe_load(result.stdout)["services"]["sentiment"]
    assert service["read_only"] is True
    assert service["cap_drop"] == ["ALL"]
    assert "no-new-privileges:true" in service["security_opt"]
    assert "start_period" in service["healthcheck"]

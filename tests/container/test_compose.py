"""docker-compose.yml: every setting reaches the container with its default left to the service, the image is
the one `make image` builds, API keys can come from a mounted file, and the stack serves what its .env says."""

import os
import re
import shutil
import subprocess
import uuid
from pathlib import Path

import pytest
import requests
import yaml

from sentiment_service.settings import Settings
from tests.container.docker import (
    COMPOSE_FILES,
    ROOT,
    compose,
    compose_command,
    compose_project,
    compose_variables,
    engine_available,
    inspect,
    wait_ready,
)
from tests.integration.gunicorn_process import free_port

SETTINGS = {name.upper() for name in Settings.model_fields}
# Settings that Compose deliberately does not pass on (docker-compose.yml says the same above `environment`).
EXCLUDED = {
    "BIND_HOST",  # 0.0.0.0, the default, is the only address a published port reaches
    "GIT_COMMIT",  # the image records the commit it was built from; an empty value would replace it
    "PROMETHEUS_MULTIPROC_DIR",  # the service makes a fresh one under /tmp for its workers
}
FORWARDED = SETTINGS - EXCLUDED
# What Compose reads for itself: none of these is a setting of the service.
COMPOSE_ONLY = {"IMAGE", "TAG", "HOST_PORT", "CPUS", "MEM_LIMIT", "REVISION", "API_KEYS_HOST_FILE"}
VERSION = (ROOT / "app" / "VERSION").read_text().strip()

needs_compose = pytest.mark.skipif(compose_command() is None,
                                   reason="neither `docker compose` nor `docker-compose` is installed")
needs_engine = pytest.mark.skipif(not engine_available(), reason="no Docker engine reachable: start one with "
                                  "../shared/tools/container-runtime (as .ci/run does) to run the container tests")


def shipped_service() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]["sentiment"]


def compose_defaults() -> dict[str, str]:
    """NAME -> default for every ${NAME:-default} with a default in the shipped Compose files."""
    text = "".join((ROOT / file).read_text() for file in COMPOSE_FILES)
    return dict(re.findall(r"\$\{([A-Z][A-Z0-9_]*):-([^}]+)\}", text))


def env_example() -> list[tuple[bool, str, str]]:
    """(commented out, NAME, value) for every NAME=value line of .env.example."""
    lines = (ROOT / ".env.example").read_text().splitlines()
    return [(bool(m[1]), m[2], m[3]) for m in map(re.compile(r"^(#\s*)?([A-Z][A-Z0-9_]*)=(.*)$").match, lines) if m]


def rendered(project: Path, files: tuple[str, ...] = ("docker-compose.yml",)) -> dict:
    return yaml.safe_load(compose(project, "config", files=files).stdout)


def test_compose_passes_every_setting_and_writes_no_default():
    environment = shipped_service()["environment"]
    assert EXCLUDED <= SETTINGS, "an exclusion names a setting that no longer exists"
    assert set(environment) == FORWARDED
    assert {name: value for name, value in environment.items() if value != f"${{{name}:-}}"} == {}, \
        "forward as VAR: ${VAR:-} so that the default stays in settings.py"


def test_compose_reads_only_settings_and_its_own_variables():
    assert compose_variables() == FORWARDED | COMPOSE_ONLY


def test_published_port_maps_to_the_services_default_port():
    # The one default Compose must restate: the container side of the port mapping needs a number.
    assert compose_defaults()["PORT"] == str(Settings.model_fields["port"].default)


def test_env_example_lists_every_variable_compose_reads():
    assert {name for _, name, _ in env_example()} == FORWARDED | COMPOSE_ONLY


def test_env_example_shows_only_the_defaults():
    """A value in .env.example, commented out or not, is the default it stands for, so uncommenting it changes
    nothing; only a variable Compose requires (${NAME:?}) may show an example, and only commented out."""
    defaults, wrong = compose_defaults(), {}
    for commented, name, value in env_example():
        if value == "":  # empty counts as unset, in Compose and in the service
            continue
        if name in FORWARDED:
            field = name.lower()
            if getattr(Settings(**{field: value}), field) != Settings.model_fields[field].default:
                wrong[name] = value
        elif name in defaults:
            if value != defaults[name]:
                wrong[name] = value
        elif not commented:
            wrong[name] = value
    assert wrong == {}


@needs_compose
def test_compose_config_validates_and_keeps_the_hardening(tmp_path):
    service = rendered(compose_project(tmp_path, {}))["services"]["sentiment"]
    assert service["read_only"] is True
    assert service["cap_drop"] == ["ALL"]
    assert "no-new-privileges:true" in service["security_opt"]
    assert "start_period" in service["healthcheck"]


@needs_compose
def test_every_setting_in_env_reaches_the_container_as_given(tmp_path):
    unset = rendered(compose_project(tmp_path / "unset", {}))["services"]["sentiment"]["environment"]
    assert unset == dict.fromkeys(FORWARDED, "")
    # Distinct values Compose does not judge; PORT must be a number, as the port mapping reads it too.
    given = {name: f"value-of-{name}" for name in FORWARDED} | {"PORT": "8123"}
    assert rendered(compose_project(tmp_path / "given", given))["services"]["sentiment"]["environment"] == given


@needs_compose
def test_api_keys_override_mounts_the_file_and_points_the_service_at_it(tmp_path):
    project = compose_project(tmp_path, {"API_KEYS_HOST_FILE": "./api-keys", "API_KEYS_FILE": "/elsewhere"})
    config = rendered(project, COMPOSE_FILES)
    service = config["services"]["sentiment"]
    assert service["environment"]["API_KEYS_FILE"] == "/run/secrets/api-keys"
    assert [secret["source"] for secret in service["secrets"]] == ["api-keys"]
    assert Path(config["secrets"]["api-keys"]["file"]) == project / "api-keys"

    (project / ".env").write_text("")
    missing = compose(project, "config", files=COMPOSE_FILES, check=False)
    assert missing.returncode != 0 and "API_KEYS_HOST_FILE" in missing.stderr


@needs_compose
@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
@pytest.mark.parametrize("dotenv", [{}, {"IMAGE": "registry.example/sentiment", "TAG": "dev"}], ids=["defaults", "from-env"])
def test_make_image_builds_the_image_compose_runs(tmp_path, dotenv):
    project = compose_project(tmp_path, dotenv)
    shutil.copy(ROOT / "Makefile", project / "Makefile")
    (project / "app").mkdir()
    shutil.copy(ROOT / "app" / "VERSION", project / "app" / "VERSION")
    make = subprocess.run(["make", "-s", "-n", "image"], cwd=project, capture_output=True, text=True, timeout=60,
                          env={"PATH": os.environ["PATH"]}, check=True).stdout
    built = re.search(r" -t (\S+)", make)[1]
    service = rendered(project)["services"]["sentiment"]

    expected = f"{dotenv['IMAGE']}:{dotenv['TAG']}" if dotenv else f"ghcr.io/sentiment-service/sentiment-service:v{VERSION}"
    assert built == service["image"] == expected, "a release bumps app/VERSION and docker-compose.yml's defaults together"
    assert re.search(r"--build-arg VERSION=(\S+)", make)[1] == service["build"]["args"]["VERSION"] == VERSION


@pytest.fixture(scope="module")
def stack(image, tmp_path_factory):
    """The shipped Compose files with the API-keys override, started from an .env as a user writes one; yields
    the service's URL and its container, and takes the stack down (volumes too) whatever happened."""
    project, port = tmp_path_factory.mktemp("compose"), free_port()
    keys = project / "api-keys"
    keys.write_text("# one key per line\nkey-from-file\n")
    keys.chmod(0o644)  # the service runs as UID 10001
    name, tag = image.rsplit(":", 1)
    compose_project(project, {"IMAGE": name, "TAG": tag, "PORT": str(port), "PLAYGROUND": "false",
                              "API_KEYS_HOST_FILE": "./api-keys"})
    # The local engine has no bridge network, and an override cannot take `ports` away (Compose v1 merges
    # lists), so the stack runs from its own rendered config with the published port replaced by the host's
    # network: the service is then on 127.0.0.1:PORT.
    config = rendered(project, COMPOSE_FILES)
    service = config["services"]["sentiment"]
    del service["ports"]
    service["network_mode"] = "host"
    (project / "host-network.yml").write_text(yaml.safe_dump(config))
    files, project_name = ("host-network.yml",), f"sentiment-compose-{uuid.uuid4().hex[:8]}"
    try:
        compose(project, "-p", project_name, "up", "-d", "--no-build", files=files)
        container = compose(project, "-p", project_name, "ps", "-q", "sentiment", files=files).stdout.strip()
        url = f"http://127.0.0.1:{port}"
        wait_ready(url, container)
        yield url, container
    finally:
        compose(project, "-p", project_name, "down", "-v", files=files, check=False)


@pytest.mark.container
@needs_engine
@needs_compose
def test_compose_stack_turns_the_playground_off_from_env(stack):
    url, _ = stack
    assert requests.get(f"{url}/", timeout=5).status_code == 404
    assert requests.get(f"{url}/ready", timeout=5).status_code == 200


@pytest.mark.container
@needs_engine
@needs_compose
def test_compose_stack_reads_api_keys_from_the_mounted_file(stack):
    url, container = stack
    text = {"text": "I loved it"}
    assert requests.post(f"{url}/predict", json=text, timeout=5).status_code == 401
    answer = requests.post(f"{url}/predict", json=text, headers={"Authorization": "Bearer key-from-file"}, timeout=5)
    assert answer.status_code == 200 and answer.json()["label"] == "positive"
    assert [m["RW"] for m in inspect(container)["Mounts"] if m["Destination"] == "/run/secrets/api-keys"] == [False]


@pytest.mark.container
@needs_engine
@needs_compose
def test_compose_stack_keeps_the_commit_the_image_records(stack):
    # GIT_COMMIT is not forwarded: the revision the image was built with (tests/container/conftest.py) stays.
    url, _ = stack
    assert requests.get(f"{url}/version", timeout=5).json()["commit"] == "c0ffee1"

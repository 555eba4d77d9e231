"""Small helpers over the docker CLI for the container tests."""

import json
import os
import re
import shutil
import subprocess
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[2]


def docker(*args: str, check: bool = True, timeout: float = 600) -> str:
    result = subprocess.run(["docker", *args], capture_output=True, text=True, timeout=timeout)
    if check and result.returncode != 0:
        raise RuntimeError(f"docker {' '.join(args)} failed: {result.stderr.strip()}")
    return result.stdout.strip()


def engine_available() -> bool:
    if shutil.which("docker") is None:
        return False
    try:
        return subprocess.run(["docker", "info"], capture_output=True, timeout=20).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


def build(tag: str, version: str, revision: str, dockerfile: str = "Dockerfile") -> None:
    docker("build", "--network", "host", "-q", "-f", str(ROOT / dockerfile), "--build-arg", f"VERSION={version}",
           "--build-arg", f"REVISION={revision}", "-t", tag, str(ROOT), timeout=1200)


def image_size(tag: str) -> int:
    return int(docker("image", "inspect", "-f", "{{.Size}}", tag))


def inspect(name: str) -> dict:
    return json.loads(docker("inspect", name))[0]


def wait_healthy(name: str, timeout_s: float = 120) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        state = inspect(name)["State"]
        if not state["Running"]:
            raise RuntimeError(f"container {name} exited: {docker('logs', name, check=False)}")
        if state.get("Health", {}).get("Status") == "healthy":
            return
        time.sleep(0.5)
    raise TimeoutError(f"container {name} not healthy after {timeout_s}s")


# The Compose files that ship, and the variables they read from the shell or from .env.
COMPOSE_FILES = ("docker-compose.yml", "compose.api-keys.yml")


def compose_command() -> list[str] | None:
    """`docker compose` (v2) where installed, else Debian's `docker-compose` (v1), else None."""
    if shutil.which("docker") and subprocess.run(["docker", "compose", "version"], capture_output=True).returncode == 0:
        return ["docker", "compose"]
    if shutil.which("docker-compose"):
        return ["docker-compose"]
    return None


def compose_variables() -> set[str]:
    """Every ${NAME} the shipped Compose files interpolate."""
    return {name for file in COMPOSE_FILES for name in re.findall(r"\$\{([A-Z][A-Z0-9_]*)", (ROOT / file).read_text())}


def without_compose_variables() -> dict[str, str]:
    """This process's environment minus what Compose would read, so that only the .env under test counts
    (the shell wins over .env in Compose, and `make test` exports PORT)."""
    names = compose_variables()
    return {name: value for name, value in os.environ.items() if name not in names}


def compose_project(directory: Path, dotenv: dict[str, str]) -> Path:
    """A copy of the shipped Compose files in directory, with an .env beside them as a user would write it."""
    directory.mkdir(parents=True, exist_ok=True)
    for file in COMPOSE_FILES:
        shutil.copy(ROOT / file, directory / file)
    (directory / ".env").write_text("".join(f"{name}={value}\n" for name, value in dotenv.items()))
    return directory


def compose(project: Path, *args: str, files: tuple[str, ...] = ("docker-compose.yml",), check: bool = True,
            timeout: float = 120) -> subprocess.CompletedProcess:
    """Run Compose in project on files; raises RuntimeError with its stderr when check and it fails."""
    options = [arg for file in files for arg in ("-f", file)]
    result = subprocess.run([*compose_command(), *options, *args], cwd=project, env=without_compose_variables(),
                            capture_output=True, text=True, timeout=timeout)
    if check and result.returncode != 0:
        raise RuntimeError(f"compose {' '.join(args)} failed: {result.stderr.strip()}")
    return result


def wait_ready(url: str, container: str, timeout_s: float = 120) -> None:
    """Poll url/ready until 200; raises if the container stops or restarts first, or on the deadline."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        found = inspect(container)
        if not found["State"]["Running"] or found["RestartCount"] > 0:
            raise RuntimeError(f"container {container} exited: {docker('logs', container, check=False)}")
        try:
            if requests.get(f"{url}/ready", timeout=1).status_code == 200:
                return
        except (requests.ConnectionError, requests.Timeout):  # not listening yet
            pass
        time.sleep(0.1)
    raise TimeoutError(f"{url} not ready after {timeout_s}s")

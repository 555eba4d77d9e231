"""Small helpers over the docker CLI for the container tests."""

import json
import shutil
import subprocess
import time
from pathlib import Path

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

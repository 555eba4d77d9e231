"""How much our image adds on top of its base image, when a Docker engine and the image are at hand."""

import shutil
import subprocess

TIMEOUT_S = 20


def _image_bytes(tag: str) -> int | None:
    try:
        result = subprocess.run(["docker", "image", "inspect", "--format", "{{.Size}}", tag],
                                capture_output=True, text=True, timeout=TIMEOUT_S)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return int(result.stdout.strip()) if result.returncode == 0 and result.stdout.strip().isdigit() else None


def image_size(tag: str, base: str) -> dict:
    """{"status": "ok", "added_mb": ...} or {"status": "n/a: <why>"}; never raises."""
    if shutil.which("docker") is None:
        return {"status": "n/a: no docker CLI"}
    try:
        engine = subprocess.run(["docker", "info", "--format", "{{.ServerVersion}}"],
                                capture_output=True, text=True, timeout=TIMEOUT_S)
    except (OSError, subprocess.TimeoutExpired):
        return {"status": "n/a: Docker engine not reachable"}
    if engine.returncode != 0:
        return {"status": "n/a: Docker engine not reachable"}
    image, base_bytes = _image_bytes(tag), _image_bytes(base)
    if image is None:
        return {"status": f"n/a: no image {tag} (build it with `docker build -t {tag} .`)"}
    size = {"status": "ok", "image": tag, "image_mb": round(image / 1e6, 1)}
    if base_bytes is None:
        return {**size, "status": f"ok, but base image {base} is not present, so the added size is unknown"}
    return {**size, "base": base, "base_mb": round(base_bytes / 1e6, 1), "added_mb": round((image - base_bytes) / 1e6, 1)}

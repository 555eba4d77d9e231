"""The real image, built and run on the local engine: health, endpoints, user, contents, size, shutdown."""

import json
import threading
import time
import uuid

import pytest
import requests

from sentiment_service import __version__
from tests.container.docker import docker, engine_available, image_size, inspect, wait_healthy
from tests.integration.gunicorn_process import free_port

pytestmark = [
    pytest.mark.container,
    pytest.mark.skipif(not engine_available(), reason="no Docker engine reachable: start one with "
                       "../shared/tools/container-runtime (as .ci/run does) to run the container tests"),
]
BASE = "python:3.11-slim"


@pytest.fixture(scope="module")
def container(image):
    name, port = f"sentiment-test-{uuid.uuid4().hex[:8]}", free_port()
    docker("run", "-d", "--name", name, "--network", "host", "--read-only", "--tmpfs", "/tmp",
           "--cap-drop", "ALL", "--security-opt", "no-new-privileges", "-e", f"PORT={port}", image)
    try:
        wait_healthy(name)
        yield name, f"http://127.0.0.1:{port}"
    finally:
        docker("rm", "-f", name, check=False)


def test_healthy_and_serving_the_shipped_model(container):
    _, url = container
    assert requests.get(f"{url}/ready", timeout=5).status_code == 200
    good = requests.post(f"{url}/predict", json={"text": "I loved it"}, timeout=5).json()
    assert good["label"] == "positive" and good["model"]["name"] == "sentiment-minilm-l6"
    batch = requests.post(f"{url}/batch-predict", json={"texts": ["I loved it", "terrible, a waste of money"]},
                          timeout=5).json()
    assert [p["label"] for p in batch["predictions"]] == ["positive", "negative"]


def test_version_matches_image_labels(container, image):
    _, url = container
    labels = inspect(image)["Config"]["Labels"]
    version = requests.get(f"{url}/version", timeout=5).json()
    assert version["version"] == labels["org.opencontainers.image.version"] == __version__
    assert version["commit"] == labels["org.opencontainers.image.revision"] == "c0ffee1"


def test_runs_as_non_root_without_shell_login(container):
    name, _ = container
    assert docker("exec", name, "id", "-u") == "10001"
    assert docker("exec", name, "getent", "passwd", "appuser").endswith(":/nonexistent:/usr/sbin/nologin")


def test_runtime_image_has_no_compiler_tests_or_vcs(container):
    name, _ = container
    found = docker("exec", name, "sh", "-c",
                   "for c in gcc cc g++ make strip; do command -v $c; done; ls -d /app/tests /app/.git /app/training "
                   "/root/.cache/pip 2>/dev/null; ls /app", check=False)
    assert found.split() == ["app", "models"], found


def test_added_layers_stay_under_150_mb(image):
    added = image_size(image) - image_size(BASE)
    print(f"\nimage layers added on top of {BASE}: {added / 1e6:.1f} MB (total {image_size(image) / 1e6:.1f} MB)")
    assert added <= 150e6


def test_docker_stop_drains_accepted_requests_and_exits_zero(image):
    name, port = f"sentiment-stop-{uuid.uuid4().hex[:8]}", free_port()
    url = f"http://127.0.0.1:{port}"
    docker("run", "-d", "--name", name, "--network", "host", "--read-only", "--tmpfs", "/tmp", "-e", f"PORT={port}", image)
    try:
        wait_healthy(name)
        outcomes: dict[str, str] = {}  # request id -> what the client saw
        stop_at = time.monotonic() + 30  # bounded: the burst ends by itself even if the stop fails

        def client():
            with requests.Session() as session:
                send(session)

        def send(session):
            for _ in range(400):
                if time.monotonic() > stop_at:
                    return
                request_id = uuid.uuid4().hex
                try:
                    r = session.post(f"{url}/predict", json={"text": "I loved it"}, timeout=10,
                                     headers={"X-Request-ID": request_id})
                    ok = r.status_code == 200 and r.json()["label"] == "positive"
                    outcomes[request_id] = "ok" if ok else f"bad {r.status_code}"
                except requests.RequestException:  # refused, reset, or cut off mid-body
                    outcomes[request_id] = "failed"
                    return

        threads = [threading.Thread(target=client) for _ in range(8)]
        for t in threads:
            t.start()
        time.sleep(1.5)
        docker("stop", "-t", "25", name, timeout=60)
        for t in threads:
            t.join(40)
        assert inspect(name)["State"]["ExitCode"] == 0
        # What the service processed, from its own access log.
        processed = {entry["request_id"] for entry in map(json.loads, _json_lines(docker("logs", name)))
                     if entry.get("path") == "/predict"}
        failed = {rid for rid, outcome in outcomes.items() if outcome == "failed"}
        print(f"\ndocker stop during a burst: {len(processed)} processed, {len(failed)} connections refused or reset "
              "before the service accepted the request")
        assert len(processed) > 0
        assert {rid: o for rid, o in outcomes.items() if o not in ("ok", "failed")} == {}, "every answer is correct"
        assert processed <= {rid for rid, o in outcomes.items() if o == "ok"}, "every processed request was answered"
        assert not failed & processed
    finally:
        docker("rm", "-f", name, check=False)


def _json_lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.startswith("{")]


def test_every_log_line_is_json_and_nothing_phones_home(container):
    """onnxruntime 1.32 starts a telemetry uploader unless told not to; its warning would also break JSON logs."""
    name, url = container
    requests.post(f"{url}/predict", json={"text": "fine"}, timeout=5)
    lines = docker("logs", name).splitlines() + docker("logs", name, check=False).splitlines()
    assert lines and all(line.startswith("{") for line in lines), [line for line in lines if not line.startswith("{")]
    assert "ORT_DISABLE_TELEMETRY=1" in docker("exec", name, "env")

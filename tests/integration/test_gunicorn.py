"""The real thing on loopback: gunicorn with 2 workers, the app, a real ONNX model."""

import json
import re
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from tests.integration.gunicorn_process import ROOT, free_port, gunicorn_service

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def service(tmp_path_factory, tiny_model_dir):
    with gunicorn_service(tmp_path_factory.mktemp("gunicorn"), tiny_model_dir, workers=2,
                          MAX_TEXT_CHARS="200", MAX_BATCH_TEXTS="8", MAX_BODY_BYTES="4096") as running:
        yield running


def test_predict_and_batch(service):
    one = requests.post(f"{service.url}/predict", json={"text": "I loved it"}, timeout=5)
    assert one.status_code == 200 and one.json()["label"] == "positive"
    batch = requests.post(f"{service.url}/batch-predict", json={"texts": ["I loved it", "terrible waste"]}, timeout=5)
    assert [p["label"] for p in batch.json()["predictions"]] == ["positive", "negative"]


@pytest.mark.parametrize("method, path, kwargs, status", [
    ("post", "/predict", {"data": "{bad", "headers": {"Content-Type": "application/json"}}, 400),
    ("post", "/predict", {"data": "text", "headers": {"Content-Type": "text/plain"}}, 415),
    ("post", "/predict", {"json": {"text": ""}}, 422),
    ("post", "/predict", {"json": {"text": "x" * 201}}, 413),
    ("post", "/batch-predict", {"json": {"texts": ["a"] * 9}}, 413),
    ("post", "/predict", {"data": "[" * 5000, "headers": {"Content-Type": "application/json"}}, 413),
    ("get", "/nowhere", {}, 404),
    ("get", "/predict", {}, 405),
])
def test_error_statuses_over_the_wire(service, method, path, kwargs, status):
    response = getattr(requests, method)(f"{service.url}{path}", timeout=5, **kwargs)
    assert response.status_code == status
    assert set(response.json()["error"]) >= {"code", "message"}


def test_request_id_is_echoed_and_logged_without_text(service):
    secret_text = "my very private good review"
    response = requests.post(f"{service.url}/predict", json={"text": secret_text},
                             headers={"X-Request-ID": "trace-42"}, timeout=5)
    assert response.headers["X-Request-ID"] == "trace-42"
    lines = [json.loads(line) for line in service.log_lines() if line.startswith("{")]
    assert any(entry.get("request_id") == "trace-42" and entry.get("status") == 200 for entry in lines)
    assert secret_text not in service.log_path.read_text()


def test_no_server_banner(service):
    server = requests.get(f"{service.url}/health", timeout=5).headers.get("Server", "")
    assert "gunicorn" not in server.lower()


def test_metrics_merge_both_workers(service):
    def hit(_):
        return requests.post(f"{service.url}/predict", json={"text": "good film"}, timeout=5).status_code

    before = _predict_200_count(service)
    with ThreadPoolExecutor(16) as pool:
        statuses = list(pool.map(hit, range(200)))
    assert statuses == [200] * 200
    pids = {m.group(1) for f in service.metrics_dir.iterdir() if (m := re.match(r"counter_(\d+)\.db", f.name))}
    assert len(pids) >= 2, "both workers should have served requests"
    assert _predict_200_count(service) - before == 200


def _predict_200_count(service) -> float:
    text = requests.get(f"{service.url}/metrics", timeout=5).text
    match = re.search(r'sentiment_http_requests_total\{endpoint="/predict",method="POST",status="200"\} (\S+)', text)
    return float(match.group(1)) if match else 0.0


def test_refuses_to_start_on_a_corrupt_model(tmp_path, tiny_model_dir):
    corrupt = shutil.copytree(tiny_model_dir, tmp_path / "model")
    with (corrupt / "model.onnx").open("ab") as f:
        f.write(b"tampered")
    env = {"PATH": "/usr/bin:/bin", "PORT": str(free_port()), "BIND_HOST": "127.0.0.1", "MODEL_DIR": str(corrupt)}
    result = subprocess.run([sys.executable, "-m", "gunicorn", "-c", "app/gunicorn_conf.py", "sentiment_service.wsgi:app"],
                            cwd=ROOT, env=env, capture_output=True, text=True, timeout=30)
    assert result.returncode != 0
    assert "does not match its manifest" in result.stdout + result.stderr


def test_a_bad_setting_stops_start_up_naming_the_variable():
    result = subprocess.run([sys.executable, "-m", "gunicorn", "-c", "app/gunicorn_conf.py", "sentiment_service.wsgi:app"],
                            cwd=ROOT, env={"PATH": "/usr/bin:/bin", "PORT": "eighty"}, capture_output=True, text=True,
                            timeout=30)
    assert result.returncode == 2 and "invalid setting PORT" in result.stderr

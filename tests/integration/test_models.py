"""Several models through real gunicorn: two served at once and chosen by name, /models, the errors, the metrics
label, and a model swapped on HUP under load with no failed request."""

import json
import os
import signal
import threading
import time
from collections import Counter
from pathlib import Path

import pytest
import requests

from sentiment_service.settings import DEFAULT_MODEL_DIR
from tests.integration.gunicorn_process import gunicorn_service

pytestmark = pytest.mark.integration
SHIPPED = json.loads((DEFAULT_MODEL_DIR / "manifest.json").read_text())


def shipped_model_as(directory: Path, **manifest_fields) -> Path:
    """The shipped model under another manifest name or version: its files linked, not copied (the manifest is not
    hashed, the files it hashes are the shipped ones)."""
    directory.mkdir(parents=True)
    for name in (SHIPPED["model_file"], SHIPPED["tokenizer_file"]):
        (directory / name).symlink_to(DEFAULT_MODEL_DIR / name)
    (directory / "manifest.json").write_text(json.dumps({**SHIPPED, **manifest_fields}))
    return directory


@pytest.fixture(scope="module")
def two_models(tmp_path_factory, tiny_model_dir):
    tmp = tmp_path_factory.mktemp("two-models")
    models = tmp / "models"
    shipped_model_as(models / "sentiment")
    (models / "tiny").symlink_to(tiny_model_dir)
    with gunicorn_service(tmp, None, workers=2, MODELS_DIR=str(models), DEFAULT_MODEL=SHIPPED["name"]) as running:
        yield running


def test_two_models_are_served_at_once_and_chosen_by_name(two_models):
    default = requests.post(f"{two_models.url}/predict", json={"text": "I loved it"}, timeout=10).json()
    assert default["model"]["name"] == SHIPPED["name"] and set(default["scores"]) == {"negative", "neutral", "positive"}
    tiny = requests.post(f"{two_models.url}/batch-predict", json={"texts": ["I loved it"], "model": "tiny-test"},
                         timeout=10).json()["predictions"][0]
    assert tiny["model"] == {"name": "tiny-test", "version": "0.0.1"} and set(tiny["scores"]) == {"negative", "positive"}
    explained = requests.post(f"{two_models.url}/explain", json={"text": "I loved it", "model": "tiny-test"}, timeout=10)
    assert explained.json()["model"]["name"] == "tiny-test" and len(explained.json()["words"]) == 3


def test_models_version_and_ready_list_both(two_models):
    listing = requests.get(f"{two_models.url}/models", timeout=5).json()
    assert listing["default"] == SHIPPED["name"]
    by_name = {m["name"]: m for m in listing["models"]}
    assert by_name[SHIPPED["name"]]["precision"] == "int8" and by_name[SHIPPED["name"]]["max_length"] == 256
    assert by_name["tiny-test"]["labels"] == ["negative", "positive"] and all(m["ready"] for m in listing["models"])
    for path in ("/version", "/ready"):
        assert {m["name"] for m in requests.get(f"{two_models.url}{path}", timeout=5).json()["models"]} == set(by_name)


def test_an_unknown_model_is_refused_with_the_json_error(two_models):
    response = requests.post(f"{two_models.url}/predict", json={"text": "fine", "model": "gpt"}, timeout=5)
    assert response.status_code == 422 and response.json()["error"]["code"] == "unknown_model"


def test_metrics_carry_the_model_label(two_models):
    for _ in range(4):  # both workers, most likely: the label must be there whichever answered
        requests.post(f"{two_models.url}/predict", json={"text": "meh", "model": "tiny-test"}, timeout=5)
    exposition = requests.get(f"{two_models.url}/metrics", timeout=5).text
    assert 'sentiment_texts_scored_total{model="tiny-test"}' in exposition
    assert f'sentiment_texts_scored_total{{model="{SHIPPED["name"]}"}}' in exposition


class Load:
    """Clients posting /predict in a loop until stopped, each bounded in count and time; every answer tallied."""

    def __init__(self, url: str, clients: int = 4, max_requests: int = 3000, max_s: float = 120):
        self.url, self.max_requests, self.deadline = url, max_requests, time.monotonic() + max_s
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.versions: list[str] = []
        self.failures: list[str] = []
        self.threads = [threading.Thread(target=self._client, daemon=True) for _ in range(clients)]

    def __enter__(self):
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        for thread in self.threads:
            thread.join(30)

    def _client(self) -> None:
        with requests.Session() as session:
            for _ in range(self.max_requests):
                if self.stop.is_set() or time.monotonic() > self.deadline:
                    return
                try:
                    response = session.post(f"{self.url}/predict", json={"text": "the swap went well"}, timeout=30)
                    outcome = response.json()["model"]["version"] if response.status_code == 200 else None
                    detail = f"{response.status_code} {response.text[:200]}"
                except (requests.RequestException, ValueError) as exc:
                    outcome, detail = None, repr(exc)
                with self.lock:
                    if outcome is None:
                        self.failures.append(detail)
                    else:
                        self.versions.append(outcome)

    def answered(self, version: str) -> int:
        with self.lock:
            return self.versions.count(version)


def wait_until(condition, timeout_s: float, what: str) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(what)
        time.sleep(0.05)


def test_a_model_swapped_on_hup_under_load_fails_no_request(tmp_path):
    old = shipped_model_as(tmp_path / "releases" / "old", version="2.0.0-old")
    new = shipped_model_as(tmp_path / "releases" / "new", version="2.0.0-new")
    current = tmp_path / "current"
    current.symlink_to(old)
    with gunicorn_service(tmp_path, current, workers=2) as service, Load(service.url) as load:
        wait_until(lambda: load.answered("2.0.0-old") >= 50, 60, "the load never got going")
        # The swap as the runbook gives it: point the link at the new release atomically, then HUP the master.
        staged = tmp_path / "current.staged"
        staged.symlink_to(new)
        os.replace(staged, current)
        service.process.send_signal(signal.SIGHUP)
        wait_until(lambda: load.answered("2.0.0-new") >= 200, 90, "the new model never answered")
        version = requests.get(f"{service.url}/version", timeout=5).json()["model"]["version"]
    assert load.failures == [], Counter(load.failures).most_common(3)
    assert version == "2.0.0-new"
    reloaded = [line for line in service.log_lines() if "reload: model" in line]
    assert reloaded and "2.0.0-new verified" in reloaded[-1]

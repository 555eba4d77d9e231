"""Overload is refused at once with 429 + Retry-After, and work that cannot meet its deadline is never run.
Uses the shipped model so that inference takes long enough for a queue to form. (A job admitted but still
queued at its deadline gets 503 unscored: tests/predictor/test_batcher.py.)"""

import threading
import time

import pytest
import requests

from sentiment_service.settings import DEFAULT_MODEL_DIR
from tests.integration.gunicorn_process import gunicorn_service

pytestmark = pytest.mark.integration
LONG_BATCH = {"texts": ["a long and thoughtful review that goes on " * 20] * 64}


def fire(url: str, bodies: list[dict]) -> list[requests.Response]:
    results: list = [None] * len(bodies)

    def send(i):
        results[i] = requests.post(f"{url}/batch-predict", json=bodies[i], timeout=60)

    threads = [threading.Thread(target=send, args=(i,)) for i in range(len(bodies))]
    for t in threads:
        t.start()
        time.sleep(0.01)
    for t in threads:
        t.join(90)
    return results


def test_full_queue_answers_429_at_once(tmp_path):
    with gunicorn_service(tmp_path, DEFAULT_MODEL_DIR, workers=1, MAX_QUEUED_TEXTS="128", THREADS="16",
                          MAX_BATCH_TEXTS="64") as service:
        responses = fire(service.url, [LONG_BATCH] * 8)
        statuses = sorted(r.status_code for r in responses)
        assert 200 in statuses and 429 in statuses, statuses
        assert set(statuses) <= {200, 429}
        for r in responses:
            if r.status_code == 429:
                assert int(r.headers["Retry-After"]) >= 1
                assert r.elapsed.total_seconds() < 1.0, "refused at once, not after waiting"
        assert requests.get(f"{service.url}/ready", timeout=5).status_code == 200


def test_work_that_cannot_meet_a_short_deadline_is_refused_and_never_run(tmp_path):
    with gunicorn_service(tmp_path, DEFAULT_MODEL_DIR, workers=1, REQUEST_DEADLINE_S="0.3", THREADS="16",
                          MAX_QUEUED_TEXTS="4096", MAX_BATCH_TEXTS="64", BATCH_MAX_TEXTS="64") as service:
        responses = fire(service.url, [LONG_BATCH] * 4)
        statuses = [r.status_code for r in responses]
        assert 200 in statuses and 429 in statuses, statuses
        assert set(statuses) <= {200, 429}
        assert all(r.json()["error"]["reason"] == "deadline" for r in responses if r.status_code == 429)
        metrics = requests.get(f"{service.url}/metrics", timeout=5).text
        scored = float(next(line.split()[1] for line in metrics.splitlines()
                            if line.startswith("sentiment_texts_scored_total")))
        assert scored == 64 * statuses.count(200), "refused requests were never run"
        assert 'sentiment_admission_refusals_total{model="sentiment-minilm-l6",reason="deadline"}' in metrics

"""Heavy and light requests together through real gunicorn: a sentence is not queued behind review batches.

Counted, not timed: the service counts, for every job, the inference calls for other jobs that ran between its
admission and its answer (sentiment_answer_calls_waited, per lane). Behind two clients of review batches, a
sentence first come, first served would wait for every call of the batches ahead of it; in its own lane it
waits for about one.
"""

import threading

import pytest
import requests

from sentiment_service.settings import DEFAULT_MODEL_DIR
from tests.integration.gunicorn_process import gunicorn_service

pytestmark = pytest.mark.integration
REVIEW = "The film was long, and the second half dragged on without much to say for itself. " * 12
HEAVY_BATCH = {"texts": [REVIEW] * 32}  # about 32 windows of 220 tokens: four calls or more
HEAVY_CLIENTS, HEAVY_REQUESTS = 2, 3
LIGHT_CLIENTS, LIGHT_MAX_REQUESTS = 4, 400
# A light job may wait for the call being scored when it arrives and, at worst, one more; first come, first
# served it waited for every call queued ahead of it.
LIGHT_BOUND = 4


def histogram(exposition: str, name: str, lane: str) -> dict[str, float]:
    """le -> cumulative count of one lane's histogram (summed over models), and "count"."""
    buckets: dict[str, float] = {}
    for line in exposition.splitlines():
        if not line.startswith(name) or f'lane="{lane}"' not in line:
            continue
        value = float(line.rsplit(" ", 1)[1])
        if line.startswith(f"{name}_bucket"):
            le = line.split('le="', 1)[1].split('"', 1)[0]
            buckets[le] = buckets.get(le, 0) + value
        elif line.startswith(f"{name}_count"):
            buckets["count"] = buckets.get("count", 0) + value
    return buckets


def test_sentences_wait_for_about_one_call_while_review_batches_queue(tmp_path):
    statuses: list[tuple[str, int]] = []
    heavy_done = threading.Event()
    # A deadline far away, so that neither admission nor the urgency of a batch near its deadline depends on how
    # fast this machine is: what is left to see is the order the lanes serve.
    with gunicorn_service(tmp_path, DEFAULT_MODEL_DIR, workers=1, REQUEST_DEADLINE_S="60") as service:
        def heavy():
            with requests.Session() as session:
                for _ in range(HEAVY_REQUESTS):
                    statuses.append(("heavy", session.post(f"{service.url}/batch-predict", json=HEAVY_BATCH,
                                                           timeout=60).status_code))

        def light():
            with requests.Session() as session:
                for _ in range(LIGHT_MAX_REQUESTS):
                    if heavy_done.is_set():
                        return
                    statuses.append(("light", session.post(f"{service.url}/predict", json={"text": "a fine film"},
                                                           timeout=60).status_code))

        heavies = [threading.Thread(target=heavy) for _ in range(HEAVY_CLIENTS)]
        lights = [threading.Thread(target=light) for _ in range(LIGHT_CLIENTS)]
        for thread in heavies + lights:
            thread.start()
        for thread in heavies:
            thread.join(300)
        heavy_done.set()
        for thread in lights:
            thread.join(120)
        exposition = requests.get(f"{service.url}/metrics", timeout=10).text
    # Refusals are allowed (on a slow machine the third batch may not fit the deadline), failures are not.
    assert {status for _, status in statuses} <= {200, 429}, statuses
    answered = {kind: sum(1 for k, status in statuses if k == kind and status == 200) for kind in ("light", "heavy")}
    light_waits = histogram(exposition, "sentiment_answer_calls_waited", "light")
    heavy_waits = histogram(exposition, "sentiment_answer_calls_waited", "heavy")
    assert heavy_waits["count"] == answered["heavy"] >= 2 and light_waits["count"] >= answered["light"] >= LIGHT_CLIENTS
    # The batches did queue behind each other: there was something to wait behind.
    assert heavy_waits["count"] > heavy_waits[f"{float(LIGHT_BOUND)}"], heavy_waits
    assert light_waits[f"{float(LIGHT_BOUND)}"] == light_waits["count"], light_waits

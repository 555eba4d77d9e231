"""The two loads `make overload` offers, and how admission control's prediction is read from /metrics.

mixed: short and long texts on both endpoints, REQUEST_DEADLINE_S=2 (so each level settles in seconds).
heavy_light: default settings; 10% of requests are 64 IMDB reviews on /batch-predict (heavy), 90% one SST-2
sentence on /predict (light). A heavy request costs several hundred times a light one: the load that used to
starve the sentences (they waited behind the batches, past the deadline).
"""

import http.client
import json
import random
import re
from dataclasses import dataclass, field
from urllib.parse import urlsplit


@dataclass(frozen=True)
class Job:
    path: str
    body: bytes
    texts: int
    # The class a result is reported under (the mixed-costs scenario has two: light and heavy).
    kind: str = "mixed"


@dataclass(frozen=True)
class Scenario:
    name: str
    title: str
    jobs: list[Job]
    kinds: tuple[str, ...]
    deadline_s: float
    settings: dict[str, str] = field(default_factory=dict)
    clients: int = 128
    # How capacity is measured: the rate of 200s with 32 clients closed loop, or, for a mix of classes whose costs
    # differ a hundredfold, from each class alone (bench.overload.mix_capacity).
    capacity_by_class: bool = False


def mixed_texts(short: list[str], long: list[str], rng: random.Random, count: int = 2000) -> Scenario:
    """40% /predict of a sentence, 30% /predict of a review, 30% /batch-predict of 16 of each."""
    jobs = []
    for _ in range(count):
        roll = rng.random()
        if roll < 0.4:
            jobs.append(Job("/predict", json.dumps({"text": rng.choice(short)}).encode(), 1))
        elif roll < 0.7:
            jobs.append(Job("/predict", json.dumps({"text": rng.choice(long)}).encode(), 1))
        else:
            texts = [rng.choice(short) for _ in range(16)] + [rng.choice(long) for _ in range(16)]
            jobs.append(Job("/batch-predict", json.dumps({"texts": texts}).encode(), 32))
    return Scenario("mixed", "mixed texts, both endpoints, REQUEST_DEADLINE_S=2", jobs, ("mixed",), 2.0,
                    {"REQUEST_DEADLINE_S": "2"})


HEAVY_SHARE = 0.1
HEAVY_TEXTS = 64


def heavy_and_light(short: list[str], long: list[str], rng: random.Random, count: int = 2000) -> Scenario:
    """One request in ten is 64 reviews on /batch-predict, the others one sentence on /predict; default settings."""
    jobs = []
    for _ in range(count):
        if rng.random() < HEAVY_SHARE:
            body = json.dumps({"texts": [rng.choice(long) for _ in range(HEAVY_TEXTS)]}).encode()
            jobs.append(Job("/batch-predict", body, HEAVY_TEXTS, "heavy"))
        else:
            jobs.append(Job("/predict", json.dumps({"text": rng.choice(short)}).encode(), 1, "light"))
    # Clients enough for 10x: light requests are answered in well under a second, heavy ones refused at once
    # or answered within the 10 s deadline. Capacity by class: with 32 clients closed loop most of the batches are
    # refused while the sentences go on, and the rate measured is the sentences' alone, many times the mix's.
    return Scenario("heavy_light", "64-review batches and single sentences, default settings", jobs,
                    ("light", "heavy"), 10.0, {}, clients=256, capacity_by_class=True)


_SAMPLE = re.compile(r'^(sentiment_answer(?:_predicted)?_seconds)_(sum|count)\{(?P<labels>[^}]*)\} (?P<value>\S+)$', re.M)


def answer_totals(url: str) -> dict[tuple[str, str, str], float]:
    """(metric, sum|count, lane) -> value, summed over models, from /metrics."""
    host = urlsplit(url)
    connection = http.client.HTTPConnection(host.hostname, host.port, timeout=10)
    try:
        connection.request("GET", "/metrics")
        text = connection.getresponse().read().decode()
    finally:
        connection.close()
    totals: dict[tuple[str, str, str], float] = {}
    for match in _SAMPLE.finditer(text):
        lane = re.search(r'lane="([^"]+)"', match["labels"])[1]
        key = (match[1], match[2], lane)
        totals[key] = totals.get(key, 0.0) + float(match["value"])
    return totals


def agreement(before: dict, after: dict) -> dict[str, dict[str, float]]:
    """Per lane, the mean predicted and actual seconds from admission to answer between two /metrics reads."""
    def mean(metric: str, lane: str) -> float | None:
        count = after.get((metric, "count", lane), 0) - before.get((metric, "count", lane), 0)
        total = after.get((metric, "sum", lane), 0) - before.get((metric, "sum", lane), 0)
        return total / count if count else None

    result = {}
    for lane in sorted({key[2] for key in after}):
        predicted, actual = mean("sentiment_answer_predicted_seconds", lane), mean("sentiment_answer_seconds", lane)
        if predicted is not None and actual:
            result[lane] = {"predicted_s": round(predicted, 4), "actual_s": round(actual, 4),
                            "ratio": round(predicted / actual, 3)}
    return result

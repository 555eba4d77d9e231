"""The shipped model scores a text the same whatever else shares its inference call (SST-2 dev, all 872 texts)."""

import random
from itertools import islice

import numpy as np
import pytest

from evaluation.data import IMDB_TRAIN, SHARED_DATA, SST2_DEV, iter_jsonl
from sentiment_service.predictor.scoring_core import ScoringCore
from sentiment_service.settings import DEFAULT_MODEL_DIR

TOLERANCE = 1e-4


def read_texts(path, limit: int | None = None) -> list[str]:
    return [row["text"] for row in islice(iter_jsonl(path), limit)]


@pytest.fixture(scope="module")
def model():
    return ScoringCore.open(DEFAULT_MODEL_DIR)


def test_every_sst2_dev_text_scores_the_same_alone_and_in_random_batches(model):
    if not SST2_DEV.is_file():
        pytest.skip(f"labelled data not found at {SHARED_DATA} (expected ../shared/data beside the repository)")
    dev = [e.ids for e in model.encode(read_texts(SST2_DEV))]
    long_reviews = [e.ids for e in model.encode(read_texts(IMDB_TRAIN, 20))]
    alone = [model.probabilities_in_one_call([ids])[0] for ids in dev]
    rng = random.Random(7)
    order = list(range(len(dev)))
    rng.shuffle(order)
    worst, start = 0.0, 0
    while start < len(order):  # every dev text once, in batches of 1-64, padded to the longest as the service does
        members = order[start : start + rng.randint(1, 63)]
        start += len(members)
        batch = [(i, dev[i]) for i in members]
        if rng.random() < 0.3:  # a long review pads everyone to 256 tokens
            batch.append((None, rng.choice(long_reviews)))
        rng.shuffle(batch)
        probabilities = model.probabilities_in_one_call([ids for _, ids in batch])
        worst = max([worst] + [float(np.abs(p - alone[i]).max()) for (i, _), p in zip(batch, probabilities) if i is not None])
    assert worst <= TOLERANCE

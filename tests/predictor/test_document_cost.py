"""A long text read whole costs all its tokens: in its plan, in the queue, and in admission control."""

import threading

import pytest

from sentiment_service.predictor.call_budget import CallBudget
from sentiment_service.predictor.contract import DeadlineExceeded, Overloaded
from sentiment_service.predictor.limits import ServingLimits
from sentiment_service.predictor.micro_batcher import MicroBatcher
from sentiment_service.predictor.observer import NullObserver

LONG = "good movie, very good. " * 150  # about 900 tokens: some 70 windows of the tiny model's 16


class HeldCore:
    """The tiny scoring core, whose scoring waits until the test lets it go."""

    def __init__(self, core):
        self.core, self.info = core, core.info
        self.scoring, self.go = threading.Event(), threading.Event()

    def plan(self, texts, long_text="document", sentences=False):
        return self.core.plan(texts, long_text, sentences)

    def score_plans(self, plans, on_call=None):
        self.scoring.set()
        self.go.wait(10)
        return self.core.score_plans(plans, on_call)

    def __getattr__(self, name):
        return getattr(self.core, name)


def test_a_document_plan_holds_every_token_and_its_sentences_again(tiny_core):
    tokens = tiny_core.model.tokens([LONG])[0].ids
    framing = len(tiny_core.model.framing.prefix) + len(tiny_core.model.framing.suffix)
    [whole], [first], [with_sentences] = (tiny_core.plan([LONG]), tiny_core.plan([LONG], "truncate"),
                                          tiny_core.plan([LONG], sentences=True))
    assert sum(len(ids) for ids in whole.inputs) == len(tokens) + framing * len(whole.inputs)
    assert [len(ids) for ids in first.inputs] == [tiny_core.info.max_length]
    assert sum(len(ids) for ids in with_sentences.inputs) - sum(len(ids) for ids in whole.inputs) == (
        len(tokens) + framing * len(with_sentences.sentences))


def test_a_busy_worker_refuses_a_long_document_it_would_admit_truncated(tiny_core):
    core = HeldCore(tiny_core)
    limits = ServingLimits(call_budget=CallBudget(64, 2048), max_queued_texts=1000, deadline_s=0.05)
    batcher = MicroBatcher(core, limits, NullObserver())
    batcher.start()
    results = {}
    first = threading.Thread(target=lambda: results.update(first=batcher.submit(["good"])))
    first.start()
    assert core.scoring.wait(10)  # the worker is busy with the first request
    with pytest.raises(Overloaded) as refused:
        batcher.submit([LONG])
    assert refused.value.reason == "deadline"

    def truncated():
        try:
            results["truncated"] = batcher.submit([LONG], long_text="truncate")
        except (Overloaded, DeadlineExceeded) as exc:
            results["truncated"] = exc

    second = threading.Thread(target=truncated)
    second.start()
    core.go.set()
    first.join(10)
    second.join(10)
    batcher.close()
    assert not isinstance(results["truncated"], Overloaded)  # admitted (answered, or past its short deadline)
    assert results["first"][0].label == "positive"

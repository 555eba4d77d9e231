"""How much work one serving worker batches, queues and waits for: one typed value, built once from the settings."""

from dataclasses import dataclass, field

from sentiment_service.predictor.call_budget import CallBudget


@dataclass(frozen=True)
class ServingLimits:
    """The defaults here are the service's defaults; Settings reads them from this class."""

    # What one inference call may hold, after concurrent requests are coalesced.
    call_budget: CallBudget = field(default_factory=CallBudget)
    # How long the batcher waits for stragglers once requests arrive together; 2 ms gained nothing measurable.
    wait_s: float = 0.0
    # Texts waiting in one worker before new requests are refused with Overloaded (429).
    max_queued_texts: int = 1024
    # A request is scored within this many seconds or refused at once (429): admission control predicts the
    # wait from the work already queued; a job that still overstays it in the queue is dropped (503).
    deadline_s: float = 10.0
    # Requests that may wait on the batcher at once. Set from THREADS with a reserve, so that a worker
    # always has free request threads to answer probes and refusals without delay.
    max_waiting_requests: int = 48

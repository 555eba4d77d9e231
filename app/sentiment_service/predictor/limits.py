"""How much work one worker batches, queues and waits for: one typed value, built once from the settings."""

from dataclasses import dataclass, replace


@dataclass(frozen=True)
class BatchLimits:
    """The defaults here are the service's defaults; Settings reads them from this class."""

    # Texts per inference call, after coalescing concurrent requests.
    max_texts: int = 64
    # Padded tokens per inference call. Attention memory grows with batch x length^2: 2048 keeps a worker
    # under ~210 MB peak on 256-token reviews (8192: ~460 MB) at the same throughput (measured, see README).
    max_tokens: int = 2048
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

    @classmethod
    def offline(cls) -> "BatchLimits":
        """For scripts that score whole files through one predictor: no queue limit and no deadline to speak of."""
        return replace(cls(), max_queued_texts=10_000_000, deadline_s=24 * 3600.0)

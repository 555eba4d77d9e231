"""How many texts share one inference call, and which: the budget of a call, and the split that fills it."""

from dataclasses import dataclass

# What one inference call costs beyond its padded tokens, in token-equivalents. Measured with the shipped
# int8 model on one AVX2 core: ~0.6 ms per call against ~0.07 ms per padded token. It decides when merging
# texts of different lengths saves more in per-call overhead than it wastes in padding.
CALL_OVERHEAD_TOKENS = 9


@dataclass(frozen=True)
class CallBudget:
    """What one inference call may hold. The defaults are the service's (Settings reads them from here)."""

    # Texts per inference call, after the service coalesces concurrent requests.
    max_texts: int = 64
    # Padded tokens per inference call. Attention memory grows with batch x length^2: 2048 keeps a worker's peak
    # bounded on 256-token reviews at the same throughput (bench/README.md, "Design measurements").
    max_tokens: int = 2048


def chunk_by_budget(lengths: list[int], max_texts: int, max_tokens: int) -> list[list[int]]:
    """Split texts into inference calls of similar length: least padded tokens plus per-call overhead.

    Texts are sorted by length and cut into contiguous chunks (dynamic programming over the cut points);
    each chunk holds at most max_texts texts and count x longest <= max_tokens (a text longer than the
    budget gets a chunk of its own). Returns lists of indices into `lengths`.
    """
    order = sorted(range(len(lengths)), key=lambda i: lengths[i])
    size = len(order)
    best = [0.0] + [float("inf")] * size  # best[i]: cheapest split of the i shortest texts
    cut = [0] * (size + 1)
    for end in range(1, size + 1):
        longest = lengths[order[end - 1]]  # sorted: the last text of a chunk is its longest
        for start in range(end - 1, max(-1, end - 1 - max_texts), -1):
            count = end - start
            if count > 1 and count * longest > max_tokens:
                break  # adding shorter texts in front only makes the chunk bigger
            cost = best[start] + CALL_OVERHEAD_TOKENS + count * longest
            if cost < best[end]:
                best[end], cut[end] = cost, start
    chunks = []
    end = size
    while end > 0:
        chunks.append(order[cut[end]:end])
        end = cut[end]
    return chunks[::-1]

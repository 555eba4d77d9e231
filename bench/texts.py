"""The texts a benchmark sends: SST-2 dev sentences (short), IMDB reviews (long), or built-in stand-ins."""

from itertools import islice
from pathlib import Path

from evaluation.data import iter_jsonl

# Used only when the shared data is missing, so the harness still runs anywhere (numbers then say less).
FALLBACK_SHORT = [
    "it 's a charming and often affecting journey .",
    "unflinchingly bleak and desperate",
    "the acting , costumes , music , cinematography and sound are all astounding .",
    "a sometimes tedious film .",
    "great support, fixed in minutes",
    "terrible, a waste of money",
    "i loved every minute of it , even the slow parts .",
    "the plot is thin and the jokes fall flat .",
]
# About 1000 characters, the median IMDB review length.
SYNTHETIC_LONG_CHARS = 1000


def read_jsonl_texts(path: Path, limit: int) -> list[str]:
    """The `text` field of the first `limit` rows of a JSONL file; [] when the file is missing."""
    if not path.is_file():
        return []
    return [row["text"] for row in islice(iter_jsonl(path), limit)]


def short_texts(path: Path, limit: int = 100_000) -> tuple[list[str], str]:
    """SST-2 dev sentences and a description of where they came from."""
    texts = read_jsonl_texts(path, limit)
    if texts:
        return texts, f"{path.name}: {len(texts)} texts"
    print(f"note: {path} not found; using {len(FALLBACK_SHORT)} built-in sentences")
    return list(FALLBACK_SHORT), f"built-in: {len(FALLBACK_SHORT)} texts"


def long_texts(path: Path, limit: int) -> tuple[list[str], str]:
    """IMDB reviews, or synthetic reviews of the same typical length when the file is missing."""
    texts = read_jsonl_texts(path, limit)
    if texts:
        return texts, f"{path.name}: first {len(texts)} reviews"
    print(f"note: {path} not found; using {limit} synthetic ~{SYNTHETIC_LONG_CHARS}-character reviews")
    return [synthetic_review(i) for i in range(limit)], f"synthetic: {limit} texts of ~{SYNTHETIC_LONG_CHARS} chars"


def synthetic_review(seed: int) -> str:
    words = " ".join(FALLBACK_SHORT[(seed + i) % len(FALLBACK_SHORT)] for i in range(len(FALLBACK_SHORT)))
    text = (f"review {seed}: " + words + " ") * (SYNTHETIC_LONG_CHARS // len(words) + 1)
    return text[:SYNTHETIC_LONG_CHARS]


def tokens_read(model_dir: Path, texts: list[str], long_text: str) -> float:
    """The mean tokens the model reads of each text (every input it costs, special tokens included) when a text
    longer than the window is read as long_text says: what the service's tokens/s rows multiply by."""
    from sentiment_service.predictor.scoring_core import ScoringCore

    plans = ScoringCore.open(model_dir).plan(texts, long_text)
    return sum(len(ids) for plan in plans for ids in plan.inputs) / max(1, len(texts))

"""Long texts the tests share: a hotel review whose verdict comes after its window, and long IMDB reviews."""

from evaluation.data import IMDB_TRAIN, iter_jsonl

# About 1,600 characters: thirty friendly sentences about the lobby, then the verdict, past the 256-token window.
HOTEL = ("The lobby was bright and the doorman smiled at us. " * 30
         + "Then we found bedbugs in the bed… The manager refused a refund! It was the worst stay of my life 😡")


def long_reviews(count: int, min_chars: int = 2500) -> list[str]:
    """The first `count` IMDB train reviews of at least min_chars characters; [] where the shared data is missing."""
    if not IMDB_TRAIN.is_file():
        return []
    return [t for t in (r["text"] for r in iter_jsonl(IMDB_TRAIN)) if len(t) >= min_chars][:count]


# What the cross-path tests score: long texts, one that fits the window, and real reviews.
TEXTS = [HOTEL, "Short and sweet: a lovely stay.", *long_reviews(4)]

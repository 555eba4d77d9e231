"""Labelled JSONL ({"text", "label", ...} per line) and where the shared data sets live."""

import json
from collections.abc import Iterator
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
# The labelled data sits beside the repository, not inside it: it is not ours to ship.
SHARED_DATA = REPO_ROOT.parent / "shared" / "data"
SST2_DEV = SHARED_DATA / "sst2" / "dev.jsonl"
IMDB_TRAIN = SHARED_DATA / "imdb" / "train.jsonl"


def iter_jsonl(path: Path) -> Iterator[dict]:
    """Each non-blank line of a JSONL file as a dict; raises OSError or ValueError on a bad file."""
    with path.open(encoding="utf-8") as f:
        for line in f:
            if line.strip():
                yield json.loads(line)


def read_jsonl(path: Path) -> list[dict]:
    return list(iter_jsonl(path))


def write_jsonl(path: Path, rows: list[dict]) -> None:
    with path.open("w", encoding="utf-8") as f:
        for row in rows:
            f.write(json.dumps(row, ensure_ascii=False) + "\n")

"""Choose how a long text's pieces are combined into the document's label, on training rows only.

    .venv/bin/python -m training.prepare --data ../shared/data --out training/work/data \\
        --seen training/work/stage1-data/train.jsonl          # the held-out rows, to leave out (as `make model`)
    .venv/bin/python -m evaluation.combining ../shared/data/imdb/train.jsonl \\
        --exclude training/work/data/test_imdb.jsonl --exclude training/work/data/calib.jsonl --limit 1000

Only texts longer than the model's window are used (the others are scored as they always were), taken in an
order shuffled with seed 13 (imdb/train.jsonl lists every positive review before the negative ones). Each is read
as its first window (today's truncation), as windows of 254 tokens overlapping by 32, as sentences scored one
by one, and as sentences packed greedily into windows; each reading is combined by several rules. Prints the
accuracy of every (reading, rule) pair: binary (argmax over negative and positive, as the model card reports
IMDB) and over all labels (where a neutral answer to a review with a star rating counts as wrong).
"""

import argparse
import random
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np

from evaluation.data import iter_jsonl
from sentiment_service.host import DEFAULT_MODEL_DIR
from sentiment_service.predictor.documents import Piece, combine, sentence_pieces
from sentiment_service.predictor.scoring_core import ScoringCore
from sentiment_service.predictor.segmenter import sentence_spans

OVERLAP = 32


def packed(pieces: list[list[Piece]], framing, room: int) -> list[Piece]:
    """Consecutive sentences joined while they fit one window (a sentence already windowed stays as it is)."""
    out: list[Piece] = []
    for sentence in pieces:
        for piece in sentence:
            content = piece.ids[len(framing.prefix): len(piece.ids) - len(framing.suffix)]
            if out and out[-1].content_tokens + len(content) <= room:
                last = out[-1]
                joined = last.ids[len(framing.prefix): len(last.ids) - len(framing.suffix)] + content
                out[-1] = Piece(last.start, piece.end, framing.frame(joined), len(joined))
            else:
                out.append(piece)
    return out


def overlapping(ids: list[int], framing, room: int) -> list[Piece]:
    step = room - OVERLAP
    starts = range(0, max(1, len(ids) - OVERLAP), step)
    return [Piece(0, 0, framing.frame(ids[s : s + room]), len(ids[s : s + room])) for s in starts]


Rule = Callable[[np.ndarray, list[int], list[str]], np.ndarray]


def weighted_mean(p: np.ndarray, w: list[int], labels: list[str]) -> np.ndarray:
    return combine(p, w)


def plain_mean(p: np.ndarray, w: list[int], labels: list[str]) -> np.ndarray:
    return p.mean(axis=0)


def log_mean(p: np.ndarray, w: list[int], labels: list[str]) -> np.ndarray:
    z = (np.log(p) * np.asarray(w, float)[:, None]).sum(axis=0) / sum(w)
    e = np.exp(z - z.max())
    return e / e.sum()


def confidence_weighted(p: np.ndarray, w: list[int], labels: list[str]) -> np.ndarray:
    """The service's rule (documents.combine): tokens x (UNDECIDED_WEIGHT + |polarity|)."""
    return combine(p, w, p[:, labels.index("positive")] - p[:, labels.index("negative")])


def last_doubled(p: np.ndarray, w: list[int], labels: list[str]) -> np.ndarray:
    weights = list(w)
    weights[-1] *= 2
    return combine(p, weights)


RULES: dict[str, Rule] = {"token-weighted mean": weighted_mean, "plain mean": plain_mean,
                          "token-weighted mean of log-probabilities": log_mean,
                          "token x |polarity| weighted mean": confidence_weighted, "last piece counted twice": last_doubled}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data", type=Path, nargs="+")
    parser.add_argument("--exclude", type=Path, action="append", default=[], help="JSONL whose texts to leave out")
    parser.add_argument("--limit", type=int, default=1000, help="long texts to use, at most")
    parser.add_argument("--model-dir", type=Path, default=DEFAULT_MODEL_DIR)
    parser.add_argument("--skip-sentences", action="store_true", help="leave out the slowest reading, sentence by sentence")
    args = parser.parse_args(argv)
    core = ScoringCore.open(args.model_dir)
    model, labels = core.model, list(core.info.labels)
    excluded = {row["text"] for path in args.exclude for row in iter_jsonl(path)}
    rows = [r for path in args.data for r in iter_jsonl(path) if r["text"] not in excluded and r["label"] in labels]
    random.Random(13).shuffle(rows)  # noqa: S311 - a reproducible sample, not a secret
    long_rows = []
    for start in range(0, len(rows), 256):
        batch = rows[start : start + 256]
        long_rows += [r for r, e in zip(batch, core.encode([r["text"] for r in batch])) if e.truncated]
        if len(long_rows) >= args.limit:
            break
    long_rows = long_rows[: args.limit]
    print(f"{len(long_rows)} texts longer than the window ({len(excluded)} held-out texts left out)", flush=True)
    room = model.framing.room(core.info.max_length)
    readings: dict[str, list[list[Piece]]] = {"first window (truncate)": [], "windows overlapping by 32": [],
                                             "sentences": [], "sentences packed into windows": []}
    for row, tokens in zip(long_rows, model.tokens([r["text"] for r in long_rows])):
        pieces = sentence_pieces(tokens, sentence_spans(row["text"]), model.framing, core.info.max_length)
        readings["first window (truncate)"].append([Piece(0, 0, model.framing.frame(tokens.ids[:room]), room)])
        readings["windows overlapping by 32"].append(overlapping(tokens.ids, model.framing, room))
        readings["sentences"].append([p for sentence in pieces for p in sentence])
        readings["sentences packed into windows"].append(packed(pieces, model.framing, room))
    gold = [r["label"] for r in long_rows]
    negative, positive = labels.index("negative"), labels.index("positive")
    print(f"{'reading':<32}{'rule':<42}{'binary':>8}{'all labels':>12}{'pieces':>8}")
    if args.skip_sentences:
        del readings["sentences"]
    for reading, documents in readings.items():
        flat = [p.ids for pieces in documents for p in pieces]
        probabilities = np.zeros((len(flat), len(labels)))
        for chunk in core.calls_of(flat):
            probabilities[chunk] = core.model.probabilities([flat[i] for i in chunk])
        offset = 0
        per_rule = {name: ([], []) for name in RULES}
        for pieces in documents:
            p, w = probabilities[offset : offset + len(pieces)], [x.weight for x in pieces]
            offset += len(pieces)
            for name, rule in RULES.items():
                document = rule(p, w, labels)
                per_rule[name][0].append(labels[positive] if document[positive] >= document[negative] else labels[negative])
                per_rule[name][1].append(labels[int(document.argmax())])
        for name, (binary, full) in per_rule.items():
            print(f"{reading:<32}{name:<42}{np.mean([b == g for b, g in zip(binary, gold)]):>8.2%}"
                  f"{np.mean([f == g for f, g in zip(full, gold)]):>12.2%}{len(flat) / len(documents):>8.1f}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

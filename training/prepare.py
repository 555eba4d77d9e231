"""Build the training mixture and the held-out development sets.

    .venv-train/bin/python -m training.prepare --data ../shared/data --out training/work/data

Three domains, so the model is not an SST-2 specialist:
- SST-2 train phrases (movie reviews). GLUE ships them PTB-tokenised ("does n't", "it 's"); half of
  them are detokenised so the model also sees text the way people type it.
- SemEval 2013-2016 tweets, positive/negative only. 2,000 tweets of `twitter-2016test-A` (the organisers'
  2017 dev gold) are held out for evaluation; the rest is trained on.
- IMDB reviews (long). 1,000 are held out; 8,000 of the rest are trained on (they cost ~10x a phrase).

Writes train.jsonl ({"text","label","domain"}) and dev_<domain>.jsonl, plus prepare_config.json.
"""

import argparse
import json
import random
import re
from pathlib import Path

SEED = 13
TWEET_DEV_SOURCE = "twitter-2016test-A"
TWEET_DEV_SIZE = 2000
IMDB_DEV_SIZE = 1000
IMDB_TRAIN_SIZE = 8000

# PTB escapes and clitic splits that GLUE's SST-2 text carries.
PTB_REPLACEMENTS = [
    (re.compile(r" n't\b"), "n't"),
    (re.compile(r" '(s|re|ve|ll|d|m)\b"), r"'\1"),
    (re.compile(r"-lrb- ?"), "("),
    (re.compile(r" ?-rrb-"), ")"),
    (re.compile(r"`` ?| ?''"), '"'),
    (re.compile(r" ([.,!?;:%])"), r"\1"),
]


def detokenize(text: str) -> str:
    """Undo GLUE's PTB tokenisation so SST-2 reads like ordinary text."""
    for pattern, replacement in PTB_REPLACEMENTS:
        text = pattern.sub(replacement, text)
    return text


def read_jsonl(path: Path) -> list[dict]:
    with path.open(encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def write_jsonl(path: Path, rows: list[dict]) -> None:
    with path.open("w", encoding="utf-8") as f:
        for row in rows:
            f.write(json.dumps(row, ensure_ascii=False) + "\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, required=True, help="folder with sst2/, semeval2017/, imdb/")
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    rng = random.Random(SEED)
    args.out.mkdir(parents=True, exist_ok=True)

    sst2 = read_jsonl(args.data / "sst2" / "train.jsonl")
    sst2_train = [
        {"text": detokenize(r["text"]) if rng.random() < 0.5 else r["text"], "label": r["label"], "domain": "sst2"}
        for r in sst2
    ]

    tweets = [r for r in read_jsonl(args.data / "semeval2017" / "train.jsonl") if r["label"] != "neutral"]
    dev_pool = [r for r in tweets if r["source"] == TWEET_DEV_SOURCE]
    rng.shuffle(dev_pool)
    dev_ids = {r["id"] for r in dev_pool[:TWEET_DEV_SIZE]}
    tweet_dev = [{"text": r["text"], "label": r["label"]} for r in dev_pool[:TWEET_DEV_SIZE]]
    tweet_train = [{"text": r["text"], "label": r["label"], "domain": "tweets"} for r in tweets if r["id"] not in dev_ids]

    imdb = read_jsonl(args.data / "imdb" / "train.jsonl")
    rng.shuffle(imdb)
    imdb_dev = [{"text": r["text"], "label": r["label"]} for r in imdb[:IMDB_DEV_SIZE]]
    imdb_train = [
        {"text": r["text"], "label": r["label"], "domain": "imdb"}
        for r in imdb[IMDB_DEV_SIZE : IMDB_DEV_SIZE + IMDB_TRAIN_SIZE]
    ]

    train = sst2_train + tweet_train + imdb_train
    rng.shuffle(train)
    write_jsonl(args.out / "train.jsonl", train)
    write_jsonl(args.out / "dev_tweets.jsonl", tweet_dev)
    write_jsonl(args.out / "dev_imdb.jsonl", imdb_dev)
    write_jsonl(args.out / "dev_sst2.jsonl", read_jsonl(args.data / "sst2" / "dev.jsonl"))
    counts = {d: sum(r["domain"] == d for r in train) for d in ("sst2", "tweets", "imdb")}
    config = {"seed": SEED, "train_rows": len(train), "train_by_domain": counts,
              "dev_rows": {"sst2": 872, "tweets": len(tweet_dev), "imdb": len(imdb_dev)}}
    (args.out / "prepare_config.json").write_text(json.dumps(config, indent=2) + "\n")
    print(json.dumps(config))


if __name__ == "__main__":
    main()

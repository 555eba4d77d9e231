"""Rebuild the binary mixture sentiment-minilm-l6 1.0.0 was trained on (stage 1 of the current model).

    .venv-train/bin/python -m training.prepare_binary --data ../shared/data --out training/work/stage1-data

The current model starts from 1.0.0's weights, so whatever 1.0.0 trained on is not held out any more:
`prepare.py --seen <out>/train.jsonl` keeps those texts out of its test sets and calibration slice.
This is 1.0.0's own recipe, unchanged (seed 13), so it writes exactly the rows 1.0.0 saw:
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
from pathlib import Path

from training.prepare import detokenize, read_jsonl, write_jsonl

SEED = 13
TWEET_DEV_SOURCE = "twitter-2016test-A"
TWEET_DEV_SIZE = 2000
IMDB_DEV_SIZE = 1000
IMDB_TRAIN_SIZE = 8000


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

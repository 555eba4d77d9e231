"""Build the three-way training mixture, the calibration slice and the held-out test sets.

    .venv-train/bin/python -m training.prepare --data ../shared/data --out training/work/data

Labels are negative / neutral / positive. Rows carry `"classes": 3` (gold can be neutral) or `"classes": 2`
(binary sources: their gold is never neutral, so training must not read them as "not neutral"; train.py
scores them with a loss over negative and positive only).

- SemEval 2013-2016 tweets, all three classes. `twitter-2016test-A` (the SemEval 2016 test set) is held out
  entirely: test_tweets3.jsonl (3-class) and its positive/negative rows as the binary tweet test.
- SST-5 train sentences, three classes (the neutral middle of movie reviews).
- SST-2 train phrases, binary. Rows whose text is an SST-5 sentence are dropped (same sentence twice).
  SST-2 and SST-5 are PTB-tokenised ("does n't"); half of each is detokenised so the model also sees text
  the way people type it.
- IMDB reviews, binary and long. 1,000 are held out as a test set.

Sizes are capped so that one epoch trains in about an hour on two shared CPU cores (~2.7 s per step of 32):
22,000 tweets, 12,000 SST-2 phrases and 2,500 IMDB reviews (a review costs ~10x a tweet) besides all of SST-5.

With `--seen FILE` (the JSONL an earlier stage trained on, e.g. `prepare_binary.py`'s train.jsonl, when
training starts from that stage's weights), every text in it is kept out of the test sets and the
calibration slice: a model is never tested or calibrated on text its starting weights learned.

With `--extra amazon,finance,goemotions` the newer three-way sources join the mixture (capped, see EXTRA_SOURCES),
each with a held-out test set of its own (`test_<name>3.jsonl`: finance's dev split, a held-out slice of the
others). Without it the mixture is the one model 2.0.0 was trained on.

`--leave-out amazon` (any sources, comma-separated) trains without them: their test sets are still written, and
every other row is as it would have been, so a model built with and one built without a source are compared on the
same rows. The Amazon reviews are licensed for academic research only: a model for other use must leave them out.

Before training, a calibration slice is carved from the training sources (tweets, SST-5, IMDB): it is
never trained on and is not a test set; evaluate.py fits the softmax temperature on it.

Writes train.jsonl ({"text","label","domain","classes"}); the same rows as one file per source for the fine-tune
command, `train/three-way-<source>.jsonl` and `train/binary-<source>.jsonl` (to be trained with `--partial`);
calib.jsonl; test_<set>.jsonl; eval_mixture.jsonl (up to EVAL_MIXTURE_ROWS of each three-way test set, the fine-tune
command's before/after rows); and prepare_config.json.
"""

import argparse
import json
import random
import re
from pathlib import Path

SEED = 13
TWEET_TEST_SOURCE = "twitter-2016test-A"
IMDB_TEST_SIZE = 1000
IMDB_TRAIN_SIZE = 2500
TWEET_TRAIN_SIZE = 22000
SST2_TRAIN_SIZE = 12000
CALIB_SIZES = {"tweets": 1500, "imdb": 500}
# name: (rows trained on at most, rows held out as its test set; None where the set ships a dev split).
EXTRA_SOURCES = {"amazon": (8000, 1000), "finance": (10000, None), "goemotions": (8000, 1000)}
SOURCES = ("tweets", "sst5", "sst2", "imdb", *EXTRA_SOURCES)
EVAL_MIXTURE_ROWS = 400

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
    """Undo PTB tokenisation so SST reads like ordinary text."""
    for pattern, replacement in PTB_REPLACEMENTS:
        text = pattern.sub(replacement, text)
    return text


def alnum(text: str) -> str:
    """Comparison key that ignores case, spacing, punctuation and PTB escapes."""
    return re.sub(r"[^a-z0-9]", "", re.sub(r"-[lr][rsc]b-", "", text.lower()))


def read_jsonl(path: Path) -> list[dict]:
    with path.open(encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def write_jsonl(path: Path, rows: list[dict]) -> None:
    with path.open("w", encoding="utf-8") as f:
        for row in rows:
            f.write(json.dumps(row, ensure_ascii=False) + "\n")


def row(text: str, label: str, domain: str, classes: int) -> dict:
    return {"text": text, "label": label, "domain": domain, "classes": classes}


def write_source_files(folder: Path, train: list[dict]) -> None:
    """One {"text","label"} file per source, named by whether its gold can be neutral."""
    folder.mkdir(exist_ok=True)
    for stale in folder.glob("*.jsonl"):
        stale.unlink()
    for domain in sorted({r["domain"] for r in train}):
        rows = [r for r in train if r["domain"] == domain]
        kind = "binary" if rows[0]["classes"] == 2 else "three-way"
        write_jsonl(folder / f"{kind}-{domain}.jsonl", [{"text": r["text"], "label": r["label"]} for r in rows])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, required=True, help="folder with sst2/, sst5/, semeval2017/, imdb/")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--seen", type=Path, help="JSONL of texts the starting weights were trained on")
    parser.add_argument("--extra", default="", help=f"comma-separated newer sources to add: {', '.join(EXTRA_SOURCES)}")
    parser.add_argument("--leave-out", default="", help=f"comma-separated sources not to train on: {', '.join(SOURCES)}")
    args = parser.parse_args()
    extra = [name for name in args.extra.split(",") if name]
    unknown = sorted(set(extra) - set(EXTRA_SOURCES))
    if unknown:
        parser.error(f"unknown --extra sources {unknown}; known: {sorted(EXTRA_SOURCES)}")
    left_out = [name for name in args.leave_out.split(",") if name]
    if sorted(set(left_out) - set(SOURCES)):
        parser.error(f"unknown --leave-out sources {sorted(set(left_out) - set(SOURCES))}; known: {list(SOURCES)}")
    rng = random.Random(SEED)
    args.out.mkdir(parents=True, exist_ok=True)
    seen_keys = {alnum(r["text"]) for r in read_jsonl(args.seen)} if args.seen else set()

    def unseen(rows: list[dict]) -> list[dict]:
        return [r for r in rows if alnum(r["text"]) not in seen_keys]

    tweets = read_jsonl(args.data / "semeval2017" / "train.jsonl")
    held_out = unseen([row(r["text"], r["label"], "tweets", 3) for r in tweets if r["source"] == TWEET_TEST_SOURCE])
    rng.shuffle(held_out)
    # Calibration tweets come from the held-out year too: every other tweet may be in the starting weights.
    calib_tweets, tweet_test = held_out[: CALIB_SIZES["tweets"]], [
        {"text": r["text"], "label": r["label"]} for r in held_out[CALIB_SIZES["tweets"]:]]
    tweet_pool = [row(r["text"], r["label"], "tweets", 3) for r in tweets if r["source"] != TWEET_TEST_SOURCE]
    rng.shuffle(tweet_pool)

    sst5 = read_jsonl(args.data / "sst5" / "train.jsonl")
    sst5_pool = [row(detokenize(r["text"]) if rng.random() < 0.5 else r["text"], r["label"], "sst5", 3) for r in sst5]
    rng.shuffle(sst5_pool)
    sst5_keys = {alnum(r["text"]) for r in sst5}
    sst2 = [r for r in read_jsonl(args.data / "sst2" / "train.jsonl") if alnum(r["text"]) not in sst5_keys]
    sst2_train = [row(detokenize(r["text"]) if rng.random() < 0.5 else r["text"], r["label"], "sst2", 2) for r in sst2]
    rng.shuffle(sst2_train)

    imdb = read_jsonl(args.data / "imdb" / "train.jsonl")
    rng.shuffle(imdb)
    imdb_test = unseen([{"text": r["text"], "label": r["label"]} for r in imdb])[:IMDB_TEST_SIZE]
    test_keys = {alnum(r["text"]) for r in imdb_test}
    imdb_pool = [row(r["text"], r["label"], "imdb", 2) for r in imdb if alnum(r["text"]) not in test_keys]

    calib = calib_tweets + unseen(imdb_pool)[: CALIB_SIZES["imdb"]]
    calib_ids = {id(r) for r in calib}
    train = (tweet_pool[:TWEET_TRAIN_SIZE] + sst5_pool + sst2_train[:SST2_TRAIN_SIZE]
             + [r for r in imdb_pool if id(r) not in calib_ids][:IMDB_TRAIN_SIZE])
    extra_tests = {}
    for name in extra:
        cap, test_size = EXTRA_SOURCES[name]
        pool = [row(r["text"], r["label"], name, 3) for r in read_jsonl(args.data / name / "train.jsonl")]
        rng.shuffle(pool)
        if test_size is None:
            extra_tests[name] = [{"text": r["text"], "label": r["label"]} for r in read_jsonl(args.data / name / "dev.jsonl")]
        else:
            extra_tests[name] = [{"text": r["text"], "label": r["label"]} for r in pool[:test_size]]
            pool = pool[test_size:]
        train += pool[:cap]
    rng.shuffle(train)
    # Filtered after the shuffle, so leaving a source out leaves every other row, and every test set, as it was.
    train = [r for r in train if r["domain"] not in left_out]

    write_jsonl(args.out / "train.jsonl", train)
    write_source_files(args.out / "train", train)
    three_way_tests = {"tweets": tweet_test, **extra_tests}
    write_jsonl(args.out / "eval_mixture.jsonl", [{**r, "domain": name} for name, rows in three_way_tests.items()
                                                  for r in rows[:EVAL_MIXTURE_ROWS]])
    for name, rows in extra_tests.items():
        write_jsonl(args.out / f"test_{name}3.jsonl", rows)
    write_jsonl(args.out / "calib.jsonl", calib)
    write_jsonl(args.out / "test_sst2.jsonl", read_jsonl(args.data / "sst2" / "dev.jsonl"))
    write_jsonl(args.out / "test_tweets3.jsonl", tweet_test)
    write_jsonl(args.out / "test_tweets.jsonl", [r for r in tweet_test if r["label"] != "neutral"])
    write_jsonl(args.out / "test_imdb.jsonl", imdb_test)

    def counts(rows: list[dict]) -> dict:
        out: dict = {}
        for r in rows:
            out.setdefault(r.get("domain", "all"), {}).setdefault(r["label"], 0)
            out[r.get("domain", "all")][r["label"]] += 1
        return out

    config = {
        "seed": SEED, "labels": ["negative", "neutral", "positive"],
        "train_rows": len(train), "train_by_domain_and_label": counts(train),
        "calib_rows": len(calib), "calib_by_domain_and_label": counts(calib),
        "sst2_rows_dropped_as_sst5_sentences": 67349 - len(sst2),
        "test_rows": {"sst2": 872, "tweets3": len(tweet_test), "tweets": sum(r["label"] != "neutral" for r in tweet_test),
                      "imdb": len(imdb_test), **{f"{name}3": len(rows) for name, rows in extra_tests.items()}},
        "tweet_test_source": TWEET_TEST_SOURCE,
        "seen": {"file": args.seen.name if args.seen else None, "texts": len(seen_keys)},
        "left_out": left_out,
        "eval_mixture_rows": {name: min(EVAL_MIXTURE_ROWS, len(rows)) for name, rows in three_way_tests.items()},
    }
    (args.out / "prepare_config.json").write_text(json.dumps(config, indent=2) + "\n")
    print(json.dumps(config))


if __name__ == "__main__":
    main()

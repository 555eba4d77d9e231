"""Sentence segmenters compared on our kinds of text: hard cases passed, and microseconds per 1,000 characters.

    .venv/bin/python -m bench.segmenters                       # the ones installed (the service's own always is)
    pip install --target /tmp/segmenters pysbd==0.3.4 syntok==1.4.4 blingfire==0.1.8
    PYTHONPATH=/tmp/segmenters .venv/bin/python -m bench.segmenters --record   # all of them, into measurements.json

A hard case passes when the segmenter's sentences, stripped of surrounding whitespace, are exactly the expected
ones and every span slices the text exactly (offsets in code points). Speed is over the first 500 IMDB train
reviews (`--data`), segmenting each review whole, best of three passes, one thread. Prints a table; with
--record (only when every candidate is installed) writes the figures to bench/measurements.json, which
bench/README.md ("Sentence segmenter") quotes.
"""

import argparse
import importlib.util
import time
from collections.abc import Callable
from pathlib import Path

from bench import measurements, quote, repo
from bench.measurements import Figure
from bench.texts import read_jsonl_texts

# (what, text, expected sentences): the cases the issue names, in hotel-review and support-ticket English.
HARD_CASES: list[tuple[str, str, list[str]]] = [
    ("title abbreviation", "Dr. Smith checked us in. The room was cold.",
     ["Dr. Smith checked us in.", "The room was cold."]),
    ("e.g.", "Bring snacks, e.g. chips and dip. The minibar is empty.",
     ["Bring snacks, e.g. chips and dip.", "The minibar is empty."]),
    ("price", "Breakfast was $4.99 per person. Worth every cent.", ["Breakfast was $4.99 per person.", "Worth every cent."]),
    ("decimal", "I give it 3.5 out of 5. Not bad.", ["I give it 3.5 out of 5.", "Not bad."]),
    ("time and p.m.", "We arrived at 5 p.m. on Friday. They lost our booking.",
     ["We arrived at 5 p.m. on Friday.", "They lost our booking."]),
    ("initialism", "The U.S. office never answered. I cancelled.", ["The U.S. office never answered.", "I cancelled."]),
    ("URL", "See https://example.com/a.b?c=1. Book early.", ["See https://example.com/a.b?c=1.", "Book early."]),
    ("email", "Write to help@example.co.uk. They reply fast.", ["Write to help@example.co.uk.", "They reply fast."]),
    ("emoji", "Great stay! 😀 The staff were lovely 👍🏽 We will be back.",
     ["Great stay!", "😀 The staff were lovely 👍🏽 We will be back."]),
    ("ellipsis", "I waited... and waited. Nobody came.", ["I waited... and waited.", "Nobody came."]),
    ("unicode ellipsis", "The food was cold… Again. Never again.", ["The food was cold… Again.", "Never again."]),
    ("exclamations", "Wow!!! Best pizza ever?! Yes.", ["Wow!!!", "Best pizza ever?!", "Yes."]),
    ("quotation", 'He said "this is the worst hotel ever." Then he left.',
     ['He said "this is the worst hotel ever."', "Then he left."]),
    ("newlines", "Great location\nTerrible breakfast\nRude staff", ["Great location", "Terrible breakfast", "Rude staff"]),
    ("bullet list", "Pros:\n- clean rooms\n- friendly staff\nCons:\n- noisy street",
     ["Pros:", "- clean rooms", "- friendly staff", "Cons:", "- noisy street"]),
    ("no punctuation", "the room was fine the bed was awful i will never come back",
     ["the room was fine the bed was awful i will never come back"]),
    ("blank-line paragraphs", "Check-in was quick.\n\nThe pool was closed", ["Check-in was quick.", "The pool was closed"]),
]

Spans = list[tuple[int, int]]


def _sentencex() -> Callable[[str], Spans]:
    import sentencex

    return lambda text: [(b["start_index"], b["end_index"]) for b in sentencex.get_sentence_boundaries("en", text)]


def _pysbd() -> Callable[[str], Spans]:
    import pysbd

    segmenter = pysbd.Segmenter(language="en", clean=False, char_span=True)
    return lambda text: [(s.start, s.end) for s in segmenter.segment(text)]


def _syntok() -> Callable[[str], Spans]:
    from syntok import segmenter

    def spans(text: str) -> Spans:
        out = []
        for paragraph in segmenter.analyze(text):
            for sentence in paragraph:
                out.append((sentence[0].offset, sentence[-1].offset + len(sentence[-1].value)))
        return out
    return spans


def _blingfire() -> Callable[[str], Spans]:
    import blingfire

    return lambda text: list(blingfire.text_to_sentences_and_offsets(text)[1])


def _ours() -> Callable[[str], Spans]:
    from sentiment_service.predictor.segmenter import sentence_spans

    return lambda text: [(s.start, s.end) for s in sentence_spans(text)]


CANDIDATES = {"sentencex": ("sentencex", _sentencex), "pysbd": ("pysbd", _pysbd), "syntok": ("syntok", _syntok),
              "blingfire": ("blingfire", _blingfire), "service (segmenter.py)": ("sentencex", _ours)}


def passes(spans_of: Callable[[str], Spans], text: str, expected: list[str]) -> bool:
    spans = spans_of(text)
    sentences = [text[start:end].strip() for start, end in spans]
    return [s for s in sentences if s] == expected and all(0 <= s < e <= len(text) for s, e in spans)


def microseconds_per_1000_chars(spans_of: Callable[[str], Spans], texts: list[str]) -> float:
    chars = sum(len(t) for t in texts)
    best = float("inf")
    for _ in range(3):
        started = time.perf_counter()
        for text in texts:
            spans_of(text)
        best = min(best, time.perf_counter() - started)
    return best / chars * 1000 * 1e6


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=repo.IMDB_TRAIN)
    parser.add_argument("--count", type=int, default=500)
    parser.add_argument("--show-failures", action="store_true")
    parser.add_argument("--record", action="store_true", help="write the figures to bench/measurements.json")
    args = parser.parse_args(argv)
    texts = read_jsonl_texts(args.data, args.count) or [case[1] for case in HARD_CASES] * 50
    print(f"{'segmenter':<24}{'hard cases':>12}{'us / 1000 chars':>18}  failed")
    figures: dict[str, Figure] = {}
    for name, (module, build) in CANDIDATES.items():
        if importlib.util.find_spec(module) is None:
            print(f"{name:<24}{'not installed':>12}")
            continue
        spans_of = build()
        failed = [what for what, text, expected in HARD_CASES if not passes(spans_of, text, expected)]
        speed = microseconds_per_1000_chars(spans_of, texts)
        print(f"{name:<24}{len(HARD_CASES) - len(failed):>7} / {len(HARD_CASES):<3}{speed:>16.1f}  {', '.join(failed)}")
        key = "service" if name.startswith("service") else name
        figures[f"segmenter_{key}_us_per_1000_chars"] = Figure(
            speed, "us", f"{name}: microseconds per 1,000 characters of IMDB reviews, one thread, best of 3", 1)
        figures[f"segmenter_{key}_hard_cases"] = Figure(
            len(HARD_CASES) - len(failed), f"of {len(HARD_CASES)}", f"{name}: hard cases of bench/segmenters.py passed", 0)
        if args.show_failures:
            for what, text, _ in HARD_CASES:
                if what in failed:
                    print(f"    {what}: {[text[s:e] for s, e in spans_of(text)]}")
    if args.record:
        if len(figures) != 2 * len(CANDIDATES):
            print("not recorded: install every candidate first (see the command at the top of this file)")
            return 1
        measurements.record(figures, "bench.segmenters", repo.git_commit())
        quote.main([])
        print(f"recorded in {measurements.FILE.relative_to(repo.ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Score a labelled JSONL file through the service's scoring core and report accuracy.

    make evaluate DATA=path/to/file.jsonl            # or:
    python -m evaluation path/to/file.jsonl [--model-dir DIR] [--json]

Each line is {"text": ..., "label": ...}. Prints accuracy, macro-F1 and the confusion matrix, long texts read
whole as the service reads them; then the same figures with long texts read as their first window
(long_text=truncate), on every row and on the rows longer than the model's window alone (evaluation/long_texts.py).
"""

import argparse
import json
import sys
from pathlib import Path

from evaluation.data import read_jsonl
from evaluation.long_texts import compare_long_texts, comparison_table
from evaluation.report import evaluate
from sentiment_service.host import DEFAULT_MODEL_DIR
from sentiment_service.predictor.scoring_core import ScoringCore


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data", type=Path)
    parser.add_argument("--model-dir", type=Path, default=DEFAULT_MODEL_DIR)
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    args = parser.parse_args(argv)
    core, rows = ScoringCore.open(args.model_dir), read_jsonl(args.data)
    report, long_texts = evaluate(core, rows), compare_long_texts(core, rows)
    if args.json:
        print(json.dumps({**report.as_dict(), "long_texts": {name: r.as_dict() for name, r in long_texts.items()}}))
    else:
        print(report.table() + "\n\n" + comparison_table(long_texts))
    return 0


if __name__ == "__main__":
    sys.exit(main())

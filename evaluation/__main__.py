"""Score a labelled JSONL file through the service's scoring core and report accuracy.

    make evaluate DATA=path/to/file.jsonl            # or:
    python -m evaluation path/to/file.jsonl [--model-dir DIR] [--json]

Each line is {"text": ..., "label": ...}. Prints accuracy, macro-F1 and the confusion matrix.
"""

import argparse
import json
import sys
from pathlib import Path

from evaluation.data import read_jsonl
from evaluation.report import evaluate
from sentiment_service.host import DEFAULT_MODEL_DIR
from sentiment_service.predictor.scoring_core import ScoringCore


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data", type=Path)
    parser.add_argument("--model-dir", type=Path, default=DEFAULT_MODEL_DIR)
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    args = parser.parse_args(argv)
    report = evaluate(ScoringCore.open(args.model_dir), read_jsonl(args.data))
    print(json.dumps(report.as_dict()) if args.json else report.table())
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""`python -m sentiment_service.tune TRAIN [TRAIN ...] --out DIR [--from MODEL_DIR] [--eval FILE]`.

    .venv-train/bin/python -m sentiment_service.tune reviews.csv --out models/reviews-minilm \
        --eval reviews-dev.jsonl --time-budget 20

Exit status: 0 written, 2 refused (nothing written: bad data, labels the model lacks, an existing output, a work
directory of another run, a failed export check), 3 a starting model that cannot be fine-tuned, 130 interrupted
(a checkpoint is kept: the same command resumes). Needs torch and transformers (the training environment).
"""

import argparse
import json
import sys
from pathlib import Path

from sentiment_service.bootstrap import set_library_environment
from sentiment_service.host import DEFAULT_MODEL_DIR
from sentiment_service.tune.loop import Schedule, Stopping

DEFAULTS, STOP_DEFAULTS = Schedule(), Stopping()


def fraction(text: str) -> float:
    value = float(text)
    if not 0 < value < 0.5:
        raise argparse.ArgumentTypeError(f"{text} is not a fraction between 0 and 0.5")
    return value


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m sentiment_service.tune", description=__doc__.splitlines()[0])
    parser.add_argument("train", nargs="+", type=Path, metavar="TRAIN",
                        help="CSV, JSONL or Parquet files with a text and a label column (several: one mixture)")
    parser.add_argument("--out", type=Path, required=True, help="the model directory to create (must not exist)")
    parser.add_argument("--from", dest="start", type=Path, default=DEFAULT_MODEL_DIR,
                        help="model directory or Hugging Face checkpoint to start from (default: the shipped model)")
    parser.add_argument("--eval", dest="eval_file", type=Path,
                        help="labelled file for the before/after metrics (default: rows held out of TRAIN)")
    parser.add_argument("--text-column", default="text")
    parser.add_argument("--label-column", default="label")
    parser.add_argument("--format", dest="table_format", choices=("csv", "jsonl", "parquet"),
                        help="format of every input file (default: from each file's extension)")
    parser.add_argument("--add-labels", action="store_true", help="train labels the starting model lacks as new labels")
    parser.add_argument("--partial", type=Path, action="append", default=[], metavar="TRAIN",
                        help="a TRAIN file that lacks some labels by design (say, positive/negative only): its rows are "
                             "trained over its own labels alone, so they never teach 'not neutral' (repeatable)")
    parser.add_argument("--holdout", type=fraction, default=0.1,
                        help="fraction of each label's training rows held out for validation, and for evaluation "
                             "when no --eval is given (default 0.1)")
    parser.add_argument("--name", help="model name in the manifest (default: the output directory's name)")
    parser.add_argument("--version", default="1.0.0", help="model version in the manifest (default 1.0.0)")
    parser.add_argument("--precision", choices=("auto", "int8", "fp32"), default="auto",
                        help="int8 (weights, and activations per token: batch-invariant) or fp32; auto (default): int8 "
                             "where it passes model import's check, fp32 otherwise")
    parser.add_argument("--max-diff", type=float, help="largest int8 probability difference from the checkpoint to accept "
                                                       "(default: model import's, 0.10)")
    parser.add_argument("--work", type=Path, help="checkpoint directory (default: <out>.work, removed once written)")
    parser.add_argument("--threads", type=int, help="CPU threads for training (default: torch's, one per core)")
    recipe = parser.add_argument_group("schedule (a resumed run must use the same)")
    recipe.add_argument("--epochs", type=int, default=DEFAULTS.epochs, help=f"passes over the data (default {DEFAULTS.epochs})")
    recipe.add_argument("--max-steps", type=int, help="cap on optimizer steps (the schedule ends there)")
    recipe.add_argument("--batch-size", type=int, default=DEFAULTS.batch_size)
    recipe.add_argument("--learning-rate", type=float, default=DEFAULTS.learning_rate)
    recipe.add_argument("--seed", type=int, default=DEFAULTS.seed)
    recipe.add_argument("--eval-every", type=int, help="steps between validations (default: twice an epoch)")
    stop = parser.add_argument_group("stopping (may change when resuming)")
    stop.add_argument("--patience", type=int, default=STOP_DEFAULTS.patience,
                      help=f"validations without improvement before stopping (default {STOP_DEFAULTS.patience}; 0: never)")
    stop.add_argument("--time-budget", type=float, metavar="MINUTES",
                      help="stop training after this many minutes (counted across resumed runs), then export")
    stop.add_argument("--checkpoint-every", type=int, default=STOP_DEFAULTS.checkpoint_every,
                      help=f"steps between checkpoints (default {STOP_DEFAULTS.checkpoint_every}; also at every validation)")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    set_library_environment()
    from sentiment_service.models.importer import ImportRefused
    from sentiment_service.models.onnx_export import UnsupportedModel
    from sentiment_service.tune.labelled import DataRefused
    from sentiment_service.tune.loop import Interrupted
    from sentiment_service.tune.package import OutputExists
    from sentiment_service.tune.run import RunRefused, TuneRequest, tune
    from sentiment_service.tune.start import StartRefused

    request = TuneRequest(
        train=args.train, out=args.out, start=args.start, eval_file=args.eval_file, text_column=args.text_column,
        label_column=args.label_column, table_format=args.table_format, add_labels=args.add_labels, partial=args.partial,
        holdout=args.holdout,
        name=args.name, version=args.version, work=args.work, threads=args.threads, precision=args.precision,
        max_diff=args.max_diff,
        schedule=Schedule(seed=args.seed, epochs=args.epochs, max_steps=args.max_steps, batch_size=args.batch_size,
                          learning_rate=args.learning_rate, eval_every=args.eval_every),
        stopping=Stopping(patience=args.patience, checkpoint_every=args.checkpoint_every,
                          time_budget_s=args.time_budget * 60 if args.time_budget is not None else None))
    try:
        manifest = tune(request)
    except (DataRefused, RunRefused, OutputExists) as exc:
        print(f"fine-tune refused: {exc}", file=sys.stderr)
        return 2
    except ImportRefused as exc:
        print(f"fine-tune refused: the export failed its check ({exc}); the checkpoints are kept in {request.work_dir}: "
              "the same command with --precision auto or fp32 (or a looser --max-diff) exports them without training again",
              file=sys.stderr)
        return 2
    except (StartRefused, UnsupportedModel) as exc:
        print(f"cannot fine-tune this model: {exc}", file=sys.stderr)
        return 3
    except (Interrupted, KeyboardInterrupt) as exc:
        where = f" at step {exc.step}/{exc.total_steps}" if isinstance(exc, Interrupted) else ""
        print(f"interrupted{where}: run the same command again to resume from {request.work_dir}", file=sys.stderr)
        return 130
    evaluation = manifest["metrics"]["evaluation"]
    print(json.dumps({"before": _summary(evaluation["before"]), "after": _summary(evaluation["after"]),
                      "rows": evaluation["rows"], "steps": manifest["tuning"]["run"]["steps"],
                      "train_minutes": manifest["tuning"]["run"]["train_minutes"]}))
    print(f"wrote {args.out}: {manifest['name']} {manifest['version']}, labels {manifest['labels']}; macro recall "
          f"{evaluation['before']['macro_recall']:.4f} -> {evaluation['after']['macro_recall']:.4f}, accuracy "
          f"{evaluation['before']['accuracy']:.4f} -> {evaluation['after']['accuracy']:.4f} on {evaluation['rows']:,} rows")
    return 0


def _summary(metrics: dict) -> dict:
    return {"macro_recall": metrics["macro_recall"], "accuracy": metrics["accuracy"], "recall": metrics["recall"]}


if __name__ == "__main__":
    sys.exit(main())

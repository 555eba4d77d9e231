"""`python -m sentiment_service.models import SRC --out DIR [--precision int8|fp32] [--probe FILE.jsonl] [--force]`
and `python -m sentiment_service.models check DIR`.

import: exit status 0 written (a forced write says so), 2 refused (nothing written), 3 an architecture that cannot
be exported or served. Needs torch and transformers (the training environment).

check: what the service does to a model directory before it serves it (every hash against the manifest, then load
and score), without starting the service: exit 0 servable, 2 not. Needs only what serving needs, so it runs in the
image too, before a model directory is swapped in.
"""

import argparse
import json
import sys
from pathlib import Path

from sentiment_service.bootstrap import set_library_environment


def polarity_weights(text: str) -> dict[str, float]:
    """"1 star=-1,5 stars=1" -> {"1 star": -1.0, "5 stars": 1.0}; raises ArgumentTypeError."""
    try:
        return {label.strip(): float(weight) for label, weight in (item.rsplit("=", 1) for item in text.split(",") if item)}
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not LABEL=WEIGHT,LABEL=WEIGHT,...") from None


def check(model_dir: Path) -> int:
    """Load `model_dir` as the service does and score two texts with it; 0 if it can be served, 2 if not."""
    from sentiment_service.predictor.contract import PredictorError
    from sentiment_service.predictor.scoring_core import ScoringCore

    try:
        core = ScoringCore.open(model_dir)
        core.score(["a quick check", "a slightly longer sentence, so that the batch has two lengths"])
    except PredictorError as exc:
        print(f"check failed: {exc}", file=sys.stderr)
        return 2
    info = core.info
    print(json.dumps({"model_dir": str(model_dir), "name": info.name, "version": info.version, "labels": list(info.labels),
                      "max_length": info.max_length, "precision": info.precision, "servable": True}))
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sentiment_service.models", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    imports = commands.add_parser("import", help="a Hugging Face text classifier as a verified model directory")
    imports.add_argument("source", help="a checkpoint directory (config.json, weights, tokenizer), or a Hub id")
    imports.add_argument("--out", type=Path, required=True, help="the model directory to create (must not exist)")
    imports.add_argument("--precision", choices=("int8", "fp32"), default="int8",
                         help="int8 weights and per-token activations (default; batch-invariant), or fp32")
    imports.add_argument("--probe", type=Path, help="JSONL of {\"text\": ...}: more texts to verify on")
    imports.add_argument("--force", action="store_true", help="write the directory even if verification fails")
    imports.add_argument("--name", help="model name in the manifest (default: the source's last path part)")
    imports.add_argument("--version", default="1.0.0", help="model version in the manifest (default 1.0.0)")
    imports.add_argument("--max-length", type=int, help="cap on tokens per text (default: the checkpoint's, at most 512)")
    imports.add_argument("--polarity", type=polarity_weights, metavar="LABEL=W,...",
                         help='a weight in [-1, 1] per label for the response\'s polarity, e.g. "1 star=-1,3 stars=0,5 stars=1"')
    imports.add_argument("--max-diff", type=float, help="largest probability difference to accept against the checkpoint "
                                                        "(default 1e-4 for fp32, 0.10 for int8)")
    checks = commands.add_parser("check", help="verify a model directory as the service would, and score with it")
    checks.add_argument("model_dir", type=Path)
    args = parser.parse_args(argv)

    set_library_environment()
    if args.command == "check":
        return check(args.model_dir)
    from sentiment_service.models.importer import ImportRefused, ImportRequest, import_model, read_probes
    from sentiment_service.models.onnx_export import UnsupportedModel

    try:
        probes = read_probes(args.probe) if args.probe else []
        manifest = import_model(ImportRequest(args.source, args.out, args.precision, probes, args.force, args.name,
                                              args.version, args.max_length, args.max_diff, args.polarity))
    except ImportRefused as exc:
        print(f"import refused: {exc}", file=sys.stderr)
        return 2
    except UnsupportedModel as exc:
        print(f"unsupported model: {exc}", file=sys.stderr)
        return 3
    report = manifest["verification"]
    print(json.dumps({key: report[key] for key in ("probes", "precision", "tokenizer_agreement", "top_label_agreement",
                                                   "max_abs_probability_diff", "batch_invariance_max_abs_diff", "passed")}))
    if report["forced"]:
        print(f"WARNING: written with --force although verification failed: {'; '.join(report['failures'])}", file=sys.stderr)
    print(f"wrote {args.out}: {manifest['name']} {manifest['version']}, labels {manifest['labels']}, {args.precision}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

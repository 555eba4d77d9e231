"""Add a sentiment column to a table: every input column, plus label, score, one probability per label,
truncated and error (and with --sentences, sentences and mixed). Texts are read as the service reads them: a text
longer than the model's window whole, unless --long-text truncate.

    python -m sentiment_service.bulk score reviews.csv scored.csv --text-column review
    python -m sentiment_service.bulk score tickets.jsonl scored.parquet --model-dir models/sentiment-minilm-l6

Reads and writes CSV, JSONL and Parquet in chunks (memory does not grow with the file), scores on one worker
process per CPU through the service's own predictor, and writes to a temporary file in the output's directory
that is renamed only when the run completes. Exit status: 0 done (bad rows included, counted in the summary),
2 bad input, output or model, 1 a worker failed, 130 interrupted.
"""

import argparse
import os
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa

from sentiment_service.bootstrap import set_library_environment
from sentiment_service.bulk import tables, writers
from sentiment_service.bulk.pool import CHUNKS_PER_WORKER, ScoringPool, WorkerFailed
from sentiment_service.bulk.progress import Progress
from sentiment_service.bulk.scoring import DEFAULT_MAX_TEXT_CHARS, ResultColumns, ScoredTexts
from sentiment_service.bulk.stopping import NOT_INSTALLED, StopRequests
from sentiment_service.bulk.tables import BadInput, TableReader
from sentiment_service.bulk.writers import TableWriter
from sentiment_service.host import DEFAULT_MODEL_DIR, available_cpus
from sentiment_service.logs import LOG_LEVELS, configure_logging
from sentiment_service.predictor.contract import DOCUMENT, LONG_TEXT_MODES, ModelLoadError
from sentiment_service.predictor.manifest import load_manifest

# Rows per chunk sent to a worker: enough for the length-aware batching to find texts of similar length
# (it sorts within a chunk into calls of at most 512 tokens), few enough that (2 x workers + 1) chunks in the
# parent stay small: on a 1 GB CSV of reviews the parent peaked at 100 MB RSS with 256 rows and 110 MB with
# 512, and 512 rows scored SST-2 sentences no faster.
DEFAULT_CHUNK_ROWS = 256


@dataclass(frozen=True)
class Job:
    source: Path
    target: Path
    source_format: str
    target_format: str
    text_column: str
    model_dir: Path
    workers: int
    chunk_rows: int = DEFAULT_CHUNK_ROWS
    max_text_chars: int = DEFAULT_MAX_TEXT_CHARS
    prefix: str = ""
    long_text: str = DOCUMENT
    sentences: bool = False


@dataclass
class Summary:
    rows: int = 0
    scored: int = 0
    truncated: int = 0
    errors: Counter = field(default_factory=Counter)
    malformed_rows: int = 0
    first_malformed: str = ""
    elapsed_s: float = 0.0

    def add(self, scored: ScoredTexts) -> None:
        self.rows += len(scored.errors)
        counts = scored.error_counts()
        self.errors.update(counts)
        self.scored += len(scored.errors) - sum(counts.values())
        self.truncated += sum(1 for t in scored.truncated if t)

    def line(self, job: Job) -> str:
        rate = self.rows / self.elapsed_s if self.elapsed_s else 0.0
        errors = sum(self.errors.values())
        detail = f" ({', '.join(f'{code} {n:,}' for code, n in sorted(self.errors.items()))})" if errors else ""
        text = (f"{job.source} -> {job.target}: {self.rows:,} rows in {self.elapsed_s:.1f} s ({rate:,.0f} texts/s); "
                f"{self.scored:,} scored ({self.truncated:,} truncated to the model's window), {errors:,} errors{detail}")
        if self.malformed_rows:
            text += f"; {self.malformed_rows:,} malformed CSV rows skipped (first: {self.first_malformed})"
        return text


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m sentiment_service.bulk", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    score = commands.add_parser("score", help="score a CSV, JSONL or Parquet file into a new file")
    score.add_argument("input", type=Path)
    score.add_argument("output", type=Path)
    score.add_argument("--text-column", default="text", help="column holding the texts (default: text)")
    score.add_argument("--format", choices=tables.FORMATS, help="input format (default: from the input's extension)")
    score.add_argument("--output-format", choices=tables.FORMATS, help="output format (default: from the output's extension)")
    score.add_argument("--model-dir", type=Path, help="model directory (default: MODEL_DIR, else the shipped model)")
    score.add_argument("--workers", type=int, help="worker processes, one onnxruntime thread each (default: CPUs available)")
    score.add_argument("--chunk-rows", type=int, default=DEFAULT_CHUNK_ROWS, help=f"rows per chunk (default {DEFAULT_CHUNK_ROWS})")
    score.add_argument("--max-text-chars", type=int, default=DEFAULT_MAX_TEXT_CHARS,
                       help=f"longer texts get error text_too_long, as the service answers 413 (default {DEFAULT_MAX_TEXT_CHARS})")
    score.add_argument("--prefix", default="", help="prefix for the added columns, e.g. pred_ when the input has a label column")
    score.add_argument("--long-text", choices=LONG_TEXT_MODES, default=DOCUMENT,
                       help="a text longer than the model's window: read whole (document, the default) or its first "
                            "window only (truncate), as the service's long_text")
    score.add_argument("--sentences", action="store_true",
                       help="add sentences (JSON: each sentence's start, end, label, scores, polarity) and mixed columns")
    score.add_argument("--progress-interval", type=float, default=10.0,
                       help="seconds between progress lines when stderr is not a terminal (default 10)")
    args = parser.parse_args(argv)
    for name in ("workers", "chunk_rows", "max_text_chars"):
        if getattr(args, name) is not None and getattr(args, name) < 1:
            parser.error(f"--{name.replace('_', '-')} must be at least 1")
    return args


def make_job(args: argparse.Namespace, default_model_dir: Path) -> Job:
    """The job the arguments describe; raises BadInput for formats that cannot be told or an output that cannot be."""
    target_format = args.output_format or tables.detect_format(args.output, None, "--output-format")
    if args.output.resolve() == args.input.resolve():
        raise BadInput(f"{args.output} is the input file; write the scores to a new file")
    if not args.output.parent.is_dir():
        raise BadInput(f"cannot write {args.output}: directory {args.output.parent} does not exist")
    return Job(source=args.input, target=args.output, source_format=tables.detect_format(args.input, args.format, "--format"),
               target_format=target_format, text_column=args.text_column, model_dir=args.model_dir or default_model_dir,
               workers=args.workers or available_cpus(), chunk_rows=args.chunk_rows, max_text_chars=args.max_text_chars,
               prefix=args.prefix, long_text=args.long_text, sentences=args.sentences)


def score_file(job: Job, *, progress_interval_s: float = 10.0, stop: StopRequests = NOT_INSTALLED) -> Summary:
    """Score job.source into job.target; raises BadInput, WorkerFailed, KeyboardInterrupt (no target written then)."""
    started = time.monotonic()
    try:
        labels = load_manifest(job.model_dir).info.labels
    except ModelLoadError as exc:
        raise BadInput(str(exc)) from None
    columns = ResultColumns(labels, job.prefix, with_sentences=job.sentences)
    reader = tables.open_reader(job.source, job.source_format, job.text_column, job.chunk_rows)
    try:
        fd, name = tempfile.mkstemp(dir=job.target.parent, prefix=f".{job.target.name}.", suffix=".partial")
    except OSError as exc:
        raise BadInput(f"cannot write in {job.target.parent}: {exc.strerror}") from None
    os.close(fd)
    partial = Path(name)
    summary = Summary()
    try:
        writer = writers.open_writer(partial, job.target_format)
        _run(job, reader, writer, columns, summary, Progress(reader.total_rows, interval_s=progress_interval_s), stop)
        os.chmod(partial, writers.file_mode_for_new_files())  # mkstemp made it private; the result gets the usual mode
        os.replace(partial, job.target)
    finally:
        partial.unlink(missing_ok=True)
    summary.malformed_rows, summary.first_malformed = reader.malformed_rows, reader.first_malformed
    summary.elapsed_s = time.monotonic() - started
    return summary


def _run(job: Job, reader: TableReader, writer: TableWriter, columns: ResultColumns, summary: Summary,
         progress: Progress, stop: StopRequests) -> None:
    pool = ScoringPool(job.model_dir, job.workers, job.max_text_chars, long_text=job.long_text, sentences=job.sentences)
    waiting: list[pa.Table] = []  # input rows of the chunks in flight, oldest first
    rows_read = 0

    def write_oldest() -> None:
        scored = pool.next_result(stop.check)
        table = waiting.pop(0)
        writer.write(writers.with_results(table, scored, columns))
        summary.add(scored)
        fraction = reader.fraction_read()
        progress.advance(table.num_rows, int(rows_read / fraction) if fraction and reader.total_rows is None else None)

    try:
        for chunk in reader.chunks():
            stop.check()
            if clashes := columns.clashes(chunk.table.column_names):
                raise BadInput(f"{job.source} already has a column named {clashes[0]!r}; pass --prefix (e.g. --prefix pred_)")
            pool.submit(chunk.texts)
            waiting.append(chunk.table)
            rows_read += chunk.table.num_rows
            if pool.in_flight > CHUNKS_PER_WORKER * job.workers:
                write_oldest()
        while waiting:
            write_oldest()
        stop.check()  # asked to stop after the last result: still leave nothing under the final name
        if writer.schema is None and reader.schema is not None:  # a CSV with a header and no rows: header only
            writer.write(writers.result_schema(reader.schema, columns).empty_table())
        writer.close()
        pool.close()
    except BaseException:
        pool.terminate()
        writer.discard()
        raise
    finally:
        progress.close()


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    # Arrow's default allocator (jemalloc or mimalloc) keeps freed chunks for reuse; the system allocator
    # hands them back, which keeps the reading and writing parent about 15 MB smaller at the same speed.
    pa.set_memory_pool(pa.system_memory_pool())
    # The service's process set-up (onnxruntime telemetry off, one tokenizer thread); workers inherit it.
    set_library_environment()
    # The service's MODEL_DIR and LOG_LEVEL, read here rather than through Settings: pydantic would cost
    # this parent about 21 MB, and its memory is what the 400 MB budget of a bulk run is made of.
    level = (os.environ.get("LOG_LEVEL") or "info").lower()
    if level not in LOG_LEVELS:
        print(f"error: LOG_LEVEL must be one of {', '.join(LOG_LEVELS)}, not {level!r}", file=sys.stderr)
        return 2
    configure_logging(level)
    default_model_dir = Path(os.environ["MODEL_DIR"]) if os.environ.get("MODEL_DIR") else DEFAULT_MODEL_DIR
    # Ctrl-C, and SIGTERM (a scheduler stopping the job), stop the run at its next safe point (stopping.py) and
    # leave no partial file behind.
    stop = StopRequests()
    stop.install()
    try:
        job = make_job(args, default_model_dir)
        summary = score_file(job, progress_interval_s=args.progress_interval, stop=stop)
    except BadInput as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except WorkerFailed as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"interrupted: {args.output} was not written", file=sys.stderr)
        return 130
    print(summary.line(job))
    return 0

"""Score a Spark DataFrame with the service's scoring core: the same added columns as the score command.

    from sentiment_service.bulk.spark import score_dataframe
    scored = score_dataframe(df, text_col="review", model_dir="/mnt/models/sentiment-minilm-l6")  # shared storage
    scored = score_dataframe(df, text_col="review", model_dir="models/sentiment-minilm-l6", ship=True)  # SparkFiles

Built on mapInPandas (Arrow batches). Each Python worker loads one scoring core the first time it sees a batch
and keeps it in a module-level cache for every later batch and task (Spark reuses Python workers), so a model
is loaded once per task slot, never once per batch. Executors read none of the service's settings: only what
onnxruntime and tokenizers need is set (bootstrap.set_library_environment). One onnxruntime thread per task slot by default: set
intra_op_threads to spark.task.cpus if you give tasks more than one core.
"""

import threading
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
from pyspark import SparkFiles
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql.types import BooleanType, DoubleType, StringType, StructField, StructType

from sentiment_service.bootstrap import set_library_environment
from sentiment_service.bulk.scoring import DEFAULT_MAX_TEXT_CHARS, ResultColumns, ScoredTexts, open_bulk_core, score_values
from sentiment_service.host import DEFAULT_MODEL_DIR
from sentiment_service.predictor.contract import DOCUMENT, LONG_TEXT_MODES
from sentiment_service.predictor.manifest import load_manifest
from sentiment_service.predictor.scoring_core import ScoringCore

SPARK_TYPES = {"string": StringType(), "double": DoubleType(), "boolean": BooleanType()}
# A model location that names a directory shipped with SparkContext.addFile rather than a path.
SPARKFILES_SCHEME = "sparkfiles:"

_cores: dict[tuple[str, int], ScoringCore] = {}
_lock = threading.Lock()


def cached_core(location: str, intra_op_threads: int = 1) -> ScoringCore:
    """This process's scoring core for a model location, loaded on first use; raises ModelLoadError."""
    with _lock:
        key = (location, intra_op_threads)
        if key not in _cores:
            if not _cores:
                set_library_environment()  # onnxruntime telemetry off, one tokenizer thread: as in the service
            _cores[key] = open_bulk_core(resolve_model_dir(location), intra_op_threads)
        return _cores[key]


def resolve_model_dir(location: str) -> Path:
    """The local model directory for a location: a path, or sparkfiles:<name> for a directory shipped with addFile."""
    if location.startswith(SPARKFILES_SCHEME):
        return Path(SparkFiles.get(location[len(SPARKFILES_SCHEME):]))
    return Path(location)


def ship_model(spark: SparkSession, model_dir: Path) -> str:
    """Copy a model directory to every executor with SparkFiles; returns the location to score with."""
    spark.sparkContext.addFile(str(model_dir.resolve()), recursive=True)
    return SPARKFILES_SCHEME + model_dir.resolve().name


def result_struct(input_schema: StructType, columns: ResultColumns) -> StructType:
    """The output schema: every input field, then the added columns (the score command's names and types)."""
    return StructType(list(input_schema.fields) + [StructField(name, SPARK_TYPES[kind], True) for name, kind in columns.typed()])


def with_results(batch: pd.DataFrame, scored: ScoredTexts, columns: ResultColumns) -> pd.DataFrame:
    """The batch with the result columns added; nullable pandas types so that an error row gets nulls, not NaN."""
    failed = scored.failed
    added = {columns.label: pd.Series(scored.labels, index=batch.index, dtype=object),
             columns.score: pd.Series(pd.arrays.FloatingArray(scored.scores, failed.copy()), index=batch.index)}
    for j, name in enumerate(columns.probabilities):
        added[name] = pd.Series(pd.arrays.FloatingArray(scored.probabilities[:, j].copy(), failed.copy()), index=batch.index)
    added[columns.truncated] = pd.Series(pd.array(scored.truncated, dtype="boolean"), index=batch.index)
    added[columns.error] = pd.Series(scored.errors, index=batch.index, dtype=object)
    if columns.with_sentences:
        added[columns.sentences] = pd.Series(scored.sentences, index=batch.index, dtype=object)
        added[columns.mixed] = pd.Series(pd.array(scored.mixed, dtype="boolean"), index=batch.index)
    return batch.assign(**added)


def score_dataframe(df: DataFrame, text_col: str = "text", model_dir: Path | str = DEFAULT_MODEL_DIR, *, ship: bool = False,
                    prefix: str = "", max_text_chars: int = DEFAULT_MAX_TEXT_CHARS, intra_op_threads: int = 1,
                    long_text: str = DOCUMENT, sentences: bool = False) -> DataFrame:
    """df with label, score, p_<label> per model label, truncated and error appended (lazily, like any transformation),
    and with sentences=True the sentences (JSON, as /predict answers them) and mixed columns. long_text: "document"
    reads a text longer than the model's window whole, "truncate" its first window, as /predict does.

    model_dir must be readable on the driver (its manifest gives the labels). With ship=False every executor
    reads the same path (shared storage, or a path baked into the executor image); with ship=True it is sent
    to the executors with SparkContext.addFile. Raises ValueError for an unknown long_text, a missing text column or a column-name
    clash, ModelLoadError for a bad model directory.
    """
    model_dir = Path(model_dir)
    if long_text not in LONG_TEXT_MODES:
        raise ValueError(f"long_text must be one of {', '.join(LONG_TEXT_MODES)}, not {long_text!r}")
    columns = ResultColumns(load_manifest(model_dir).info.labels, prefix, with_sentences=sentences)
    if text_col not in df.columns:
        raise ValueError(f"DataFrame has no column {text_col!r} (columns: {', '.join(df.columns)})")
    if clashes := columns.clashes(df.columns):
        raise ValueError(f"DataFrame already has a column named {clashes[0]!r}; pass prefix= (e.g. prefix='pred_')")
    location = ship_model(df.sparkSession, model_dir) if ship else str(model_dir.resolve())

    def score_batches(batches: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
        core = cached_core(location, intra_op_threads)
        for batch in batches:
            scored = score_values(core, batch[text_col].tolist(), max_text_chars, long_text=long_text, sentences=sentences)
            yield with_results(batch, scored, columns)

    return df.mapInPandas(score_batches, result_struct(df.schema, columns))

"""Helpers for the bulk-scoring tests: tables written and read back in each format, and the command as a user runs it."""

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import onnx
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest
from onnx import numpy_helper

from sentiment_service.predictor.contract import Prediction
from sentiment_service.predictor.limits import ServingLimits
from sentiment_service.predictor.manifest import write_manifest
from sentiment_service.predictor.serving_predictor import ServingPredictor
from sentiment_service.settings import DEFAULT_MODEL_DIR
from tests.tiny_model import build_graph, build_tokenizer

ROOT = Path(__file__).resolve().parents[2]
SHIPPED_MODEL = DEFAULT_MODEL_DIR
SST2_DEV = ROOT.parent / "shared" / "data" / "sst2" / "dev.jsonl"


def service_predictions(texts: list[str], model_dir: Path = DEFAULT_MODEL_DIR) -> list[Prediction]:
    """What the service's own predictor answers for these texts, as one request with the service's batching
    (a 2048-token budget, where bulk scoring uses 512: the shipped model is batch-invariant, so the answers agree)."""
    predictor = ServingPredictor(model_dir, ServingLimits(max_queued_texts=max(1024, len(texts)), deadline_s=600.0))
    predictor.load()
    try:
        return predictor.predict(texts)
    finally:
        predictor.close()


def write_rows(path: Path, rows: list[dict]) -> Path:
    """Write rows as CSV, JSONL or Parquet, by the path's extension."""
    if path.suffix == ".jsonl":
        path.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    elif path.suffix == ".csv":
        pacsv.write_csv(pa.Table.from_pylist(rows), path)
    else:
        pq.write_table(pa.Table.from_pylist(rows), path)
    return path


def read_rows(path: Path) -> list[dict]:
    if path.suffix == ".jsonl":
        return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    if path.suffix == ".csv":
        # Types inferred, as a user's tool would read the output; the text column stays text.
        return pacsv.read_csv(path, convert_options=pacsv.ConvertOptions(column_types={"text": pa.string()})).to_pylist()
    return pq.read_table(path).to_pylist()


def run_command(*args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    """`python -m sentiment_service.bulk ...` in a fresh process, as a user runs it."""
    return subprocess.run([sys.executable, "-m", "sentiment_service.bulk", *args], capture_output=True, text=True,
                          timeout=timeout, cwd=ROOT)


@pytest.fixture(scope="session")
def three_label_model_dir(tmp_path_factory):
    """The tiny model with a third output, "neutral" in the middle, as the coming 3-label model has."""
    directory = tmp_path_factory.mktemp("tiny-3-label")
    graph = build_graph(with_token_type_ids=False)
    weights = np.array([[-1, 0, 1], [1, 0, -1], [-0.5, 0.9, 0.5], [0, 0, 0]], dtype=np.float32)
    graph.graph.initializer.remove(next(i for i in graph.graph.initializer if i.name == "classifier"))
    graph.graph.initializer.append(numpy_helper.from_array(weights, "classifier"))
    graph.graph.output[0].type.tensor_type.shape.dim[1].dim_value = 3
    onnx.checker.check_model(graph)
    onnx.save(graph, directory / "model.onnx")
    build_tokenizer(16).save(str(directory / "tokenizer.json"))
    write_manifest(directory, {"name": "tiny-3-label", "version": "0.0.1", "labels": ["negative", "neutral", "positive"],
                               "max_length": 16}, "model.onnx", "tokenizer.json")
    return directory

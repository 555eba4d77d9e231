"""Scoring Spark DataFrames in local mode (local[2]): the same columns and probabilities as the service's predictor.

Spark needs a Java 17+ runtime: .ci/run installs Debian's openjdk-17-jre-headless where `java` is missing, and these
tests skip only where no Java can be had. One SparkSession is shared by the module (starting one takes seconds).
"""

import json
import os
import shutil
import sys
import time

import pyarrow as pa
import pytest

from sentiment_service.bulk import spark as bulk_spark
from sentiment_service.bulk.scoring import ResultColumns
from sentiment_service.bulk.writers import result_schema
from tests.bulk.conftest import SHIPPED_MODEL, SST2_DEV, service_predictions

pytestmark = pytest.mark.skipif(shutil.which("java") is None,
                                reason="Spark needs a Java 17+ runtime and `java` is not on PATH (apt-get install openjdk-17-jre-headless)")

FALLBACK_TEXTS = ["a charming and often affecting journey", "the plot is thin and the jokes fall flat", "i loved every minute",
                  "unflinchingly bleak and desperate", "a sometimes tedious film"]


def sst2_texts(count: int) -> list[str]:
    """SST-2 dev sentences (repeated up to count), or a few built-in ones where the shared data is missing."""
    texts = [json.loads(line)["text"] for line in SST2_DEV.read_text().splitlines()] if SST2_DEV.is_file() else FALLBACK_TEXTS
    return (texts * (count // len(texts) + 1))[:count]


@pytest.fixture(scope="module")
def spark():
    from pyspark.sql import SparkSession

    # Workers must run this interpreter (the venv's), or they lack the package and fail on a Python version mismatch.
    saved = {name: os.environ.get(name) for name in ("PYSPARK_PYTHON", "PYSPARK_DRIVER_PYTHON")}
    os.environ["PYSPARK_PYTHON"] = os.environ["PYSPARK_DRIVER_PYTHON"] = sys.executable
    session = (SparkSession.builder.master("local[2]").appName("bulk-scoring-tests")
               .config("spark.ui.enabled", "false").config("spark.driver.bindAddress", "127.0.0.1")
               .config("spark.driver.host", "127.0.0.1").config("spark.sql.shuffle.partitions", "2").getOrCreate())
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()
    for name, value in saved.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value


def test_scores_equal_the_service_predictor_and_bad_rows_get_errors(spark, tiny_model_dir, tiny_predictor):
    texts = [f"{'good ' * (i % 4)}{'awful ' * (i % 3)}movie {i}" for i in range(60)]
    rows = [(i, t) for i, t in enumerate(texts)] + [(60, None), (61, ""), (62, "   ")]
    df = spark.createDataFrame(rows, "id int, text string").repartition(2)
    scored = {r["id"]: r for r in bulk_spark.score_dataframe(df, model_dir=tiny_model_dir).collect()}
    for i, prediction in enumerate(tiny_predictor.predict(texts)):
        assert scored[i]["label"] == prediction.label and scored[i]["error"] is None
        assert abs(scored[i]["p_positive"] - prediction.scores["positive"]) < 1e-6
        assert abs(scored[i]["p_negative"] - prediction.scores["negative"]) < 1e-6
        assert scored[i]["truncated"] is False
    assert [scored[i]["error"] for i in (60, 61, 62)] == ["missing_text", "empty_text", "empty_text"]
    assert all(scored[i][c] is None for i in (60, 61, 62) for c in ("label", "score", "p_negative", "truncated"))


def test_shipped_model_within_1e6_of_the_service_predictor(spark):
    """One partition and one Arrow batch, so the service's batching forms the same inference calls as the direct
    call below (the shipped model is batch-invariant, tests/model; this keeps the comparison exact anyway)."""
    texts = sst2_texts(200)
    df = spark.createDataFrame(list(enumerate(texts)), "id int, text string").coalesce(1)
    scored = sorted(bulk_spark.score_dataframe(df, model_dir=SHIPPED_MODEL).collect(), key=lambda r: r["id"])
    expected = service_predictions(texts)
    assert max(abs(r["p_positive"] - p.scores["positive"]) for r, p in zip(scored, expected)) < 1e-6
    assert [r["label"] for r in scored] == [p.label for p in expected]


def test_output_schema_is_the_score_commands(spark, three_label_model_dir):
    df = spark.createDataFrame([(1, "good", 4.5)], "id long, text string, stars double")
    out = bulk_spark.score_dataframe(df, model_dir=three_label_model_dir)
    arrow_input = pa.schema([("id", pa.int64()), ("text", pa.string()), ("stars", pa.float64())])
    cli = result_schema(arrow_input, ResultColumns(("negative", "neutral", "positive")))
    spark_types = {"bigint": pa.int64(), "string": pa.string(), "double": pa.float64(), "boolean": pa.bool_()}
    assert [(f.name, spark_types[f.dataType.simpleString()]) for f in out.schema.fields] == [(f.name, f.type) for f in cli]
    (row,) = out.collect()
    assert row["label"] == "positive" and abs(row["p_negative"] + row["p_neutral"] + row["p_positive"] - 1) < 1e-9


def test_one_predictor_per_worker_process_reused_across_batches(spark, tiny_model_dir):
    spark.conf.set("spark.sql.execution.arrow.maxRecordsPerBatch", "50")
    try:
        df = spark.createDataFrame([(i, "good") for i in range(1000)], "id int, text string").repartition(4)
        location = str(tiny_model_dir.resolve())

        def probe(batches):
            import os

            import pandas as pd

            from sentiment_service.bulk.spark import cached_core

            for batch in batches:
                yield pd.DataFrame({"pid": [os.getpid()], "predictor": [id(cached_core(location))], "rows": [len(batch)]})

        seen = df.mapInPandas(probe, "pid long, predictor long, rows long").collect()
    finally:
        spark.conf.unset("spark.sql.execution.arrow.maxRecordsPerBatch")
    assert sum(r["rows"] for r in seen) == 1000 and len(seen) >= 20  # many batches ...
    per_process = {}
    for r in seen:
        per_process.setdefault(r["pid"], set()).add(r["predictor"])
    assert all(len(ids) == 1 for ids in per_process.values())  # ... and one predictor in each worker process


def test_model_shipped_with_sparkfiles(spark, tiny_model_dir):
    df = spark.createDataFrame([(1, "good"), (2, "awful")], "id int, text string")
    shipped = bulk_spark.score_dataframe(df, model_dir=tiny_model_dir, ship=True).orderBy("id").collect()
    assert [r["label"] for r in shipped] == ["positive", "negative"]
    assert bulk_spark.resolve_model_dir("/models/x") == bulk_spark.Path("/models/x")


def test_missing_column_and_name_clash_are_refused_on_the_driver(spark, tiny_model_dir):
    df = spark.createDataFrame([(1, "good", "positive")], "id int, review string, label string")
    with pytest.raises(ValueError, match="no column 'text'"):
        bulk_spark.score_dataframe(df, model_dir=tiny_model_dir)
    with pytest.raises(ValueError, match="already has a column named 'label'"):
        bulk_spark.score_dataframe(df, text_col="review", model_dir=tiny_model_dir)
    out = bulk_spark.score_dataframe(df, text_col="review", model_dir=tiny_model_dir, prefix="pred_")
    assert out.collect()[0]["pred_label"] == "positive"


def test_throughput_on_20k_rows_is_printed(spark, capsys):
    texts = sst2_texts(20_000)
    df = spark.createDataFrame(list(enumerate(texts)), "id int, text string").repartition(2).cache()
    df.count()
    started = time.perf_counter()
    bulk_spark.score_dataframe(df, model_dir=SHIPPED_MODEL).write.format("noop").mode("overwrite").save()
    elapsed = time.perf_counter() - started
    df.unpersist()
    with capsys.disabled():
        print(f"\n[spark local[2]] 20,000 SST-2 texts in {elapsed:.1f} s: {20_000 / elapsed:,.0f} texts/s "
              f"(load average {os.getloadavg()[0]:.2f}; not asserted)")


def test_long_texts_and_sentences_equal_the_services_answers(spark):
    """Long reviews read whole, and read on their first window, with sentences: Spark's columns are /predict's body."""
    from sentiment_service.http.factory import create_app
    from sentiment_service.predictor.serving_predictor import ServingPredictor
    from sentiment_service.settings import Settings
    from tests.long_texts import TEXTS

    client = create_app(Settings(model_dir=SHIPPED_MODEL), ServingPredictor(SHIPPED_MODEL)).test_client()
    df = spark.createDataFrame(list(enumerate(TEXTS)), "id int, text string").repartition(2)
    for long_text in ("document", "truncate"):
        scored = bulk_spark.score_dataframe(df, model_dir=SHIPPED_MODEL, long_text=long_text, sentences=True).collect()
        for row in scored:
            answer = client.post("/predict", json={"text": row["text"], "long_text": long_text, "sentences": True}).get_json()
            assert (row["label"], row["score"], row["truncated"]) == (answer["label"], answer["score"], answer["truncated"])
            assert {label: row[f"p_{label}"] for label in answer["scores"]} == answer["scores"]
            assert json.loads(row["sentences"]) == answer["sentences"] and row["mixed"] == answer["mixed"]
    with pytest.raises(ValueError, match="long_text"):
        bulk_spark.score_dataframe(df, model_dir=SHIPPED_MODEL, long_text="summary")

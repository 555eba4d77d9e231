"""Writing tables a chunk at a time: one schema for CSV and Parquet, rows as they come for JSONL."""

import json

import pyarrow as pa
import pytest

from sentiment_service.bulk.tables import BadInput
from sentiment_service.bulk.writers import open_writer
from tests.bulk.conftest import read_rows


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_fixed_schema_writers_fill_missing_columns_and_refuse_new_ones(tmp_path, fmt):
    target = tmp_path / f"out.{fmt}"
    writer = open_writer(target, fmt)
    writer.write(pa.table({"id": [1], "note": pa.nulls(1)}))
    writer.write(pa.table({"id": [2]}))
    writer.write(pa.table({"id": [3], "note": ["later"]}))  # a column null at first takes text later
    with pytest.raises(BadInput, match="column 'extra' first appears after row 3"):
        writer.write(pa.table({"id": [4], "extra": [1]}))
    writer.close()
    assert [r["note"] for r in read_rows(target)] in ([None, None, "later"], ["", "", "later"])


def test_jsonl_writer_writes_what_it_gets(tmp_path):
    writer = open_writer(tmp_path / "out.jsonl", "jsonl")
    writer.write(pa.table({"id": [1], "when": pa.array([0], pa.date32())}))
    writer.write(pa.table({"other": ["x"]}))
    writer.close()
    assert [json.loads(line) for line in (tmp_path / "out.jsonl").read_text().splitlines()] == [
        {"id": 1, "when": "1970-01-01"}, {"other": "x"}]

"""Reading tables a chunk at a time: every column kept as it was, bad files refused in one line."""

import re

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from sentiment_service.bulk import tables
from sentiment_service.bulk.tables import BadInput, open_reader
from tests.bulk.conftest import write_rows

ROWS = [{"id": i, "text": f"text {i}", "stars": i % 5} for i in range(10)]


@pytest.mark.parametrize("suffix", [".csv", ".jsonl", ".parquet"])
def test_chunks_cover_every_row_once_in_order(tmp_path, suffix):
    source = write_rows(tmp_path / f"in{suffix}", ROWS)
    reader = open_reader(source, tables.detect_format(source, None), "text", chunk_rows=3)
    chunks = list(reader.chunks())
    assert [c.table.num_rows for c in chunks] == [3, 3, 3, 1]
    assert [t for c in chunks for t in c.texts] == [r["text"] for r in ROWS]
    assert 0.6 <= reader.fraction_read() <= 1.0  # CSV: estimated from the rows, quotes not counted


def test_csv_values_are_carried_as_written(tmp_path):
    source = tmp_path / "in.csv"
    source.write_text('id,text,price\n007,"line one\nline two",1.50\n008,,NA\n009,"",\n', encoding="utf-8")
    (chunk,) = open_reader(source, "csv", "text", 100).chunks()
    assert chunk.table.to_pylist() == [{"id": "007", "text": "line one\nline two", "price": "1.50"},
                                       {"id": "008", "text": None, "price": "NA"}, {"id": "009", "text": "", "price": None}]


def test_malformed_csv_rows_are_skipped_and_counted(tmp_path):
    source = tmp_path / "in.csv"
    source.write_text("id,text\n1,good\n2,bad,extra\n3,fine\n", encoding="utf-8")
    reader = open_reader(source, "csv", "text", 100)
    assert [t for c in reader.chunks() for t in c.texts] == ["good", "fine"]
    assert reader.malformed_rows == 1 and "3 fields" in reader.first_malformed


def test_jsonl_keeps_types_and_takes_rows_with_missing_keys_or_mixed_types(tmp_path):
    source = tmp_path / "in.jsonl"
    source.write_text('{"id": 1, "text": "a", "meta": {"k": 1}}\n\n{"id": 2, "text": 5}\n{"id": 3}\n', encoding="utf-8")
    (chunk,) = open_reader(source, "jsonl", "text", 100).chunks()
    assert chunk.texts == ["a", 5, None]  # raw values: the scorer decides what is bad
    assert chunk.table.column("id").to_pylist() == [1, 2, 3]
    assert chunk.table.column("text").to_pylist() == ["a", "5", None]  # a mixed column keeps its values as text


@pytest.mark.parametrize(("name", "content", "message"), [
    ("bad.jsonl", '{"text": "ok"}\n{"text": \n', "line 2 is not valid JSON"),
    ("list.jsonl", '["text"]\n', "not an object"),
    ("empty.jsonl", "", "has no rows"),
    ("empty.csv", "", "not a readable CSV"),
    ("fake.parquet", "id,text\n1,a\n", "not a readable Parquet file"),
    ("nocol.csv", "id,review\n1,a\n", "has no column 'text' (columns: id, review)"),
    ("nocol.jsonl", '{"review": "a"}\n', "has no column 'text'"),
])
def test_a_bad_file_is_refused_with_one_line(tmp_path, name, content, message):
    source = tmp_path / name
    source.write_text(content, encoding="utf-8")
    with pytest.raises(BadInput, match=re.escape(message)) as raised:
        list(open_reader(source, tables.detect_format(source, None), "text", 100).chunks())
    assert "\n" not in str(raised.value)


def test_a_parquet_file_named_csv_is_refused(tmp_path):
    pq.write_table(pa.table({"text": ["a"] * 100}), tmp_path / "data.csv")
    with pytest.raises(BadInput, match="data.csv"):
        list(open_reader(tmp_path / "data.csv", "csv", "text", 100).chunks())


def test_missing_and_unknown_files(tmp_path):
    with pytest.raises(BadInput, match="No such file"):
        open_reader(tmp_path / "absent.csv", "csv", "text", 100)
    with pytest.raises(BadInput, match="is a directory"):
        open_reader(tmp_path, "csv", "text", 100)
    with pytest.raises(BadInput, match="pass --format"):
        tables.detect_format(tmp_path / "data.txt", None)
    assert tables.detect_format(tmp_path / "data.txt", "jsonl") == "jsonl"

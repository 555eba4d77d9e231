"""Labelled rows for the fine-tune command: CSV, JSONL and Parquet read alike, bad rows and labels refused, splits.

These run where the service's tests run (no torch): reading and splitting import neither torch nor transformers.
"""

import json

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from sentiment_service.tune.labelled import DataRefused, check_labels, left_out_labels, read_labelled, split_off

ROWS = [{"review": "Loved it, would buy again", "stars": "positive"}, {"review": "Broke after a day", "stars": "negative"},
        {"review": 'It is a "kettle", it boils water', "stars": "neutral"}, {"review": "Line one\nline two", "stars": "positive"}]
MODEL_LABELS = ["negative", "neutral", "positive"]


def write(path, rows):
    if path.suffix == ".jsonl":
        path.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    elif path.suffix == ".csv":
        import csv

        with path.open("w", newline="", encoding="utf-8") as file:
            writer = csv.DictWriter(file, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows(rows)
    else:
        pq.write_table(pa.Table.from_pylist(rows), path)
    return path


@pytest.mark.parametrize("suffix", [".csv", ".jsonl", ".parquet"])
def test_each_format_gives_the_same_rows_from_the_named_columns(tmp_path, suffix):
    labelled = read_labelled(write(tmp_path / f"reviews{suffix}", ROWS), "review", "stars")
    assert [(r.text, r.label) for r in labelled.rows] == [(row["review"], row["stars"]) for row in ROWS]
    assert labelled.describe()["by_label"] == {"negative": 1, "neutral": 1, "positive": 2}
    assert len(labelled.describe()["sha256"]) == 64


def test_number_labels_are_their_decimal_text(tmp_path):
    labelled = read_labelled(write(tmp_path / "n.jsonl", [{"text": "up", "label": 2}, {"text": "down", "label": 0}]),
                             "text", "label")
    assert [r.label for r in labelled.rows] == ["2", "0"]


def test_a_missing_label_column_names_the_columns_there_are(tmp_path):
    with pytest.raises(DataRefused, match="no column 'label'.*review, stars.*--label-column"):
        read_labelled(write(tmp_path / "r.csv", ROWS), "review", "label")


def test_a_missing_text_column_is_refused_by_the_bulk_readers_rule(tmp_path):
    with pytest.raises(DataRefused, match="no column 'text'.*--text-column"):
        read_labelled(write(tmp_path / "r.parquet", ROWS), "text", "stars")


@pytest.mark.parametrize(("row", "message"), [({"review": "fine", "stars": None}, "data row 2 has no label"),
                                              ({"review": "fine", "stars": "  "}, "data row 2 has no label"),
                                              ({"review": "", "stars": "neutral"}, "data row 2 has no text")])
def test_a_row_without_text_or_label_is_refused_with_its_number(tmp_path, row, message):
    with pytest.raises(DataRefused, match=message):
        read_labelled(write(tmp_path / "r.jsonl", [ROWS[0], row]), "review", "stars")


def test_a_file_that_is_not_its_format_is_refused_in_one_line(tmp_path):
    path = tmp_path / "r.csv"
    pq.write_table(pa.Table.from_pylist(ROWS), path)
    with pytest.raises(DataRefused, match="is not a CSV file"):
        read_labelled(path, "review", "stars")


def test_labels_the_model_lacks_are_refused_naming_file_and_labels_unless_added(tmp_path):
    good = read_labelled(write(tmp_path / "good.jsonl", ROWS), "review", "stars")
    odd = read_labelled(write(tmp_path / "odd.jsonl", [{"review": "meh", "stars": "Mixed"}, {"review": "ok", "stars": "1"}]),
                        "review", "stars")
    with pytest.raises(DataRefused) as refused:
        check_labels([good, odd], MODEL_LABELS, add_labels=False)
    assert "odd.jsonl: 1, Mixed" in str(refused.value) and "negative, neutral, positive" in str(refused.value)
    assert "--add-labels" in str(refused.value) and "good.jsonl" not in str(refused.value)
    assert check_labels([good, odd], MODEL_LABELS, add_labels=True) == [*MODEL_LABELS, "1", "Mixed"]
    assert check_labels([good], MODEL_LABELS, add_labels=False) == MODEL_LABELS


def test_a_split_holds_out_each_labels_share_the_same_way_every_time(tmp_path):
    rows = read_labelled(write(tmp_path / "r.jsonl", [{"review": f"text {i}", "stars": MODEL_LABELS[i % 3]}
                                                       for i in range(300)] + [{"review": "alone", "stars": "rare"}]),
                         "review", "stars").rows
    kept, held = split_off(rows, 0.1, 13, "evaluation")
    assert sorted(r.label for r in held) == ["negative"] * 10 + ["neutral"] * 10 + ["positive"] * 10
    assert not {r.text for r in kept} & {r.text for r in held} and len(kept) + len(held) == len(rows)
    assert "alone" in {r.text for r in kept}, "a label with one row keeps it for training"
    assert split_off(rows, 0.1, 13, "evaluation") == (kept, held)
    assert split_off(rows, 0.1, 13, "validation")[1] != held, "each split draws on its own"
    assert split_off(rows, 0.1, 14, "evaluation")[1] != held


def test_only_a_partial_files_rows_leave_out_the_labels_that_file_lacks(tmp_path):
    binary = read_labelled(write(tmp_path / "binary.jsonl", [{"text": "good", "label": "positive"},
                                                            {"text": "bad", "label": "negative"}]), "text", "label")
    single = read_labelled(write(tmp_path / "single.jsonl", [{"text": "so-so", "label": "neutral"}]), "text", "label")
    rows = binary.rows + single.rows
    assert left_out_labels(rows, MODEL_LABELS, [binary]) == [(1,), (1,), ()]
    assert left_out_labels(rows, MODEL_LABELS, []) == [(), (), ()], "a file of one label is trained as any other"

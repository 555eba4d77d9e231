"""Tables out: the input rows with the result columns appended, written as CSV, JSONL or Parquet a chunk at a time.

CSV and Parquet files have one schema, fixed by the first chunk; JSONL rows are written as they come.
"""

import contextlib
import json
import os
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv

from sentiment_service.bulk.columns import bool_array, float_array, string_array
from sentiment_service.bulk.scoring import ResultColumns, ScoredTexts
from sentiment_service.bulk.tables import ARROW_ERRORS, BadInput, first_line

# Parquet output is written in row groups of about this many rows: fewer, bigger groups read faster later.
PARQUET_ROW_GROUP_ROWS = 65_536
PARQUET_ROW_GROUP_BYTES = 64 << 20


def with_results(table: pa.Table, scored: ScoredTexts, columns: ResultColumns) -> pa.Table:
    """The input rows with the result columns appended (nulls in every result column of an error row)."""
    scored_rows = ~scored.failed
    table = table.append_column(columns.label, string_array(scored.labels))
    table = table.append_column(columns.score, float_array(scored.scores, scored_rows))
    for j, name in enumerate(columns.probabilities):
        table = table.append_column(name, float_array(scored.probabilities[:, j], scored_rows))
    table = table.append_column(columns.truncated, bool_array(scored.truncated))
    table = table.append_column(columns.error, string_array(scored.errors))
    if columns.with_sentences:
        table = table.append_column(columns.sentences, string_array(scored.sentences))
        table = table.append_column(columns.mixed, bool_array(scored.mixed))
    return table


def result_schema(input_schema: pa.Schema, columns: ResultColumns) -> pa.Schema:
    arrow = {"string": pa.string(), "double": pa.float64(), "boolean": pa.bool_()}
    return pa.schema(list(input_schema) + [pa.field(name, arrow[kind]) for name, kind in columns.typed()])


class TableWriter:
    """Writes tables of one schema (fixed by the first) to `path`; later tables are made to fit it or raise BadInput."""

    format = ""

    def __init__(self, path: Path):
        self.path = path
        self.schema: pa.Schema | None = None
        self.rows = 0

    def write(self, table: pa.Table) -> None:
        if self.schema is None:
            # A column that is null throughout the first chunk gets a type that later values can take.
            self.schema = pa.schema([f.with_type(pa.string()) if pa.types.is_null(f.type) else f for f in table.schema])
            self._open(self.schema)
        try:
            self._write(_conform(table, self.schema, self.rows))
        except ARROW_ERRORS as exc:
            raise BadInput(f"cannot write the rows after row {self.rows} as {self.format}: {first_line(exc)}") from None
        self.rows += table.num_rows

    def _open(self, schema: pa.Schema) -> None:
        raise NotImplementedError

    def _write(self, table: pa.Table) -> None:
        raise NotImplementedError

    def close(self) -> None:
        raise NotImplementedError

    def discard(self) -> None:
        """Close after a failure, ignoring errors: the file is about to be deleted."""
        with contextlib.suppress(Exception):  # whatever went wrong first is what the user is told
            self.close()


class CsvWriter(TableWriter):
    format = "csv"

    def _open(self, schema: pa.Schema) -> None:
        self._writer = pacsv.CSVWriter(str(self.path), schema)

    def _write(self, table: pa.Table) -> None:
        self._writer.write_table(table)

    def close(self) -> None:
        if self.schema is not None:
            self._writer.close()


class ParquetWriter(TableWriter):
    format = "parquet"

    def _open(self, schema: pa.Schema) -> None:
        import pyarrow.parquet as pq  # here, not at the top: see tables.ParquetReader

        self._writer = pq.ParquetWriter(str(self.path), schema)
        self._pending: list[pa.Table] = []

    def _write(self, table: pa.Table) -> None:
        self._pending.append(table)
        rows, size = sum(t.num_rows for t in self._pending), sum(t.nbytes for t in self._pending)
        if rows >= PARQUET_ROW_GROUP_ROWS or size >= PARQUET_ROW_GROUP_BYTES:
            self._flush()

    def _flush(self) -> None:
        if self._pending:
            self._writer.write_table(pa.concat_tables(self._pending), row_group_size=PARQUET_ROW_GROUP_ROWS)
            self._pending = []

    def close(self) -> None:
        if self.schema is not None:
            self._flush()
            self._writer.close()


class JsonlWriter(TableWriter):
    """One JSON object per row. Rows keep whatever columns they have: no schema is imposed across chunks."""

    format = "jsonl"

    def __init__(self, path: Path):
        super().__init__(path)
        self._file = path.open("w", encoding="utf-8")

    def write(self, table: pa.Table) -> None:
        # Dates, decimals and the like from a Parquet input are written as their text.
        self._file.writelines(json.dumps(row, ensure_ascii=False, default=str) + "\n" for row in table.to_pylist())
        self.rows += table.num_rows

    def close(self) -> None:
        self._file.close()


WRITERS = {"csv": CsvWriter, "jsonl": JsonlWriter, "parquet": ParquetWriter}


def open_writer(path: Path, fmt: str) -> TableWriter:
    return WRITERS[fmt](path)


def _conform(table: pa.Table, schema: pa.Schema, rows_before: int) -> pa.Table:
    """`table` with the columns and types of `schema` (missing columns as nulls); raises BadInput if it cannot fit."""
    if table.schema.equals(schema):
        return table
    extra = [name for name in table.column_names if name not in schema.names]
    if extra:
        raise BadInput(f"column {extra[0]!r} first appears after row {rows_before}: CSV and Parquet output need every "
                       "column in the first chunk of rows; write JSONL instead")
    columns = []
    for field in schema:
        if field.name not in table.column_names:
            columns.append(pa.nulls(table.num_rows, field.type))
            continue
        column = table.column(field.name)
        try:
            columns.append(column if column.type == field.type else column.cast(field.type))
        except ARROW_ERRORS:
            raise BadInput(f"column {field.name!r} changes type from {field.type} to {column.type} after row {rows_before}; "
                           "write JSONL instead") from None
    return pa.Table.from_arrays(columns, schema=schema)


def file_mode_for_new_files() -> int:
    """The mode a newly created file would get under this process's umask (temp files are created 0600)."""
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask

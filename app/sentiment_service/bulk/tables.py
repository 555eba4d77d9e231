"""Tables in, a chunk at a time: CSV, JSONL and Parquet through pyarrow, memory bounded by the chunk size.

CSV columns are read as text and written back exactly as they were (no type guessing, which could also fail
half-way through a file when a later block disagrees with the first). JSONL rows keep their JSON types.
A file that cannot be read as its format raises BadInput with a one-line message; a bad row never does.
"""

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv

FORMATS = ("csv", "jsonl", "parquet")
EXTENSIONS = {".csv": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl", ".parquet": "parquet", ".pq": "parquet"}
# Bytes the CSV parser reads per block. The reader reads blocks ahead, so this sets its memory: on a 1 GB CSV of
# reviews the parent peaked at 173 MB RSS with 1 MB blocks and 101 MB with 256 KB, at no measurable cost in speed
# (quoted newlines make parsing single-threaded anyway).
CSV_BLOCK_BYTES = 256 << 10
ARROW_ERRORS = (pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowTypeError)


class BadInput(Exception):
    """The input cannot be read as a table with the text column, or the output cannot be written; one line."""


@dataclass
class Chunk:
    table: pa.Table  # the input rows, every column
    texts: list[object]  # the text column's raw values (str, None, or whatever the file holds)


def detect_format(path: Path, given: str | None, option: str = "--format") -> str:
    """The format given on the command line, or the one the file's extension names; raises BadInput if neither tells."""
    if given:
        return given
    found = EXTENSIONS.get(path.suffix.lower())
    if found is None:
        raise BadInput(f"cannot tell the format of {path} from its extension; pass {option} with one of {', '.join(FORMATS)}")
    return found


def _rows(batches: Iterator[pa.RecordBatch], rows: int) -> Iterator[pa.Table]:
    """Regroup record batches of any size into tables of `rows` rows (the last one shorter)."""
    pending: list[pa.RecordBatch] = []
    count = 0
    for batch in batches:
        while batch.num_rows:
            take = batch.slice(0, rows - count)
            pending.append(take)
            count += take.num_rows
            batch = batch.slice(take.num_rows)
            if count == rows:
                yield pa.Table.from_batches(pending)
                pending, count = [], 0
    if count:
        yield pa.Table.from_batches(pending)


class TableReader:
    """Base of the three readers: the input columns, progress through the file, and its chunks."""

    schema: pa.Schema | None
    total_rows: int | None = None
    malformed_rows = 0  # rows of a CSV with the wrong number of fields: skipped and counted
    first_malformed = ""
    _bytes_read = 0

    def __init__(self, path: Path, text_column: str, chunk_rows: int):
        self.path, self.text_column, self.chunk_rows = path, text_column, chunk_rows
        try:
            self.size = path.stat().st_size
            path.open("rb").close()  # unreadable (permissions) is said now, not after the workers have started
        except OSError as exc:
            raise BadInput(f"cannot read {path}: {exc.strerror}") from None

    def fraction_read(self) -> float | None:
        """How far through the input the reader is, 0..1, or None when unknown."""
        return min(1.0, self._bytes_read / self.size) if self.size else None

    def chunks(self) -> Iterator[Chunk]:
        raise NotImplementedError

    def _require_text_column(self, names: list[str]) -> None:
        if self.text_column not in names:
            shown = ", ".join(names[:20]) + (", ..." if len(names) > 20 else "")
            raise BadInput(f"{self.path} has no column {self.text_column!r} (columns: {shown}); pass --text-column")


class CsvReader(TableReader):
    def __init__(self, path: Path, text_column: str, chunk_rows: int):
        super().__init__(path, text_column, chunk_rows)
        self._check_text(path)
        try:
            # Only the header is needed here; every column is then read as text.
            with pacsv.open_csv(path, read_options=pacsv.ReadOptions(use_threads=False, block_size=1 << 16),
                                parse_options=self._parse_options()) as header:
                names = header.schema.names
        except OSError as exc:
            raise BadInput(f"cannot read {path}: {exc.strerror or exc}") from None
        except ARROW_ERRORS as exc:
            raise BadInput(f"{path} is not a readable CSV file: {first_line(exc)}") from None
        self._require_text_column(names)
        self.schema = pa.schema([(name, pa.string()) for name in names])

    @staticmethod
    def _check_text(path: Path) -> None:
        """Refuse a binary file (Parquet, a zip, ...) by its first bytes, before the CSV parser makes rows of it."""
        with path.open("rb") as file:
            head = file.read(1 << 16)
        try:
            head.decode("utf-8")
        except UnicodeDecodeError as exc:
            if exc.start < len(head) - 3:  # not just a character cut in two by the end of the sample
                raise BadInput(f"{path} is not a CSV file: byte {exc.start} is not UTF-8 text") from None
        if b"\0" in head:
            raise BadInput(f"{path} is not a CSV file: it holds NUL bytes")

    def _parse_options(self) -> pacsv.ParseOptions:
        # Reviews hold line breaks inside quoted fields; a row with the wrong number of fields is skipped, not fatal.
        return pacsv.ParseOptions(newlines_in_values=True, invalid_row_handler=self._skip_malformed)

    def _skip_malformed(self, row) -> str:
        self.malformed_rows += 1
        if self.malformed_rows == 1:
            where = f"line {row.number}" if row.number is not None else "a line"
            self.first_malformed = f"{where} has {row.actual_columns} fields, the header {row.expected_columns}"
        return "skip"

    def chunks(self) -> Iterator[Chunk]:
        # An empty field is null, a quoted "" an empty string, and "NA" stays "NA": written back, each is what it was.
        convert = pacsv.ConvertOptions(column_types=self.schema, null_values=[""], strings_can_be_null=True,
                                       quoted_strings_can_be_null=False)
        options = pacsv.ReadOptions(use_threads=False, block_size=CSV_BLOCK_BYTES)
        first_row, self.malformed_rows = 1, 0  # the header check above may have seen some of them already
        try:
            with self.path.open("rb") as file, pacsv.open_csv(file, read_options=options, parse_options=self._parse_options(),
                                            convert_options=convert) as reader:
                for table in _rows(reader, self.chunk_rows):
                    # The parser reads ahead of the rows it has handed out, so the file position overstates
                    # progress; the rows' own text (without quotes) is a close estimate of the bytes they took.
                    self._bytes_read += _text_bytes(table)
                    yield Chunk(table, table.column(self.text_column).to_pylist())
                    first_row += table.num_rows
        except ARROW_ERRORS as exc:
            raise BadInput(f"{self.path}: cannot read past data row {first_row}: {first_line(exc)}") from None


class JsonlReader(TableReader):
    def __init__(self, path: Path, text_column: str, chunk_rows: int):
        super().__init__(path, text_column, chunk_rows)
        self.schema = None  # known from the first chunk

    def chunks(self) -> Iterator[Chunk]:
        rows: list[dict] = []
        line_number, first_row = 0, 1
        with self.path.open("rb") as file:
            while line := file.readline():
                line_number += 1
                if not line.strip():
                    continue
                rows.append(self._parse(line, line_number))
                if len(rows) == self.chunk_rows:
                    self._bytes_read = file.tell()
                    yield self._chunk(rows, first_row)
                    first_row, rows = first_row + len(rows), []
        self._bytes_read = self.size
        if rows or first_row == 1:
            yield self._chunk(rows, first_row)

    def _parse(self, line: bytes, number: int) -> dict:
        try:
            row = json.loads(line)
        except ValueError as exc:  # also UnicodeDecodeError
            raise BadInput(f"{self.path} line {number} is not valid JSON: {exc}") from None
        if not isinstance(row, dict):
            raise BadInput(f"{self.path} line {number} is a JSON {type(row).__name__}, not an object: not JSONL rows")
        return row

    def _chunk(self, rows: list[dict], first_row: int) -> Chunk:
        names = list(dict.fromkeys(name for row in rows for name in row))
        if first_row == 1:
            if not rows:
                raise BadInput(f"{self.path} has no rows")
            self._require_text_column(names)
        texts = [row.get(self.text_column) for row in rows]
        table = pa.table({name: _json_column([row.get(name) for row in rows]) for name in names})
        if self.schema is None:
            self.schema = table.schema
        return Chunk(table, texts)


def _text_bytes(table: pa.Table) -> int:
    """Bytes of a text-only table's values plus one separator per field: about what its rows took in the CSV."""
    # From the offsets, not with pyarrow.compute: importing it costs the parent about 10 MB of RSS.
    values = sum(_value_bytes(array) for column in table.columns for array in column.chunks)
    return values + table.num_rows * max(1, table.num_columns)


def _value_bytes(array: pa.StringArray) -> int:
    """Bytes of a string array's values (a slice's own; a null has none), read from its int32 offsets buffer."""
    if not len(array):
        return 0
    offsets = np.frombuffer(array.buffers()[1], dtype=np.int32)
    return int(offsets[array.offset + len(array)] - offsets[array.offset])


def _json_column(values: list[object]) -> pa.Array:
    """An Arrow array of JSON values; a column mixing types keeps its strings and writes the rest as JSON text."""
    try:
        return pa.array(values)
    except (*ARROW_ERRORS, UnicodeEncodeError):
        return pa.array([v if v is None else _valid_text(v) if isinstance(v, str) else json.dumps(v) for v in values],
                        pa.string())


def _valid_text(text: str) -> str:
    """The text with any lone surrogate (from a JSON escape such as \\ud800) replaced by U+FFFD, which Arrow can hold."""
    return text.encode("utf-8", "surrogatepass").decode("utf-8", "replace")


class ParquetReader(TableReader):
    def __init__(self, path: Path, text_column: str, chunk_rows: int):
        super().__init__(path, text_column, chunk_rows)
        import pyarrow.parquet as pq  # here, not at the top: about 9 MB of RSS that CSV and JSONL runs do without

        try:
            self._file = pq.ParquetFile(path)
        except OSError as exc:
            raise BadInput(f"cannot read {path}: {exc.strerror or first_line(exc)}") from None
        except ARROW_ERRORS as exc:
            raise BadInput(f"{path} is not a readable Parquet file: {first_line(exc)}") from None
        self.schema = self._file.schema_arrow
        self._require_text_column(self.schema.names)
        self.total_rows = self._file.metadata.num_rows
        self._rows_read = 0

    def fraction_read(self) -> float | None:
        return self._rows_read / self.total_rows if self.total_rows else None

    def chunks(self) -> Iterator[Chunk]:
        try:
            for batch in self._file.iter_batches(batch_size=self.chunk_rows):
                table = pa.Table.from_batches([batch])
                yield Chunk(table, table.column(self.text_column).to_pylist())
                self._rows_read += batch.num_rows
        except (OSError, *ARROW_ERRORS) as exc:
            raise BadInput(f"{self.path}: cannot read past row {self._rows_read}: {first_line(exc)}") from None


READERS = {"csv": CsvReader, "jsonl": JsonlReader, "parquet": ParquetReader}


def open_reader(path: Path, fmt: str, text_column: str, chunk_rows: int) -> TableReader:
    """A reader that has checked the file opens as `fmt` and has the text column; raises BadInput."""
    if path.is_dir():
        raise BadInput(f"{path} is a directory, not a file")
    return READERS[fmt](path, text_column, chunk_rows)


def first_line(exc: BaseException) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__

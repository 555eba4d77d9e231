"""Arrow arrays of the result columns, built from their buffers rather than with pa.array.

pa.array imports pandas, when it is installed, to ask whether its input is a pandas object: about 55 MB of
RSS in the process that reads and writes the tables, for columns that are a few kilobytes per chunk.
"""

import numpy as np
import pyarrow as pa


def float_array(values: np.ndarray, valid: np.ndarray) -> pa.Array:
    """float64 values, null where `valid` is false."""
    data = np.ascontiguousarray(values, dtype=np.float64)
    return pa.Array.from_buffers(pa.float64(), len(data), [_bitmap(valid), pa.py_buffer(data)])


def bool_array(values: list[bool | None]) -> pa.Array:
    """Booleans, null where the value is None."""
    valid = np.array([v is not None for v in values], dtype=bool)
    data = np.array([bool(v) for v in values], dtype=bool)
    return pa.Array.from_buffers(pa.bool_(), len(values), [_bitmap(valid), _bitmap(data)])


def string_array(values: list[str | None]) -> pa.Array:
    """UTF-8 strings, null where the value is None."""
    encoded = [b"" if v is None else v.encode("utf-8") for v in values]
    offsets = np.zeros(len(values) + 1, dtype=np.int32)
    np.cumsum([len(e) for e in encoded], out=offsets[1:])
    valid = np.array([v is not None for v in values], dtype=bool)
    return pa.Array.from_buffers(pa.string(), len(values), [_bitmap(valid), pa.py_buffer(offsets), pa.py_buffer(b"".join(encoded))])


def _bitmap(flags: np.ndarray) -> pa.Buffer:
    """Arrow's bit-packed layout: one bit per value, least significant bit first."""
    return pa.py_buffer(np.packbits(np.asarray(flags, dtype=bool), bitorder="little"))

"""Progress of a long scoring run: a tqdm bar on a terminal, plain periodic lines when stderr is a log file."""

import sys
import time
from typing import TextIO

from tqdm import tqdm


class Progress:
    """Texts done, texts/s and the time left. The total is the row count when the file says it (Parquet),
    otherwise estimated from how far through the file the reader is."""

    def __init__(self, total_rows: int | None, *, stream: TextIO = sys.stderr, interval_s: float = 10.0,
                 terminal: bool | None = None):
        self.stream, self.interval_s = stream, interval_s
        self.total, self.done = total_rows, 0
        self.started = self._last_line = time.monotonic()
        terminal = stream.isatty() if terminal is None else terminal
        self._bar = tqdm(total=total_rows, unit=" texts", unit_scale=True, dynamic_ncols=True, file=stream,
                         smoothing=0.1) if terminal else None

    def advance(self, rows: int, estimated_total: int | None = None) -> None:
        """Count `rows` more texts done; `estimated_total` updates a total the file did not state."""
        self.done += rows
        if estimated_total is not None:
            self.total = max(estimated_total, self.done)
        if self._bar is not None:
            self._bar.total = self.total
            self._bar.update(rows)
            return
        now = time.monotonic()
        if now - self._last_line >= self.interval_s:
            self._last_line = now
            print(self.line(now), file=self.stream, flush=True)

    def line(self, now: float) -> str:
        elapsed = max(now - self.started, 1e-9)
        rate = self.done / elapsed
        parts = [f"scored {self.done:,} texts", f"{rate:,.0f} texts/s", f"elapsed {tqdm.format_interval(elapsed)}"]
        if self.total:
            left = (self.total - self.done) / rate if rate else 0
            parts += [f"{min(100.0, 100 * self.done / self.total):.0f}% of ~{self.total:,}", f"ETA {tqdm.format_interval(left)}"]
        return "progress: " + ", ".join(parts)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.total = self.done
            self._bar.refresh()
            self._bar.close()

"""A progress bar on stderr, drawn only when stderr is a terminal (never in logs or pipes)."""

from __future__ import annotations

import time
from typing import TextIO

WIDTH = 30


class ProgressBar:
    """``bar(rows, fraction)`` redraws ``label [#####.....]  45%  450,000 rows  3.1 s`` in place,
    at most ten times a second; ``close()`` ends the line."""

    def __init__(self, stream: TextIO, label: str) -> None:
        self.stream, self.label = stream, label
        self.start = self.drawn = time.monotonic()
        self.shown = False

    def __call__(self, rows: int, fraction: float | None) -> None:
        now = time.monotonic()
        if self.shown and now - self.drawn < 0.1 and fraction != 1.0:
            return
        self.drawn, self.shown = now, True
        done = 0.0 if fraction is None else min(max(fraction, 0.0), 1.0)
        filled = round(done * WIDTH)
        bar = "#" * filled + "." * (WIDTH - filled)
        self.stream.write(f"\r{self.label} [{bar}] {done:4.0%}  {rows:,} rows  {now - self.start:.1f} s")
        self.stream.flush()

    def close(self) -> None:
        if self.shown:
            self.stream.write("\n")
            self.stream.flush()


def progress_bar(stream: TextIO, label: str) -> ProgressBar | None:
    return ProgressBar(stream, label) if stream.isatty() else None

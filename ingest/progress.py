"""The progress line of a long ingestion: how much is done, at what rate, and how long is left.

On a terminal the line is redrawn in place a few times a second. Otherwise (a log, a pipe) a full line
is printed for each percent of the input done, at most once a second and at least every ten seconds,
so that a log keeps a readable trace of a hundred-odd lines, however long the run.
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass
from typing import TextIO

MB = 1_000_000


@dataclass(slots=True)
class Snapshot:
    items: int                # reports and record files done: written, or unchanged and skipped
    rejects: int
    done_bytes: int
    total_bytes: int | None   # None when reading standard input
    elapsed: float

    def line(self) -> str:
        rate = self.items / self.elapsed if self.elapsed > 0 else 0.0
        mb_rate = self.done_bytes / MB / self.elapsed if self.elapsed > 0 else 0.0
        size = f"{self.done_bytes / MB:.1f} MB"
        eta = ""
        if self.total_bytes:
            share = min(1.0, self.done_bytes / self.total_bytes)
            size += f" of {self.total_bytes / MB:.1f} MB ({share:.0%})"
            if self.done_bytes and mb_rate > 0:
                left = max(0.0, (self.total_bytes - self.done_bytes) / MB / mb_rate)
                eta = f"  ETA {clock(left)}"
        rejects = f"  {self.rejects} rejected" if self.rejects else ""
        return (f"ingest: {self.items} done, {size}  {rate:.1f} items/s  {mb_rate:.2f} MB/s"
                f"  {clock(self.elapsed)}{eta}{rejects}")


def clock(seconds: float) -> str:
    s = int(seconds)
    return f"{s // 3600}:{s // 60 % 60:02d}:{s % 60:02d}"


class ProgressLine:
    """Call with a snapshot as often as you like; it decides when a line is worth printing."""

    TTY_SECONDS = 0.2    # a terminal: redraw this often
    LOG_SECONDS = 1.0    # a log: never more often than this …
    LOG_STEP = 0.01      # … and only once this share of the input is done since the last line …
    HEARTBEAT = 10.0     # … unless this long has passed (or the total is unknown)

    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream or sys.stderr
        self.tty = self.stream.isatty()
        self._last = time.monotonic()  # the first line after a while: short runs print none
        self._last_bytes = 0
        self._printed = False
        self._width = 0

    def _due(self, snapshot: Snapshot, now: float) -> bool:
        waited = now - self._last
        if self.tty:
            return waited >= self.TTY_SECONDS
        if waited < self.LOG_SECONDS:
            return False
        step = (snapshot.total_bytes or 0) * self.LOG_STEP
        return waited >= self.HEARTBEAT or bool(step and snapshot.done_bytes - self._last_bytes >= step)

    def __call__(self, snapshot: Snapshot, *, final: bool = False) -> None:
        """Print the line when it is due; ``final``: the last line, if any was printed before."""
        now = time.monotonic()
        if (final and not self._printed) or (not final and not self._due(snapshot, now)):
            return
        self._last, self._last_bytes = now, snapshot.done_bytes
        self._printed = True
        line = snapshot.line()
        if self.tty:
            self.stream.write("\r" + line.ljust(self._width) + ("\n" if final else ""))
            self._width = 0 if final else len(line)
        else:
            self.stream.write(line + "\n")
        self.stream.flush()

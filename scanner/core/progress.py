"""Collection progress: where a scan stands (CollectionTick) and how it is shown on stderr."""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TextIO

BATCHES = 20
"""A run prints about this many batch lines when not on a terminal."""
MAX_BATCH = 50
"""A batch never holds more accounts than this (a line at least every 50 accounts)."""
MIN_INTERVAL = 0.2
"""A terminal's status line is rewritten at most every this many seconds (5 times a second)."""
CLEAR_TO_EOL = "\x1b[K"
"""ANSI erase-in-line: what is left of an older, longer status line goes."""


@dataclass(frozen=True)
class CollectionTick:
    """Where collection stands, after one more account (or batch of accounts) finished.

    The engine hands ticks to Reporter.tick one at a time and in order (done never goes down
    within a collection): the renderers draw what they are given, the last tick last."""

    done: int
    """Accounts finished in this run (collected, or could not be opened)."""
    total: int
    """Accounts to collect in this run (accounts taken from --resume checkpoints excluded)."""
    resumed: int
    """Accounts taken from checkpoints (0 without --resume)."""
    calls: int
    """API calls made so far in this run."""
    errors: int
    """Failed datasets + accounts that could not be opened, so far."""
    elapsed: float
    """Seconds since collection started."""
    batch_end: bool
    """True when this tick closes a batch of accounts (plain output prints one line per batch)."""

    @property
    def eta(self) -> float | None:
        """Seconds left, at the pace so far; None before the first account finished."""
        if self.done <= 0:
            return None
        return max(0.0, self.elapsed / self.done * max(0, self.total - self.done))

    @property
    def finished(self) -> bool:
        """Every account of this run is done."""
        return self.done >= self.total


Tick = Callable[[CollectionTick], None]
"""What receives the ticks (Reporter.tick)."""


def batch_size(total: int) -> int:
    """Accounts per batch: about BATCHES batches a run, at most MAX_BATCH accounts each."""
    return max(1, min(MAX_BATCH, math.ceil(total / BATCHES)))


def is_batch_end(done: int, total: int) -> bool:
    """Whether the done-th finished account closes a batch (every batch_size, and the last)."""
    return done >= total or done % batch_size(total) == 0


def duration(seconds: float) -> str:
    """41s, 2m05s, 1h02m: short, fixed-width enough to read at a glance."""
    whole = max(0, round(seconds))
    if whole < 60:
        return f"{whole}s"
    if whole < 3600:
        return f"{whole // 60}m{whole % 60:02d}s"
    return f"{whole // 3600}h{whole % 3600 // 60:02d}m"


def describe(tick: CollectionTick) -> str:
    """One line: accounts done/total (+resumed), calls, errors, elapsed and, until done, the ETA."""
    resumed = f" (+{tick.resumed} resumed)" if tick.resumed else ""
    errors = "1 error" if tick.errors == 1 else f"{tick.errors:,} errors"
    parts = [
        f"collected {tick.done}/{tick.total} accounts{resumed}",
        "1 call" if tick.calls == 1 else f"{tick.calls:,} calls",
        errors,
        f"{duration(tick.elapsed)} elapsed",
    ]
    eta = tick.eta
    if eta is not None and not tick.finished:
        parts.append(f"ETA {duration(eta)}")
    return ", ".join(parts)


def no_tick(_tick: CollectionTick) -> None:
    """No progress at all (-q, the Lambda, the tests)."""
    return None


class BatchLines:
    """Not a terminal (CodeBuild logs, a pipe, a file): one line per batch of accounts, plain
    text, through `emit` (the CLI: logging, so the lines carry its prefix)."""

    def __init__(self, emit: Callable[[str], None]) -> None:
        self._emit = emit

    def __call__(self, tick: CollectionTick) -> None:
        if tick.batch_end:
            self._emit(describe(tick))


class StatusLine:
    """A terminal: one status line rewritten in place (carriage return, erase to the end of the
    line), at most every `interval` seconds; the last account's tick is always shown and ends the
    line. Other output goes through `aside()`, which clears the line first and redraws it after,
    so the two never share a line. Ticks may come from any thread."""

    def __init__(
        self,
        write: Callable[[str], object],
        clock: Callable[[], float] = time.monotonic,
        interval: float = MIN_INTERVAL,
        columns: Callable[[], int] = lambda: 0,
        prefix: str = "",
    ) -> None:
        self._write = write
        self._prefix = prefix
        self._clock = clock
        self._interval = interval
        self._columns = columns
        self._lock = threading.RLock()
        self._text = ""
        """The latest state, drawn or not (a throttled tick is drawn with the next redraw)."""
        self._shown = False
        """A status line is on the screen (the cursor is at its end)."""
        self._drawn_at: float | None = None
        self._closed = False

    def __call__(self, tick: CollectionTick) -> None:
        with self._lock:
            if self._closed:
                return
            self._text = self._prefix + describe(tick)
            now = self._clock()
            recent = self._drawn_at is not None and now - self._drawn_at < self._interval
            if recent and not tick.finished:
                return
            self._draw()
            self._drawn_at = now
            if tick.finished:
                self.finish()

    def _draw(self) -> None:
        width = self._columns()
        text = self._text[: width - 1] if width > 1 else self._text
        self._write(f"\r{text}{CLEAR_TO_EOL}")
        self._shown = True

    @contextmanager
    def aside(self) -> Iterator[None]:
        """Print something else: the status line is cleared first and redrawn after."""
        with self._lock:
            shown = self._shown
            if shown:
                self._write(f"\r{CLEAR_TO_EOL}")
                self._shown = False
            try:
                yield
            finally:
                if shown:
                    self._draw()

    def finish(self) -> None:
        """End the status line (collection ended, or the scan stops): later output starts on a
        line of its own, below the last state shown."""
        with self._lock:
            if self._shown:
                self._write("\n")
                self._shown = False
            self._drawn_at = None

    def close(self) -> None:
        """The command ends (or stops on an error): end the line; later ticks are ignored."""
        with self._lock:
            self.finish()
            self._closed = True


class StatusLineHandler(logging.StreamHandler[TextIO]):
    """A logging handler that prints its lines aside from a terminal's status line."""

    def __init__(self, stream: TextIO, status: StatusLine) -> None:
        super().__init__(stream)
        self.status = status

    def emit(self, record: logging.LogRecord) -> None:
        with self.status.aside():
            super().emit(record)

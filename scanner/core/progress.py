"""Collection progress: where a scan stands (CollectionTick) and how often it closes a batch."""

from __future__ import annotations

import math
from dataclasses import dataclass

BATCHES = 20
"""A run prints about this many batch lines when not on a terminal."""
MAX_BATCH = 50
"""A batch never holds more accounts than this (a line at least every 50 accounts)."""


@dataclass(frozen=True)
class CollectionTick:
    """Where collection stands, after one more account (or batch of accounts) finished."""

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


def batch_size(total: int) -> int:
    """Accounts per batch: about BATCHES batches a run, at most MAX_BATCH accounts each."""
    return max(1, min(MAX_BATCH, math.ceil(total / BATCHES)))


def is_batch_end(done: int, total: int) -> bool:
    """Whether the done-th finished account closes a batch (every batch_size, and the last)."""
    return done >= total or done % batch_size(total) == 0

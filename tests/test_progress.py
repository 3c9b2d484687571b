"""Collection progress: the tick's ETA, batch sizes, the stderr renderers (fake clock)."""

from __future__ import annotations

import pytest

from scanner.core.progress import CollectionTick, batch_size, is_batch_end
from scanner.core.reporter import SILENT, Reporter


def tick(
    done: int,
    total: int = 10,
    *,
    resumed: int = 0,
    calls: int = 0,
    errors: int = 0,
    elapsed: float = 0.0,
    batch_end: bool = False,
) -> CollectionTick:
    return CollectionTick(done, total, resumed, calls, errors, elapsed, batch_end)


def test_eta_is_the_pace_so_far_times_what_is_left() -> None:
    assert tick(0, elapsed=5.0).eta is None
    assert tick(2, total=10, elapsed=10.0).eta == pytest.approx(40.0)
    assert tick(10, total=10, elapsed=30.0).eta == 0.0


@pytest.mark.parametrize(
    ("total", "size"), [(0, 1), (1, 1), (19, 1), (20, 1), (21, 2), (100, 5), (1000, 50), (5000, 50)]
)
def test_batch_size_gives_about_twenty_batches_of_at_most_fifty(total: int, size: int) -> None:
    assert batch_size(total) == size


def test_batch_ends_every_batch_size_and_on_the_last_account() -> None:
    ends = [done for done in range(1, 104) if is_batch_end(done, 103)]
    assert ends == [*range(6, 103, 6), 103]


def test_silent_reporter_swallows_ticks() -> None:
    SILENT.tick(tick(1))  # a no-op: nothing to assert but that it accepts a tick
    seen: list[CollectionTick] = []
    Reporter(tick=seen.append).tick(tick(3))
    assert [t.done for t in seen] == [3]

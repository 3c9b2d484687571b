"""Collection progress: the tick's ETA, batch sizes, the stderr renderers (fake clock)."""

from __future__ import annotations

import io
import logging
import threading

import pytest

from scanner.core.progress import (
    CLEAR_TO_EOL,
    BatchLines,
    CollectionTick,
    StatusLine,
    StatusLineHandler,
    batch_size,
    describe,
    duration,
    is_batch_end,
    no_tick,
)
from scanner.core.reporter import SILENT, Reporter
from tests.terminal import screen


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


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


# --- the tick -------------------------------------------------------------------------------


def test_eta_is_the_pace_so_far_times_what_is_left() -> None:
    assert tick(0, elapsed=5.0).eta is None
    assert tick(2, total=10, elapsed=10.0).eta == pytest.approx(40.0)
    assert tick(150, total=1000, elapsed=41.0).eta == pytest.approx(41.0 / 150 * 850)
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
    assert SILENT.tick is no_tick
    seen: list[CollectionTick] = []
    Reporter(tick=seen.append).tick(tick(3))
    assert [t.done for t in seen] == [3]


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (0.0, "0s"),
        (41.4, "41s"),
        (59.6, "1m00s"),
        (125.0, "2m05s"),
        (3599, "59m59s"),
        (3720, "1h02m"),
    ],
)
def test_durations_read_at_a_glance(seconds: float, text: str) -> None:
    assert duration(seconds) == text


def test_a_line_says_done_total_resumed_calls_errors_elapsed_and_eta() -> None:
    line = describe(tick(150, 1000, resumed=800, calls=6120, errors=3, elapsed=41.0))
    for part in ("150/1000", "+800 resumed", "6,120 calls", "3 errors", "41s elapsed", "ETA 3m52s"):
        assert part in line
    assert "resumed" not in describe(tick(1, 10, elapsed=1.0))
    one = describe(tick(1, 10, calls=1, errors=1, elapsed=1.0))
    assert "1 call," in one and "1 error," in one


def test_the_last_line_has_no_eta() -> None:
    assert "ETA" not in describe(tick(10, 10, elapsed=30.0))
    assert "ETA" in describe(tick(9, 10, elapsed=30.0))


# --- not a terminal: one line per batch -----------------------------------------------------


def test_plain_output_is_one_line_per_batch_end() -> None:
    lines: list[str] = []
    render = BatchLines(lines.append)
    for done in range(1, 46):
        render(tick(done, 45, calls=done * 7, elapsed=done * 0.5, batch_end=is_batch_end(done, 45)))
    assert len(lines) == sum(is_batch_end(d, 45) for d in range(1, 46)) == 15
    assert "45/45" in lines[-1] and "3/45" in lines[0]
    assert all("\r" not in line and "\x1b" not in line and "\n" not in line for line in lines)


# --- a terminal: one status line -------------------------------------------------------------


def test_status_line_is_rewritten_at_most_five_times_a_second() -> None:
    out: list[str] = []
    clock = Clock()
    status = StatusLine(out.append, clock=clock)
    for done in range(1, 10):  # nine ticks 60 ms apart: drawn at 0, 0.24 and 0.48 s
        clock.now = 100.0 + (done - 1) * 0.06
        status(tick(done, 100, elapsed=clock.now - 100.0))
    assert len(out) == 3
    assert all(w.startswith("\r") and w.endswith(CLEAR_TO_EOL) for w in out)
    assert ["1/100" in out[0], "5/100" in out[1], "9/100" in out[2]] == [True, True, True]
    assert screen("".join(out)) == [describe(tick(9, 100, elapsed=clock.now - 100.0))]


def test_the_last_tick_is_always_drawn_and_ends_the_line() -> None:
    out: list[str] = []
    clock = Clock()
    status = StatusLine(out.append, clock=clock)
    status(tick(9, 10))
    status(tick(10, 10, elapsed=3.0))  # same instant: not throttled, it is the last
    assert out[-1] == "\n"
    assert screen("".join(out)) == [describe(tick(10, 10, elapsed=3.0))]


def test_a_log_line_clears_the_status_line_first_and_it_is_redrawn_after() -> None:
    out: list[str] = []
    clock = Clock()
    status = StatusLine(out.append, clock=clock)
    status(tick(1, 10))
    status(tick(2, 10, calls=99))  # throttled: not drawn yet
    with status.aside():
        out.append("a log line\n")
    shown = screen("".join(out))
    assert shown == ["a log line", describe(tick(2, 10, calls=99))]
    assert "".join(out).index("a log line") > "".join(out).index(f"\r{CLEAR_TO_EOL}")


def test_no_status_line_no_clearing() -> None:
    out: list[str] = []
    status = StatusLine(out.append, clock=Clock())
    with status.aside():
        out.append("a log line\n")
    assert out == ["a log line\n"]


def test_the_status_line_fits_the_terminal() -> None:
    out: list[str] = []
    status = StatusLine(out.append, clock=Clock(), columns=lambda: 30)
    status(tick(1, 10, calls=123456, elapsed=5.0))
    (line,) = screen("".join(out))
    assert len(line) == 29 and describe(tick(1, 10, calls=123456, elapsed=5.0)).startswith(line)


def test_close_ends_the_line_and_later_ticks_are_not_drawn() -> None:
    out: list[str] = []
    status = StatusLine(out.append, clock=Clock(), prefix="tw: ")
    status(tick(4, 10))
    status.close()
    status(tick(5, 10))
    status.close()
    assert screen("".join(out)) == ["tw: " + describe(tick(4, 10))]
    assert "".join(out).endswith("\n") and "".join(out).count("\n") == 1


def test_log_lines_and_ticks_from_many_threads_never_share_a_line() -> None:
    stream = io.StringIO()
    status = StatusLine(stream.write, interval=0.0)
    handler = StatusLineHandler(stream, status)
    handler.setFormatter(logging.Formatter("LOG %(message)s"))
    logger = logging.getLogger("tests.progress.threads")
    logger.propagate = False
    logger.handlers[:] = [handler]
    logger.setLevel(logging.INFO)
    total = 200

    def work(worker: int) -> None:
        for n in range(worker, total, 4):
            status(tick(n + 1 if n + 1 < total else total - 1, total, calls=n))
            logger.info("worker %d account %d", worker, n)

    threads = [threading.Thread(target=work, args=(w,)) for w in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    status(tick(total, total))
    shown = screen(stream.getvalue())
    logs = [line for line in shown if line.startswith("LOG ")]
    assert len(logs) == total
    assert all(line.count("LOG") == 1 and "collected" not in line for line in logs)
    assert shown[-1] == describe(tick(total, total))
    assert len(shown) == total + 1  # the status line only ever shows as the last line

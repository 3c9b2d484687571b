"""DaemonPool: the executor behind collection, which an interrupt never has to wait for."""

from __future__ import annotations

import threading

import pytest

from scanner.core.workers import DaemonPool


def test_runs_everything_in_order_of_submission() -> None:
    with DaemonPool(max_workers=3) as pool:
        assert list(pool.map(lambda n: n * n, range(50))) == [n * n for n in range(50)]
        failing = pool.submit(lambda: 1 // 0)
    with pytest.raises(ZeroDivisionError):
        failing.result()


def test_an_interrupt_cancels_queued_work_and_abandons_calls_in_flight() -> None:
    release = threading.Event()
    pool = DaemonPool(max_workers=1)
    in_flight = pool.submit(release.wait)
    ran: list[int] = []
    queued = [pool.submit(ran.append, n) for n in range(5)]
    with pytest.raises(KeyboardInterrupt), pool:
        raise KeyboardInterrupt
    assert all(f.cancelled() for f in queued)
    assert not in_flight.done()  # not waited for
    workers = [t for t in threading.enumerate() if t.name.startswith("worker-")]
    assert workers and all(t.daemon for t in workers)  # exit never joins them
    with pytest.raises(RuntimeError):
        pool.submit(print)
    release.set()
    assert in_flight.result(timeout=30) is True
    assert ran == []

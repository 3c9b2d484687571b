"""DaemonPool: the executor behind collection, which an interrupt never has to wait for."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator

import pytest

from scanner.core.workers import DaemonPool, Slots, run_each


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


def test_run_each_takes_an_item_only_when_a_place_is_free() -> None:
    """A worker process shares its account queue with the others: an item taken is an item
    the others cannot start, so run_each must not read ahead of its free places."""
    gates = [threading.Event() for _ in range(6)]
    taken: list[int] = []
    ran: list[int] = []

    def items() -> Iterator[int]:
        for n in range(6):
            taken.append(n)
            yield n

    def fn(n: int) -> None:
        gates[n].wait(timeout=30)
        ran.append(n)

    runner = threading.Thread(target=run_each, args=(fn, items(), 2, threading.Event()))
    runner.start()
    _until(lambda: len(taken) == 2)
    assert taken == [0, 1]  # two places, two items: the third is not read yet
    gates[1].set()
    _until(lambda: len(taken) == 3)
    assert ran == [1] and taken == [0, 1, 2]
    for gate in gates:
        gate.set()
    runner.join(timeout=30)
    assert sorted(ran) == list(range(6))


def test_run_each_raises_the_first_failure_without_waiting_for_earlier_items() -> None:
    release = threading.Event()
    stop = threading.Event()

    def fn(n: int) -> None:
        if n == 0:
            release.wait(timeout=30)  # still running when item 1 fails
        elif n == 1:
            raise ValueError("item 1")

    with pytest.raises(ValueError, match="item 1"):
        run_each(fn, iter(range(10)), 2, stop)
    assert stop.is_set()  # the running item 0 is told to stop, and was not waited for
    release.set()


def _until(condition: Callable[[], bool]) -> None:
    deadline = time.monotonic() + 30
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


def test_slots_hold_at_most_their_count_and_free_on_exit() -> None:
    slots = Slots(3)
    holders = 0
    most = 0
    lock = threading.Lock()
    gate = threading.Event()

    def hold() -> None:
        nonlocal holders, most
        with slots:
            with lock:
                holders += 1
                most = max(most, holders)
            gate.wait(5)
            with lock:
                holders -= 1

    threads = [threading.Thread(target=hold) for _ in range(8)]
    for t in threads:
        t.start()
    deadline = time.monotonic() + 5
    while holders < 3 and time.monotonic() < deadline:
        time.sleep(0.01)
    time.sleep(0.05)  # the other five are blocked, not in
    assert holders == 3
    gate.set()
    for t in threads:
        t.join(5)
    assert most == 3 and holders == 0


def test_slots_are_freed_when_the_block_raises() -> None:
    slots = Slots(1)
    with pytest.raises(KeyError), slots:
        raise KeyError("x")
    done = threading.Event()

    def take() -> None:
        with slots:
            done.set()

    threading.Thread(target=take).start()
    assert done.wait(5)


def test_slots_need_one() -> None:
    with pytest.raises(ValueError):
        Slots(0)


def test_an_idle_thread_takes_the_next_call_before_a_new_one_starts() -> None:
    with DaemonPool(max_workers=8) as pool:
        for n in range(50):
            assert pool.submit(lambda n=n: n).result(5) == n
            deadline = time.monotonic() + 5
            while pool._idle.qsize() == 0 and time.monotonic() < deadline:
                time.sleep(0.001)  # until the thread is back waiting
        assert len(pool._threads) == 1
        gate = threading.Event()
        blocked = [pool.submit(gate.wait, 5) for _ in range(12)]
        assert len(pool._threads) == 8  # never more than max_workers
        gate.set()
        assert all(f.result(5) for f in blocked)

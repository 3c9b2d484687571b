"""Work in a forked worker process: its result or its exception comes back; it never outlives us."""

from __future__ import annotations

import os
import signal
import threading
import time

import pytest

from scanner.core import forked
from scanner.core.errors import OutputError
from scanner.core.forked import ChildFailed, Forked, can_fork, run_beside


def _pid_after(seconds: float) -> int:
    time.sleep(seconds)
    return os.getpid()


def _raises() -> int:
    raise OutputError("cannot write findings.asff.json: No space left on device")


def _dies() -> int:
    os.kill(os.getpid(), signal.SIGKILL)
    return 0


@pytest.fixture
def forking(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fork even when earlier tests left threads in this process (servers): the children here
    take no lock those threads use."""
    monkeypatch.setattr(forked, "can_fork", lambda: True)


def test_no_fork_while_another_thread_runs() -> None:
    stop = threading.Event()
    thread = threading.Thread(target=stop.wait, daemon=True)
    thread.start()
    try:
        assert not can_fork()
    finally:
        stop.set()
        thread.join()


@pytest.mark.usefixtures("forking")
def test_the_result_comes_from_another_process_while_this_one_works() -> None:
    seen: list[int] = []
    value = run_beside(lambda: (_pid_after(0.1), [1, "two", {"3": 4.5}]), lambda: seen.append(1))
    assert value[0] != os.getpid() and value[1] == [1, "two", {"3": 4.5}]
    assert seen == [1]


@pytest.mark.usefixtures("forking")
def test_the_child_s_exception_is_raised_here() -> None:
    with pytest.raises(OutputError, match="No space left"):
        run_beside(_raises, lambda: None)


@pytest.mark.usefixtures("forking")
def test_a_child_that_dies_is_an_error_not_a_result() -> None:
    with pytest.raises(ChildFailed):
        run_beside(_dies, lambda: None)


def test_an_error_here_stops_and_reaps_the_child() -> None:
    child: Forked[int] = Forked(lambda: _pid_after(30))
    pid = child._pid
    assert pid is not None
    with pytest.raises(KeyboardInterrupt), child:
        raise KeyboardInterrupt
    assert child.exit_status == -signal.SIGKILL  # stopped, not waited for
    with pytest.raises(ChildProcessError):  # reaped: no longer our child
        os.waitpid(pid, os.WNOHANG)


def test_without_a_safe_fork_both_run_here(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(forked, "can_fork", lambda: False)
    order: list[str] = []

    def there() -> int:
        order.append("there")
        return os.getpid()

    assert run_beside(there, lambda: order.append("here")) == os.getpid()
    assert order == ["here", "there"]


def test_no_fork_when_the_pair_would_not_fit_in_the_memory_budget(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # earlier tests' servers may run threads here: that rule is tested above
    monkeypatch.setattr(threading, "active_count", lambda: 1)
    budget = forked.MEMORY_BUDGET_MB / forked.PAIR_FACTOR
    monkeypatch.setattr(forked, "resident_mb", lambda: budget + 1)
    assert not can_fork()
    monkeypatch.setattr(forked, "resident_mb", lambda: budget - 1)
    assert can_fork()


def test_resident_size_is_this_process_s() -> None:
    before = forked.resident_mb()
    block = bytearray(64 * 2**20)  # touched: resident
    for i in range(0, len(block), 4096):
        block[i] = 1
    assert forked.resident_mb() >= before + 60
    assert before > 10  # an interpreter with the scanner loaded


def test_work_runs_here_when_forking_is_not_affordable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(threading, "active_count", lambda: 1)
    monkeypatch.setattr(forked, "resident_mb", lambda: float(forked.MEMORY_BUDGET_MB))
    started: list[int] = []
    monkeypatch.setattr(forked.Forked, "__init__", lambda self, fn: started.append(1))
    order: list[str] = []

    def theirs() -> int:
        order.append("theirs")
        return os.getpid()

    assert run_beside(theirs, lambda: order.append("here")) == os.getpid()
    assert started == [] and order == ["here", "theirs"]

"""Work on the second core: a function run in a forked child process, its result taken back."""

from __future__ import annotations

import contextlib
import logging
import os
import pickle
import signal
import sys
import threading
from collections.abc import Callable
from types import TracebackType
from typing import Generic, TypeVar

T = TypeVar("T")

log = logging.getLogger("trailwatch")


class ChildFailed(RuntimeError):
    """The child process ended without handing back a result (killed, out of memory)."""


MEMORY_BUDGET_MB = 400
"""The resident memory a scan's processes may hold together when a child is forked for the second
core (the scale target of a 2-core build host, README "Sizing")."""
PAIR_FACTOR = 3
"""A forked child maps every page of this process (copy on write), so its resident size starts
at this process's; then both grow as they work (each holds the findings it makes). A child is
forked only while this many times this process's resident size fits in MEMORY_BUDGET_MB; above,
the work runs here on one core, and the scan's peak stays this process's own."""


def resident_mb() -> float:
    """This process's resident set size in MB (0 where /proc is not there)."""
    try:
        with open("/proc/self/statm", "rb") as statm:
            pages = int(statm.read().split()[1])
    except (OSError, ValueError, IndexError):
        return 0.0
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def can_fork() -> bool:
    """Is forking safe and affordable here: Linux, no thread but this one (a child of a process
    with threads could inherit a lock another thread held), and the pair within the memory
    budget (PAIR_FACTOR)."""
    if not sys.platform.startswith("linux") or threading.active_count() != 1:
        return False
    size = resident_mb()
    if size * PAIR_FACTOR > MEMORY_BUDGET_MB:
        log.debug("no worker process: %.0f MB resident, budget %d MB", size, MEMORY_BUDGET_MB)
        return False
    return True


class Forked(Generic[T]):
    """`fn` running in a forked child: it sees this process's memory as it was at the fork (copy
    on write), and hands back its return value or its exception, pickled, through a pipe.

    `result()` waits for it; leaving a `with` block before that (an exception, an interrupt)
    kills the child and reaps it. The child never runs this process's exit handlers.
    """

    def __init__(self, fn: Callable[[], T]) -> None:
        read, write = os.pipe()
        pid = os.fork()
        if pid == 0:  # pragma: no cover - the child: runs fn, writes, and never returns
            os.close(read)
            _child(fn, write)
        os.close(write)
        self._pid: int | None = pid
        self._read = read
        self.exit_status: int | None = None
        """The child's exit code once reaped (negative: the signal that ended it)."""

    def result(self) -> T:
        """The child's return value (its exception is raised here)."""
        with os.fdopen(self._read, "rb") as pipe:
            data = pipe.read()
        status = self._reap()
        if not data:
            raise ChildFailed(f"a worker process ended without a result (exit status {status})")
        ok, value = pickle.loads(data)  # noqa: S301 - our own child's bytes, never input
        if not ok:
            raise value
        return value  # type: ignore[no-any-return]

    def _reap(self) -> int:
        pid, self._pid = self._pid, None
        if pid is None:
            return 0
        _, status = os.waitpid(pid, 0)
        self.exit_status = os.waitstatus_to_exitcode(status)
        return self.exit_status

    def kill(self) -> None:
        """Stop the child (when it has not been reaped yet) and reap it."""
        if self._pid is not None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self._pid, signal.SIGKILL)
            self._reap()
        with contextlib.suppress(OSError):
            os.close(self._read)

    def __enter__(self) -> Forked[T]:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.kill()


def _child(fn: Callable[[], T], write: int) -> None:  # pragma: no cover - runs in the child
    code = 0
    try:
        payload = pickle.dumps((True, fn()), protocol=pickle.HIGHEST_PROTOCOL)
    except BaseException as exc:  # handed to the parent, which raises it
        code = 1
        try:
            payload = pickle.dumps((False, exc), protocol=pickle.HIGHEST_PROTOCOL)
            pickle.loads(payload)  # noqa: S301 - an exception that cannot be rebuilt is described
        except BaseException:
            payload = pickle.dumps((False, ChildFailed(f"{type(exc).__name__}: {exc}")))
    try:
        with os.fdopen(write, "wb") as pipe:
            pipe.write(payload)
    finally:
        os._exit(code)


def run_beside(fn: Callable[[], T], here: Callable[[], None]) -> T:
    """Run `fn` in a forked child while `here` runs in this process; `fn`'s result.

    Where forking is not safe (can_fork), `here` then `fn` run in this process, one after the
    other: the same results either way."""
    if not can_fork():
        log.debug("worker process not used: %d threads", threading.active_count())
        here()
        return fn()
    with Forked(fn) as child:
        here()
        return child.result()

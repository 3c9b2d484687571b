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


def can_fork() -> bool:
    """Is forking safe here: Linux, and no thread but this one (a child of a process with threads
    could inherit a lock another thread held)."""
    return sys.platform.startswith("linux") and threading.active_count() == 1


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

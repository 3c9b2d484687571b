"""A thread pool that never holds up an interrupted process: daemon workers, cancellable queue.

`concurrent.futures.ThreadPoolExecutor` joins its workers when the interpreter exits, so a
SIGTERM during a slow AWS call waited for every in-flight call (and its retries) to finish.
`DaemonPool` has the same interface; its workers are daemon threads, and leaving its `with`
block by an exception (KeyboardInterrupt on SIGINT/SIGTERM) cancels the queued work and
abandons the calls in flight instead of waiting for them.
"""

from __future__ import annotations

import itertools
import queue
import threading
from collections.abc import Callable, Iterable
from concurrent.futures import FIRST_COMPLETED, Executor, Future, wait
from types import TracebackType
from typing import Any, TypeVar

T = TypeVar("T")

_Item = tuple[Future[Any], Callable[..., Any], tuple[Any, ...], dict[str, Any]]
_counter = itertools.count()
_END: Any = object()


class DaemonPool(Executor):
    """At most `max_workers` daemon threads run the submitted calls in submission order."""

    def __init__(self, max_workers: int, thread_name_prefix: str = "worker") -> None:
        if max_workers < 1:
            raise ValueError("max_workers must be at least 1")
        self._max_workers = max_workers
        self._prefix = thread_name_prefix
        self._queue: queue.SimpleQueue[_Item | None] = queue.SimpleQueue()
        self._threads: list[threading.Thread] = []
        # a token per thread that finished a call and waits for the next (C SimpleQueue: a
        # submit takes one without blocking, or starts a thread while under max_workers)
        self._idle: queue.SimpleQueue[bool] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._shutdown = False

    def submit(self, fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> Future[T]:
        with self._lock:
            if self._shutdown:
                raise RuntimeError("cannot schedule new futures after shutdown")
            future: Future[T] = Future()
            self._queue.put((future, fn, args, kwargs))
            if not self._take_idle() and len(self._threads) < self._max_workers:
                thread = threading.Thread(
                    target=self._work, name=f"{self._prefix}-{next(_counter)}", daemon=True
                )
                thread.start()
                self._threads.append(thread)
            return future

    def _take_idle(self) -> bool:
        try:
            return self._idle.get_nowait()
        except queue.Empty:
            return False

    def _work(self) -> None:
        while True:
            item = self._queue.get()
            if item is None:
                self._queue.put(None)  # wake the next worker: it stops too
                return
            future, fn, args, kwargs = item
            del item
            if future.set_running_or_notify_cancel():
                try:
                    result = fn(*args, **kwargs)
                except BaseException as exc:  # the future carries it to the caller
                    future.set_exception(exc)
                else:
                    future.set_result(result)
            del future, fn, args, kwargs
            self._idle.put(True)

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        with self._lock:
            self._shutdown = True
            if cancel_futures:
                while True:
                    try:
                        item = self._queue.get_nowait()
                    except queue.Empty:
                        break
                    if item is not None:
                        item[0].cancel()
            self._queue.put(None)
        if wait:
            for thread in self._threads:
                thread.join()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if exc_type is None:
            self.shutdown(wait=True)
        else:  # interrupted or failed: drop queued work, don't wait for calls in flight
            self.shutdown(wait=False, cancel_futures=True)


class Slots:
    """A counting semaphore for a `with` block, on C primitives: `slots` holders at once.

    `threading.Semaphore` is Python code around a Condition: with many threads waiting for a
    few slots (the calls in flight of a collection), each acquire and release ran a dozen
    Python lines under the GIL. Here a slot is a token in a `queue.SimpleQueue` (C): taking one
    blocks without the GIL until a holder puts one back."""

    __slots__ = ("_give", "_take")

    def __init__(self, slots: int) -> None:
        if slots < 1:
            raise ValueError("slots must be at least 1")
        tokens: queue.SimpleQueue[bool] = queue.SimpleQueue()
        for _ in range(slots):
            tokens.put(True)
        self._take = tokens.get
        self._give = tokens.put

    def __enter__(self) -> None:
        self._take()

    def __exit__(self, *_: object) -> None:
        self._give(True)


def run_each(
    fn: Callable[[T], None],
    items: Iterable[T],
    max_workers: int,
    stop: threading.Event,
    thread_name_prefix: str = "worker",
) -> None:
    """`fn` on every item, at most `max_workers` at a time, waiting for all.

    Items are taken from `items` only as a place frees up (an iterator may block or be shared
    with other consumers: each item is taken when it can start). The first failure (or
    KeyboardInterrupt on SIGINT/SIGTERM) sets `stop`, takes no further item, cancels the queued
    ones, abandons the ones running (daemon threads) and is raised."""
    pool = DaemonPool(max_workers=max_workers, thread_name_prefix=thread_name_prefix)
    pending: set[Future[None]] = set()
    try:
        remaining = iter(items)
        while True:
            while len(pending) >= max_workers:
                pending = _settle(pending)
            if stop.is_set():
                break
            item = next(remaining, _END)
            if item is _END:
                break
            pending.add(pool.submit(fn, item))
        while pending:
            pending = _settle(pending)
    except BaseException:
        stop.set()
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    pool.shutdown(wait=True)


def _settle(pending: set[Future[None]]) -> set[Future[None]]:
    """Wait for one of `pending` to finish, raise its failure; the ones still pending."""
    done, still = wait(pending, return_when=FIRST_COMPLETED)
    for fut in done:
        fut.result()
    return still

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
from collections.abc import Callable, Sequence
from concurrent.futures import Executor, Future
from types import TracebackType
from typing import Any, TypeVar

T = TypeVar("T")

_Item = tuple[Future[Any], Callable[..., Any], tuple[Any, ...], dict[str, Any]]
_counter = itertools.count()


class DaemonPool(Executor):
    """At most `max_workers` daemon threads run the submitted calls in submission order."""

    def __init__(self, max_workers: int, thread_name_prefix: str = "worker") -> None:
        if max_workers < 1:
            raise ValueError("max_workers must be at least 1")
        self._max_workers = max_workers
        self._prefix = thread_name_prefix
        self._queue: queue.SimpleQueue[_Item | None] = queue.SimpleQueue()
        self._threads: list[threading.Thread] = []
        self._idle = threading.Semaphore(0)
        self._lock = threading.Lock()
        self._shutdown = False

    def submit(self, fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> Future[T]:
        with self._lock:
            if self._shutdown:
                raise RuntimeError("cannot schedule new futures after shutdown")
            future: Future[T] = Future()
            self._queue.put((future, fn, args, kwargs))
            if not self._idle.acquire(timeout=0) and len(self._threads) < self._max_workers:
                thread = threading.Thread(
                    target=self._work, name=f"{self._prefix}-{next(_counter)}", daemon=True
                )
                thread.start()
                self._threads.append(thread)
            return future

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
            self._idle.release()

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


def run_each(
    fn: Callable[[T], None],
    items: Sequence[T],
    max_workers: int,
    stop: threading.Event,
    thread_name_prefix: str = "worker",
) -> None:
    """`fn` on every item, at most `max_workers` at a time, waiting for all. The first failure
    (or KeyboardInterrupt on SIGINT/SIGTERM) sets `stop`, cancels the queued items, abandons the
    ones running (daemon threads) and is raised."""
    pool = DaemonPool(max_workers=max_workers, thread_name_prefix=thread_name_prefix)
    try:
        for fut in [pool.submit(fn, item) for item in items]:
            fut.result()
    except BaseException:
        stop.set()
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    pool.shutdown(wait=True)

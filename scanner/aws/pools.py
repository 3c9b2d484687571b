"""urllib3 connection pools whose idle connections sit in a deque, not a Condition-guarded queue.

urllib3 keeps a pool's idle connections in a `queue.LifoQueue`: a Python Condition whose lock
every call takes twice (`_get_conn`, `_put_conn`). A scan's dozens of threads share one pool per
endpoint host, so that lock was contended, and each contended acquire or release hands the GIL
over (~8% of a collection worker's GIL-held samples). `IdleConnections` offers the part of the
queue interface urllib3 uses with a non-blocking pool (botocore never asks for a blocking one):
`get(block=False)` pops the most recently used connection (or raises queue.Empty: urllib3 then
opens a new one), `put(conn, block=False)` pushes it back (or raises queue.Full past `maxsize`:
urllib3 closes it). deque.append and deque.pop are atomic, so no lock is taken.
"""

from __future__ import annotations

import queue
from collections import deque
from typing import Any

from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool


class IdleConnections:
    """A LIFO of idle connections (and urllib3's None placeholders), at most `maxsize`."""

    def __init__(self, maxsize: int) -> None:
        self.maxsize = maxsize
        self._items: deque[Any] = deque()

    def get(self, block: bool = True, timeout: float | None = None) -> Any:
        if block:  # never asked by urllib3's non-blocking pools: refuse rather than not wait
            raise ValueError("IdleConnections serves non-blocking pools only")
        try:
            return self._items.pop()
        except IndexError:
            raise queue.Empty from None

    def put(self, item: Any, block: bool = True, timeout: float | None = None) -> None:
        if len(self._items) >= self.maxsize:
            raise queue.Full
        self._items.append(item)

    def qsize(self) -> int:
        return len(self._items)


def _non_blocking(kwargs: dict[str, Any]) -> None:
    if kwargs.get("block"):
        raise ValueError("these connection pools do not block: use urllib3's own")


class LeanHTTPConnectionPool(HTTPConnectionPool):
    QueueCls = IdleConnections  # type: ignore[assignment]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        _non_blocking(kwargs)
        super().__init__(*args, **kwargs)


class LeanHTTPSConnectionPool(HTTPSConnectionPool):
    QueueCls = IdleConnections  # type: ignore[assignment]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        _non_blocking(kwargs)
        super().__init__(*args, **kwargs)


POOL_CLASSES: dict[str, type[HTTPConnectionPool]] = {
    "http": LeanHTTPConnectionPool,
    "https": LeanHTTPSConnectionPool,
}


def use_lean_pools(manager: Any) -> None:
    """New pools of this urllib3 PoolManager (a botocore URLLib3Session's direct connections;
    proxied ones keep urllib3's) keep their idle connections in an `IdleConnections`."""
    manager.pool_classes_by_scheme = dict(POOL_CLASSES)

"""urllib3 connection pools whose idle connections sit in a deque, not a Condition-guarded queue.

urllib3 keeps a pool's idle connections in a `queue.LifoQueue`: a Python Condition whose lock
every call takes twice (`_get_conn`, `_put_conn`). A scan's dozens of threads share one pool per
endpoint host, so that lock was contended, and each contended acquire or release hands the GIL
over (~8% of a collection worker's GIL-held samples). `IdleConnections` offers the part of the
queue interface urllib3 uses with a non-blocking pool (botocore never asks for a blocking one):
`get(block=False)` pops the most recently used connection (or raises queue.Empty: urllib3 then
opens a new one), `put(conn, block=False)` pushes it back (or raises queue.Full past `maxsize`:
urllib3 closes it). deque.append and deque.pop are atomic, so no lock is taken.

A PoolManager also keeps only 10 pools (hosts) by default, and a scan's shared HTTP session talks
to every service in every region (28 services x 4 regions: 112 hosts): evicted pools closed their
connections, so calls kept opening new TCP and TLS connections. It keeps `MAX_POOLS` here, fewer
when the process may open few files.
"""

from __future__ import annotations

import queue
import resource
from collections import deque
from typing import Any

from urllib3._collections import RecentlyUsedContainer
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

MAX_POOLS = 1024
"""Endpoint hosts whose connections a shared HTTP session keeps (the least recently used one
beyond that is dropped): every service in every Region, with room for S3's bucket hosts."""


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


def pool_count() -> int:
    """How many hosts' pools to keep: MAX_POOLS, or a quarter of the files this process may
    open (each pool keeps at least one idle connection open)."""
    soft, _hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft == resource.RLIM_INFINITY:
        return MAX_POOLS
    return max(10, min(MAX_POOLS, soft // 4))


def use_lean_pools(manager: Any) -> None:
    """This new urllib3 PoolManager (a botocore URLLib3Session's direct connections; proxied
    ones keep urllib3's) keeps `pool_count()` hosts' pools, each keeping its idle connections
    in an `IdleConnections`."""
    manager.pool_classes_by_scheme = dict(POOL_CLASSES)
    manager.pools = RecentlyUsedContainer(pool_count())

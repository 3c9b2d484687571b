"""The connection pools of the scan's shared HTTP sessions: found without a lock, kept for every
endpoint host, idle connections in a lock-free LIFO.

One botocore URLLib3Session serves every client of a scan (scanner.aws.cheap_clients), so dozens
of threads share its urllib3 PoolManager, and three of its defaults cost a scan dearly:

- The PoolManager keeps 10 pools (hosts), while a scan talks to every service in every Region
  (28 x 4 = 112 hosts): evicted pools closed their connections, so calls to AWS kept opening new
  TCP and TLS connections. `LeanPoolManager` keeps `pool_count()` of them.
- Finding a URL's pool parsed the URL, built a pool key and took the manager's lock, per call;
  `LeanPoolManager` remembers the pool of each URL origin (scheme, host, port) in a dict read
  without a lock.
- A pool kept its idle connections in a `queue.LifoQueue`, a Python Condition whose lock every
  call took twice: contended, each acquire or release handed the GIL over (~8% of a collection
  worker's GIL-held samples). `IdleConnections` offers the part of the queue interface urllib3
  uses with a non-blocking pool (botocore never asks for a blocking one) on a deque, whose
  append and pop are atomic.

The pools are botocore's own (AWSHTTPConnectionPool, AWSHTTPSConnectionPool: its connection
classes), only their idle-connection queue differs.
"""

from __future__ import annotations

import queue
import resource
import threading
from collections import deque
from typing import Any

from botocore.awsrequest import AWSHTTPConnectionPool, AWSHTTPSConnectionPool
from urllib3 import PoolManager

MAX_POOLS = 1024
"""Endpoint hosts whose connections a shared HTTP session keeps: every service in every Region,
with room for S3's bucket hosts (beyond, the oldest is dropped)."""


class IdleConnections:
    """A LIFO of idle connections (and urllib3's None placeholders), at most `maxsize`.

    `get(block=False)` pops the most recently used connection or raises queue.Empty (urllib3 then
    opens a new one); `put(conn, block=False)` pushes it back or raises queue.Full past `maxsize`
    (urllib3 then closes it)."""

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


class LeanHTTPConnectionPool(AWSHTTPConnectionPool):  # type: ignore[misc]
    QueueCls = IdleConnections

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        _non_blocking(kwargs)
        super().__init__(*args, **kwargs)


class LeanHTTPSConnectionPool(AWSHTTPSConnectionPool):  # type: ignore[misc]
    QueueCls = IdleConnections

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        _non_blocking(kwargs)
        super().__init__(*args, **kwargs)


def pool_count() -> int:
    """How many hosts' pools to keep: MAX_POOLS, or a quarter of the files this process may
    open (each pool keeps at least one idle connection open)."""
    soft, _hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft == resource.RLIM_INFINITY:
        return MAX_POOLS
    return max(10, min(MAX_POOLS, soft // 4))


def origin_of(url: str) -> str:
    """scheme://host[:port] of an absolute URL."""
    start = url.find("//") + 2
    end = url.find("/", start)
    return url if end < 0 else url[:end]


class LeanPoolManager(PoolManager):
    """A PoolManager that keeps `pool_count()` pools of botocore's connection classes and
    finds a URL's pool by its origin without a lock."""

    def __init__(self, **kwargs: Any) -> None:
        count = pool_count()
        super().__init__(num_pools=count, **kwargs)
        self.pool_classes_by_scheme = {
            "http": LeanHTTPConnectionPool,
            "https": LeanHTTPSConnectionPool,
        }
        self._limit = count
        self._by_origin: dict[str, Any] = {}
        self._adding = threading.Lock()

    def connection_from_url(self, url: str, pool_kwargs: dict[str, Any] | None = None) -> Any:
        if pool_kwargs is not None:
            return super().connection_from_url(url, pool_kwargs)
        origin = origin_of(url)
        pool = self._by_origin.get(origin)
        if pool is None:
            with self._adding:
                pool = super().connection_from_url(url)
                if len(self._by_origin) >= self._limit:  # the oldest host is dropped
                    self._by_origin.pop(next(iter(self._by_origin)))
                self._by_origin[origin] = pool
        return pool

    def clear(self) -> None:
        with self._adding:
            self._by_origin = {}
        super().clear()


def lean_pool_manager(session: Any) -> None:
    """Give this new botocore URLLib3Session a LeanPoolManager for its direct connections
    (proxied ones keep urllib3's)."""
    session._manager = LeanPoolManager(**session._get_pool_manager_kwargs())

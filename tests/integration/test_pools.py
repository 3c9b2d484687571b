"""Connection pools of the scan's shared HTTP sessions (scanner.aws.pools): idle connections in
a lock-free LIFO, reused across threads and calls, bounded, never blocking."""

from __future__ import annotations

import queue
import resource
import threading

import pytest
from botocore.awsrequest import AWSHTTPConnection, AWSHTTPSConnection

from scanner.aws import cheap_clients, pools
from scanner.aws.pools import IdleConnections, LeanHTTPConnectionPool
from scanner.aws.session import ClientSettings, Sessions


def test_idle_connections_are_a_bounded_lifo_that_never_blocks() -> None:
    idle = IdleConnections(2)
    idle.put(None, block=False)
    idle.put("a", block=False)
    with pytest.raises(queue.Full):
        idle.put("b", block=False)
    assert idle.qsize() == 2
    assert idle.get(block=False) == "a"  # the most recently used first
    assert idle.get(block=False) is None
    with pytest.raises(queue.Empty):
        idle.get(block=False)
    with pytest.raises(ValueError):
        idle.get(block=True)


def test_a_blocking_pool_is_refused() -> None:
    with pytest.raises(ValueError):
        LeanHTTPConnectionPool("127.0.0.1", 1, block=True)


def test_calls_from_many_threads_reuse_a_few_pooled_connections(moto_endpoint: str) -> None:
    sessions = Sessions(None, ClientSettings(endpoint_url=moto_endpoint, max_attempts=1))
    sessions.identify("us-east-1")
    client = sessions.caller().client("logs", "us-east-1")
    # the process's shared session may have served earlier tests: count from here
    pool = client._endpoint.http_session._manager.connection_from_url(moto_endpoint + "/")
    opened, served = pool.num_connections, pool.num_requests
    failures: list[BaseException] = []

    def calls() -> None:
        try:
            for _ in range(15):
                client.describe_log_groups(limit=1)
        except BaseException as exc:  # reported by the assertion below
            failures.append(exc)

    threads = [threading.Thread(target=calls) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert failures == []
    assert isinstance(pool, LeanHTTPConnectionPool)
    assert pool.ConnectionCls is AWSHTTPConnection  # botocore's own connections
    assert isinstance(pool.pool, IdleConnections)
    assert pool.num_requests - served >= 90  # every call went through this pool
    assert pool.num_connections - opened <= 6  # at most one new connection per thread


def test_a_shared_session_keeps_the_pools_of_every_service_and_region() -> None:
    cheap_clients.install()
    session = cheap_clients.shared_http_session(
        verify=True, proxies=None, timeout=60, max_pool_connections=64, socket_options=None
    )
    manager = session._manager
    first = manager.connection_from_url("https://logs.us-east-1.amazonaws.com/")
    for service in range(30):
        for region in range(4):
            manager.connection_from_url(f"https://svc{service}.region{region}.amazonaws.com/")
    assert manager.connection_from_url("https://logs.us-east-1.amazonaws.com/") is first


def test_pools_kept_follow_the_open_files_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(resource, "getrlimit", lambda _r: (1024, 4096))
    assert pools.pool_count() == 256
    monkeypatch.setattr(resource, "getrlimit", lambda _r: (1 << 20, 1 << 20))
    assert pools.pool_count() == pools.MAX_POOLS
    monkeypatch.setattr(resource, "getrlimit", lambda _r: (16, 16))
    assert pools.pool_count() == 10


def test_a_urls_pool_is_found_by_its_origin_and_dropped_on_clear() -> None:
    manager = pools.LeanPoolManager(maxsize=4)
    a = manager.connection_from_url("https://logs.eu-west-1.amazonaws.com/")
    assert manager.connection_from_url("https://logs.eu-west-1.amazonaws.com/?x=1") is a
    assert manager.connection_from_url("https://logs.eu-west-1.amazonaws.com") is a
    b = manager.connection_from_url("https://logs.eu-west-1.amazonaws.com:8443/")
    assert b is not a and b.port == 8443
    assert manager.connection_from_url("http://logs.eu-west-1.amazonaws.com/") is not a
    assert isinstance(a, pools.LeanHTTPSConnectionPool)
    assert a.ConnectionCls is AWSHTTPSConnection
    manager.clear()
    assert manager.connection_from_url("https://logs.eu-west-1.amazonaws.com/") is not a


def test_past_its_limit_the_manager_drops_the_oldest_host(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pools, "pool_count", lambda: 10)
    manager = pools.LeanPoolManager(maxsize=1)
    first = manager.connection_from_url("https://h0.example/")
    for n in range(1, 10):
        manager.connection_from_url(f"https://h{n}.example/")
    assert manager.connection_from_url("https://h0.example/") is first
    manager.connection_from_url("https://h10.example/")
    assert manager.connection_from_url("https://h0.example/") is not first

"""FaultProxy: an HTTP proxy on 127.0.0.1 in front of the moto server that injects AWS faults.

Per request it forwards to moto, or answers with a fault chosen by its rules (a fault on chosen
operations: the first N attempts of each distinct request, or always) or at random (a seeded
share of all requests, kinds taken in turn so that each is exercised). It runs on daemon
threads and stops itself when its `with` block ends, or after `lifetime` seconds at the latest.
"""

from __future__ import annotations

import hashlib
import http.client
import random
import socket
import struct
import threading
import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any
from urllib.parse import urlsplit

from tests.faults.aws import (
    Answer,
    Call,
    access_denied,
    identify,
    internal_error,
    slow_down,
    throttling,
    too_many_requests,
)


class Fault(StrEnum):
    THROTTLING = "throttling"  # the service's own throttling error (ThrottlingException, ...)
    TOO_MANY_REQUESTS = "429"  # a bare HTTP 429 with an HTML body
    SLOW_DOWN = "503-slowdown"  # S3's 503 SlowDown XML
    INTERNAL_ERROR = "500"  # 500 InternalError / InternalFailure
    RESET = "reset"  # the connection is closed (RST) without a response
    TIMEOUT = "timeout"  # no answer until after the client's read timeout
    TRUNCATED = "truncated"  # moto's answer, cut short of its Content-Length, then closed
    GARBLED = "garbled"  # moto's answer with a broken body (consistent Content-Length)
    DENIED = "denied"  # AccessDenied (or a chosen error code), in the service's own format


TRANSIENT = (
    Fault.THROTTLING,
    Fault.TOO_MANY_REQUESTS,
    Fault.SLOW_DOWN,
    Fault.INTERNAL_ERROR,
    Fault.RESET,
    Fault.TRUNCATED,
    Fault.GARBLED,
)


@dataclass(frozen=True)
class Rule:
    """`fault` on `operations` ("Op" or "service:Op"; empty: all), for the first `times`
    attempts of each distinct request (None: every attempt)."""

    fault: Fault
    operations: frozenset[str] = frozenset()
    times: int | None = None
    code: str | None = None  # DENIED: the error code (default: the service's AccessDenied)
    message: str | None = None
    match: str | None = None  # only requests whose path or body contain this text

    def matches(self, call: Call, target: str = "", body: bytes = b"") -> bool:
        if self.match is not None and not (self.match in target or self.match.encode() in body):
            return False
        return not self.operations or bool(
            {call.operation, f"{call.service}:{call.operation}"} & self.operations
        )


@dataclass
class Stats:
    """What the proxy saw and did."""

    requests: Counter[tuple[str, str]] = field(default_factory=Counter)  # (service, op)
    access_keys: set[str] = field(default_factory=set)  # the access key ids requests signed with
    injected: Counter[Fault] = field(default_factory=Counter)
    injected_by_protocol: Counter[tuple[Fault, str]] = field(default_factory=Counter)
    injected_by_operation: Counter[tuple[Fault, str]] = field(default_factory=Counter)
    recorded: list[tuple[Call, int, bytes]] = field(default_factory=list)
    # requests being answered now, and at most at once: per (access key, service, region), all
    in_flight: Counter[tuple[str, str, str]] = field(default_factory=Counter)
    max_in_flight: Counter[tuple[str, str, str]] = field(default_factory=Counter)
    max_in_flight_total: int = 0


class FaultProxy:
    """A fault-injecting proxy; use as a context manager, its `endpoint` as the endpoint URL."""

    def __init__(
        self,
        upstream: str,
        *,
        rate: float = 0.0,
        kinds: Iterable[Fault] = TRANSIENT,
        seed: int = 0,
        max_consecutive: int = 3,
        rules: Iterable[Rule] = (),
        timeout_s: float = 1.5,
        record: Iterable[str] = (),
        lifetime: float = 300.0,
        latency_s: float = 0.0,
    ) -> None:
        """`rate`: share of requests given a random fault of `kinds` (in turn), at most
        `max_consecutive` times in a row for one request so that it stays transient.
        `timeout_s`: how long a TIMEOUT fault keeps the client waiting (set the client's read
        timeout below it). `record`: operations whose answers are kept in `stats.recorded`."""
        target = urlsplit(upstream)
        self._host = target.hostname or "127.0.0.1"
        self._port = target.port or 80
        self.rate = rate
        self.kinds = tuple(kinds)
        self.max_consecutive = max_consecutive
        self.rules = list(rules)
        self.timeout_s = timeout_s
        self.record = frozenset(record)
        self.latency_s = latency_s
        self.stats = Stats()
        self._rng = random.Random(seed)
        self._turn = 0
        self._garbled = 0
        self._attempts: Counter[tuple[Any, ...]] = Counter()
        self._consecutive: Counter[tuple[Any, ...]] = Counter()
        self._lock = threading.Lock()
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.proxy = self
        self.endpoint = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._watchdog = threading.Timer(lifetime, self.stop)
        self._watchdog.daemon = True
        self._stopped = False

    # -- lifecycle -----------------------------------------------------------------------------

    def start(self) -> FaultProxy:
        self._thread.start()
        self._watchdog.start()
        return self

    def stop(self) -> None:
        with self._lock:
            if self._stopped:
                return
            self._stopped = True
        self._watchdog.cancel()
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> FaultProxy:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # -- decisions -----------------------------------------------------------------------------

    def decide(self, call: Call, method: str, target: str, body: bytes) -> Rule | None:
        """The fault for this attempt, or None to forward it."""
        key = (call.access_key, call.service, call.region, method, target, _digest(body))
        with self._lock:
            self.stats.requests[(call.service, call.operation)] += 1
            self.stats.access_keys.add(call.access_key)
            self._attempts[key] += 1
            attempt = self._attempts[key]
            chosen: Rule | None = None
            for rule in self.rules:
                if rule.matches(call, target, body) and (
                    rule.times is None or attempt <= rule.times
                ):
                    chosen = rule
                    break
            if (
                chosen is None
                and self.rate > 0
                and self.kinds
                and self._consecutive[key] < self.max_consecutive
                and self._rng.random() < self.rate
            ):
                chosen = Rule(self.kinds[self._turn % len(self.kinds)])
                self._turn += 1
            if chosen is None:
                self._consecutive[key] = 0
                return None
            self._consecutive[key] += 1
            self.stats.injected[chosen.fault] += 1
            self.stats.injected_by_protocol[(chosen.fault, call.protocol)] += 1
            self.stats.injected_by_operation[(chosen.fault, call.operation)] += 1
            return chosen

    def garble(self, body: bytes) -> bytes:
        """The first half of the body and junk: in turn plain text, and bytes that are not UTF-8."""
        with self._lock:
            self._garbled += 1
            junk = b"<garbled>" if self._garbled % 2 else b"\x00\xff<garbled"
        return body[: len(body) // 2] + junk

    def enter(self, call: Call) -> None:
        key = (call.access_key, call.service, call.region)
        with self._lock:
            self.stats.in_flight[key] += 1
            stats = self.stats
            stats.max_in_flight[key] = max(stats.max_in_flight[key], stats.in_flight[key])
            stats.max_in_flight_total = max(
                stats.max_in_flight_total, sum(stats.in_flight.values())
            )

    def leave(self, call: Call) -> None:
        with self._lock:
            self.stats.in_flight[(call.access_key, call.service, call.region)] -= 1

    def keep(self, call: Call, status: int, body: bytes) -> None:
        if call.operation in self.record:
            with self._lock:
                self.stats.recorded.append((call, status, body))

    def upstream(self) -> http.client.HTTPConnection:
        return http.client.HTTPConnection(self._host, self._port, timeout=60)


def _digest(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    proxy: FaultProxy

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.resets: set[int] = set()
        self.resets_lock = threading.Lock()

    def shutdown_request(self, request: Any) -> None:
        with self.resets_lock:
            reset = id(request) in self.resets
            self.resets.discard(id(request))
        if reset:  # close with SO_LINGER 0: the peer gets a TCP RST, not a FIN
            request.close()
            return
        super().shutdown_request(request)

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a client that went away (timeouts) is expected here


_HOP_BY_HOP = {
    "connection",
    "keep-alive",
    "transfer-encoding",
    "content-length",
    "proxy-connection",
    "server",
    "date",
}


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def setup(self) -> None:
        super().setup()
        self._up: http.client.HTTPConnection | None = None

    def finish(self) -> None:
        if self._up is not None:
            self._up.close()
        super().finish()

    def _handle(self) -> None:
        proxy = self.server.proxy
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        headers = {k: v for k, v in self.headers.items()}
        call = identify(self.command, self.path, headers, body)
        proxy.enter(call)
        try:
            self._answer_call(proxy, call, headers, body)
        finally:
            proxy.leave(call)

    def _answer_call(
        self, proxy: FaultProxy, call: Call, headers: dict[str, str], body: bytes
    ) -> None:
        rule = proxy.decide(call, self.command, self.path, body)
        fault = rule.fault if rule else None
        if fault is Fault.RESET:
            self._reset()
            return
        if fault is Fault.TIMEOUT:
            time.sleep(proxy.timeout_s)
            self._reset()
            return
        canned = _canned(rule, call)
        if canned is not None:
            self._answer(canned.status, canned.headers, canned.body)
            return
        if proxy.latency_s:
            time.sleep(proxy.latency_s)
        status, up_headers, data = self._forward(headers, body)
        proxy.keep(call, status, data)
        if fault is Fault.TRUNCATED:
            declared = len(data) if data else 16
            self._answer(status, up_headers, data[: len(data) // 2], declared=declared)
            self.close_connection = True
            return
        if fault is Fault.GARBLED:
            data = proxy.garble(data)
        self._answer(status, up_headers, data)

    do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = do_PATCH = _handle

    def _forward(self, headers: dict[str, str], body: bytes) -> tuple[int, dict[str, str], bytes]:
        sent = {k: v for k, v in headers.items() if k.lower() not in _HOP_BY_HOP}
        if body:
            sent["Content-Length"] = str(len(body))
        for attempt in (1, 2):
            if self._up is None:
                self._up = self.server.proxy.upstream()
            try:
                self._up.request(self.command, self.path, body=body or None, headers=sent)
                resp = self._up.getresponse()
                data = resp.read()
            except (OSError, http.client.HTTPException):
                self._up.close()
                self._up = None
                if attempt == 2:
                    raise
                continue
            kept = {k: v for k, v in resp.getheaders() if k.lower() not in _HOP_BY_HOP}
            return resp.status, kept, data
        raise AssertionError("unreachable")

    def _answer(
        self, status: int, headers: dict[str, str], body: bytes, declared: int | None = None
    ) -> None:
        self.send_response(status)
        for key, value in headers.items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(body) if declared is None else declared))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)
        self.wfile.flush()

    def _reset(self) -> None:
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        with self.server.resets_lock:
            self.server.resets.add(id(self.connection))
        self.close_connection = True


def _canned(rule: Rule | None, call: Call) -> Answer | None:
    if rule is None:
        return None
    if rule.fault is Fault.THROTTLING:
        return throttling(call)
    if rule.fault is Fault.TOO_MANY_REQUESTS:
        return too_many_requests()
    if rule.fault is Fault.SLOW_DOWN:
        return slow_down()
    if rule.fault is Fault.INTERNAL_ERROR:
        return internal_error(call)
    if rule.fault is Fault.DENIED:
        return access_denied(call, rule.code, rule.message)
    return None

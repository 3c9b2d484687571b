"""Benchmark back end in front of moto: a fixed delay per call, and optionally replay of templates.

    python bench/proxy.py --upstream http://127.0.0.1:PORT [--latency-ms 50]

Prints its endpoint URL on stdout, then serves until stdin is closed. What it answers and how
replay works: bench/replay.py.

The server is a lean HTTP/1.1 keep-alive server for this one job, on one thread with epoll (an
asyncio server cost about twice the CPU per request): requests with Content-Length bodies (and
`Expect: 100-continue`), answers in request order with one send each, `Connection: close`
honoured. Every request is answered no sooner than `--latency-ms` (a real AWS round trip) after
it was read, by a timer heap, however many are in flight. Requests moto must answer are sent to
it by worker threads (identical ones at once: once); the loop is woken when an answer is in.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import heapq
import http.client
import itertools
import select
import socket
import sys
import threading
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from replay import Backend, Headers, Pending, Response, json_response

_MAX_HEAD = 64 * 1024
_RECV = 256 * 1024
_IN = select.EPOLLIN | select.EPOLLRDHUP
_CONTINUE = b"HTTP/1.1 100 Continue\r\n\r\n"


class Connection:
    """One client connection: the bytes read so far, and its answers in request order."""

    __slots__ = ("buffer", "closing", "head", "out", "pending", "sock")

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.buffer = b""
        self.head: tuple[bytes, bytes, Headers, int, int] | None = None  # waiting for its body
        self.pending: deque[list[bytes]] = deque()  # answers in request order ([] until ready)
        self.out = b""  # written when the socket can take it
        self.closing = False


class Server:
    """The proxy's event loop (run() on one thread; stop() from any)."""

    def __init__(self, backend: Backend, delay: float, threads: int = 32) -> None:
        self.backend = backend
        self.delay = delay
        self.listener = socket.create_server(("127.0.0.1", 0), backlog=1024)
        self.listener.setblocking(False)
        self.port: int = self.listener.getsockname()[1]
        self.epoll = select.epoll()
        self.epoll.register(self.listener.fileno(), select.EPOLLIN)
        self.wake_r, self.wake_w = socket.socketpair()
        self.wake_r.setblocking(False)
        self.epoll.register(self.wake_r.fileno(), select.EPOLLIN)
        self.conns: dict[int, Connection] = {}
        self.timers: list[tuple[float, int, Connection, list[bytes], bytes]] = []
        self.order = itertools.count()  # ties in the timer heap: first in, first out
        self.pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="moto")
        # cache key (or a unique key when not cached) -> the requests that wait for moto's answer
        self.waiting: dict[object, list[tuple[Pending, Connection, list[bytes], bytes, float]]] = {}
        self.answered: deque[tuple[object, Response | BaseException]] = deque()
        self.running = True

    # ------------------------------------------------------------------ loop
    def run(self) -> None:
        poll, timers, conns = self.epoll.poll, self.timers, self.conns
        listener, wake = self.listener.fileno(), self.wake_r.fileno()
        monotonic = time.monotonic
        while self.running:
            timeout = max(0.0, timers[0][0] - monotonic()) if timers else 1.0
            for fd, events in poll(timeout):
                if fd == listener:
                    self._accept()
                elif fd == wake:
                    self._answered()
                else:
                    conn = conns.get(fd)
                    if conn is None:
                        continue
                    if events & select.EPOLLOUT:
                        self._flush(conn)
                    if events & (_IN | select.EPOLLERR | select.EPOLLHUP):
                        self._read(conn)
            if timers:
                now = monotonic()
                while timers and timers[0][0] <= now:
                    _, _, conn, slot, out = heapq.heappop(timers)
                    self._fill(conn, slot, out)
        for conn in list(conns.values()):
            self._close(conn)
        self.listener.close()
        self.pool.shutdown(wait=False, cancel_futures=True)

    def stop(self) -> None:
        self.running = False
        self.wake_w.send(b"x")

    def _accept(self) -> None:
        while True:
            try:
                sock, _ = self.listener.accept()
            except (BlockingIOError, InterruptedError):
                return
            sock.setblocking(False)
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            self.conns[sock.fileno()] = Connection(sock)
            self.epoll.register(sock.fileno(), _IN)
            self.backend.counts["connections"] += 1

    def _read(self, conn: Connection) -> None:
        try:
            data = conn.sock.recv(_RECV)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            data = b""
        if not data:
            self._close(conn)
            return
        arrived = time.monotonic()
        buf = conn.buffer + data if conn.buffer else data
        while True:
            if conn.head is None:
                end = buf.find(b"\r\n\r\n")
                if end < 0:
                    if len(buf) > _MAX_HEAD:
                        self._close(conn)
                        return
                    break
                lines = buf[:end].split(b"\r\n")
                try:
                    method, target, _version = lines[0].split(b" ", 2)
                    headers: Headers = {}
                    for line in lines[1:]:
                        name, _, value = line.partition(b":")
                        headers[name.strip().lower()] = value.strip()
                    length = int(headers.get(b"content-length", b"0"))
                except ValueError:
                    self._close(conn)
                    return
                conn.head = (method, target, headers, end + 4, length)
                if len(buf) < end + 4 + length and headers.get(b"expect") == b"100-continue":
                    self._write(conn, _CONTINUE)
            method, target, headers, start, length = conn.head
            if len(buf) < start + length:
                break
            body = buf[start : start + length]
            buf = buf[start + length :]
            conn.head = None
            if headers.get(b"connection", b"").lower() == b"close":
                conn.closing = True
            self._handle(conn, method, target, headers, body, arrived)
        conn.buffer = buf

    # ------------------------------------------------------------------ requests
    def _handle(
        self,
        conn: Connection,
        method: bytes,
        target: bytes,
        headers: Headers,
        body: bytes,
        arrived: float,
    ) -> None:
        slot: list[bytes] = []
        conn.pending.append(slot)
        if target.startswith(b"/__bench/"):  # the bench's own: at once
            self._fill(conn, slot, render(method, self.backend.control(method, target, body)))
            return
        due = arrived + self.delay
        try:
            result = self.backend.answer(method, target, headers, body)
        except Exception as exc:  # a request this proxy cannot read: a 502, as moto's failures
            result = self._failed(exc)
        if isinstance(result, tuple):
            heapq.heappush(self.timers, (due, next(self.order), conn, slot, render(method, result)))
            return
        key: object = result.key if result.key is not None else object()
        waiter = (result, conn, slot, method, due)
        if key in self.waiting:  # the same request is with moto already
            self.waiting[key].append(waiter)
            self.backend.counts["cache_hits"] += 1
            return
        self.waiting[key] = [waiter]
        self.backend.counts["forwarded"] += 1
        future = self.pool.submit(self.backend.fetch, result)
        future.add_done_callback(functools.partial(self._fetched, key))

    def _fetched(self, key: object, future: Future[Response]) -> None:
        """In a worker thread: moto's answer is in; wake the loop."""
        if future.cancelled():  # the server stopped
            return
        exc = future.exception()
        self.answered.append((key, exc if exc is not None else future.result()))
        self.wake_w.send(b"x")

    def _answered(self) -> None:
        with contextlib.suppress(BlockingIOError, InterruptedError):
            self.wake_r.recv(4096)
        while self.answered:
            key, outcome = self.answered.popleft()
            for pending, conn, slot, method, due in self.waiting.pop(key, []):
                if isinstance(outcome, BaseException):
                    response = self._failed(outcome)
                else:
                    response = self.backend.settle(pending, outcome)
                out = render(method, response)
                heapq.heappush(self.timers, (due, next(self.order), conn, slot, out))

    def _failed(self, exc: BaseException) -> Response:
        """moto unreachable (or a request that cannot be read): a 502 the client retries."""
        self.backend.counts["upstream_errors"] += 1
        return json_response(502, {"error": repr(exc)})

    # ------------------------------------------------------------------ answers
    def _fill(self, conn: Connection, slot: list[bytes], out: bytes) -> None:
        """`out` is the answer in `slot`: write every answer that is ready, in order."""
        slot.append(out)
        pending = conn.pending
        while pending and pending[0]:
            self._write(conn, pending.popleft()[0])
        if conn.closing and not pending and not conn.out:
            self._close(conn)

    def _write(self, conn: Connection, data: bytes) -> None:
        if conn.out:  # the socket is full: after what waits
            conn.out += data
            return
        try:
            sent = conn.sock.send(data)  # one send per response
        except (BlockingIOError, InterruptedError):
            sent = 0
        except OSError:
            self._close(conn)
            return
        if sent < len(data):
            conn.out = data[sent:]
            self.epoll.modify(conn.sock.fileno(), _IN | select.EPOLLOUT)

    def _flush(self, conn: Connection) -> None:
        out, conn.out = conn.out, b""
        self.epoll.modify(conn.sock.fileno(), _IN)
        self._write(conn, out)
        if conn.closing and not conn.pending and not conn.out:
            self._close(conn)

    def _close(self, conn: Connection) -> None:
        fd = conn.sock.fileno()
        if self.conns.pop(fd, None) is None:
            return
        with contextlib.suppress(OSError):
            self.epoll.unregister(fd)
        conn.sock.close()
        conn.pending.clear()


def render(method: bytes, response: Response) -> bytes:
    """The response's bytes (HEAD: the header lines only, Content-Length from moto)."""
    status, head, body = response
    if method == b"HEAD":
        return b"HTTP/1.1 %d %s\r\n%s\r\n" % (status, _reason(status), head)
    return b"HTTP/1.1 %d %s\r\n%sContent-Length: %d\r\n\r\n%s" % (
        status, _reason(status), head, len(body), body
    )  # fmt: skip


@functools.cache
def _reason(status: int) -> bytes:
    try:
        return http.client.responses[status].encode()
    except KeyError:
        return b"Unknown"


def start_in_thread(upstream: str, latency_ms: float) -> tuple[str, Callable[[], None]]:
    """A proxy served on a daemon thread: (its URL, a function that stops it)."""
    server = Server(Backend(upstream), latency_ms / 1000.0)
    thread = threading.Thread(target=server.run, daemon=True, name="bench-proxy")
    thread.start()

    def stop() -> None:
        server.stop()
        thread.join(timeout=10)

    return f"http://127.0.0.1:{server.port}", stop


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--upstream", required=True)
    parser.add_argument("--latency-ms", type=float, default=0.0)
    args = parser.parse_args()
    url, stop = start_in_thread(args.upstream, args.latency_ms)
    print(url, flush=True)
    sys.stdin.read()  # until the parent closes our stdin
    stop()


if __name__ == "__main__":
    main()

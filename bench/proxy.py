"""Benchmark back end in front of moto: a fixed delay per call, and optionally replay of templates.

    python bench/proxy.py --upstream http://127.0.0.1:PORT [--latency-ms 50]

Prints its endpoint URL on stdout, then serves until stdin is closed. One asyncio process: every
request waits `--latency-ms` (a real AWS round trip) without holding a thread, so the delay costs
no CPU however many calls are in flight.

Pass-through (the default): every request is forwarded to moto as it came.

Replay (after `POST /__bench/templates {"member": "template", ...}`): moto holds K seeded
template accounts and N accounts that exist only in Organizations. The proxy learns which account
each access key belongs to from the AssumeRole calls passing through it (RoleArn in the request,
AccessKeyId in the response). A request signed with the key of a mapped account is rewritten to
its template: the account id in the path, query, body and headers becomes the template's, and
`x-moto-account-id` (moto's own override of the account an access key maps to) names the
template. moto's answer is cached per (template, region, service, method, path and query,
headers that are not per-call, body), and the template's account id in the answer is replaced
by the real one (Content-Length recomputed). So each account's responses carry its own id, the
scanner does its full work per account and the delay applies to every call, while moto answers
each distinct request once. Calls of unmapped keys (the caller, i.e. the management account,
and AssumeRole itself) are always forwarded.

`POST /__bench/forget-seen` starts the repeated-request count afresh (after a warm-up scan).
`GET /__bench/stats` gives the counters (connections accepted, requests, forwarded to moto,
answered from the cache, repeated requests: the same account, region, service, method, path,
headers and body seen before) and this process's CPU seconds.
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import hashlib
import http.client
import json
import os
import re
import sys
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from urllib.parse import urlsplit

Headers = dict[bytes, bytes]
"""Request headers, names lower-cased."""
Response = tuple[int, bytes, bytes]
"""(status, the header lines without Content-Length, body)"""

_CREDENTIAL = re.compile(rb"Credential=([^/,\s]+)/\d{8}/([^/]+)/([^/]+)/")
_ROLE_ACCOUNT = re.compile(rb"arn(?::|%3A)aws(?::|%3A)iam(?::|%3A)(?::|%3A)(\d{12})(?::|%3A)role")
_ACCESS_KEY = re.compile(rb"<AccessKeyId>([^<]+)</AccessKeyId>")
#: Headers that differ per call (signature, time, SDK ids) or per connection: not in cache keys.
_VOLATILE = frozenset(
    {
        b"authorization",
        b"x-amz-date",
        b"x-amz-security-token",
        b"x-amz-content-sha256",
        b"amz-sdk-invocation-id",
        b"amz-sdk-request",
        b"user-agent",
        b"content-length",
        b"host",
        b"connection",
        b"accept-encoding",
        b"expect",
    }
)
_HOP = frozenset({b"transfer-encoding", b"connection", b"content-length", b"keep-alive"})


class Backend:
    """Forwarding, replay and counters (all on the event loop's thread, except moto calls)."""

    def __init__(self, upstream: str, delay: float, threads: int = 32) -> None:
        target = urlsplit(upstream)
        if not target.hostname or not target.port:
            raise ValueError(f"no host and port in {upstream!r}")
        self.host, self.port = target.hostname, target.port
        self.delay = delay
        self.pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="moto")
        self.local = threading.local()
        self.keys: dict[bytes, bytes] = {}  # access key -> account id (from AssumeRole)
        self.templates: dict[bytes, bytes] = {}  # account id -> template account id
        self.cache: dict[bytes, Response] = {}
        self.inflight: dict[bytes, asyncio.Future[Response]] = {}
        self.seen: set[bytes] = set()
        self.counts: Counter[str] = Counter()

    # ------------------------------------------------------------------ one request
    async def answer(self, method: bytes, target: bytes, headers: Headers, body: bytes) -> Response:
        """(status, the response's header lines, body) for one request; headers lower-cased."""
        self.counts["requests"] += 1
        match = _CREDENTIAL.search(headers.get(b"authorization", b""))
        key, region, service = match.groups() if match else (b"", b"", b"")
        account = self.keys.get(key, b"key:" + key)
        stable = b"\n".join(
            [k + b":" + v for k, v in sorted(headers.items()) if k not in _VOLATILE]
        )
        signature = _digest(account, region, service, method, target, stable, body)
        if signature in self.seen:
            self.counts["repeated"] += 1
        else:
            self.seen.add(signature)
        await asyncio.sleep(self.delay)  # stands in for a real AWS round trip
        template = self.templates.get(account)
        if template is None:
            self.counts["forwarded"] += 1
            response = await self.forward(method, target, headers, body)
            if service == b"sts" and b"Action=AssumeRole" in body and response[0] == 200:
                self._learn(body, response[2])
            return response
        self.counts["replayed"] += 1
        other = template != account
        if other:
            target = target.replace(account, template)
            body = body.replace(account, template)
            stable = stable.replace(account, template)
        cache_key = _digest(template, region, service, method, target, stable, body)
        cached = self.cache.get(cache_key)
        if cached is not None:
            self.counts["cache_hits"] += 1
        else:
            running = self.inflight.get(cache_key)
            if running is not None:
                self.counts["cache_hits"] += 1
                cached = await asyncio.shield(running)
            else:
                self.counts["forwarded"] += 1
                sent = {k: v.replace(account, template) for k, v in headers.items()}
                sent[b"x-moto-account-id"] = template
                future: asyncio.Future[Response] = asyncio.get_running_loop().create_future()
                self.inflight[cache_key] = future
                try:
                    cached = await self.forward(method, target, sent, body)
                except BaseException as exc:
                    future.set_exception(exc)
                    future.exception()  # retrieved: no "never retrieved" warning
                    raise
                finally:
                    del self.inflight[cache_key]
                future.set_result(cached)
                if cached[0] < 500:  # 4xx answers are as deterministic as 2xx ones
                    self.cache[cache_key] = cached
        if not other:
            return cached
        status, head, out_body = cached
        return status, head.replace(template, account), out_body.replace(template, account)

    def _learn(self, request_body: bytes, response_body: bytes) -> None:
        role = _ROLE_ACCOUNT.search(request_body)
        key = _ACCESS_KEY.search(response_body)
        if role and key:
            self.keys[key.group(1)] = role.group(1)

    async def forward(
        self, method: bytes, target: bytes, headers: Headers, body: bytes
    ) -> Response:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self.pool, self._fetch, method, target, headers, body)

    def _fetch(self, method: bytes, target: bytes, headers: Headers, body: bytes) -> Response:
        conn: http.client.HTTPConnection | None = getattr(self.local, "conn", None)
        if conn is None:
            conn = http.client.HTTPConnection(self.host, self.port, timeout=120)
            self.local.conn = conn
        sent = {
            k.decode("latin-1"): v.decode("latin-1")
            for k, v in headers.items()
            if k not in (b"connection", b"host")
        }
        try:
            conn.request(method.decode(), target.decode("latin-1"), body=body or None, headers=sent)
            resp = conn.getresponse()
            data = resp.read()
        except (OSError, http.client.HTTPException):
            conn.close()
            self.local.conn = None
            raise
        lines = [
            f"{k}: {v}\r\n".encode("latin-1")
            for k, v in resp.getheaders()
            if k.lower().encode() not in _HOP
        ]
        if method == b"HEAD":
            lines.append(
                b"Content-Length: %s\r\n" % (resp.getheader("Content-Length") or "0").encode()
            )
        return resp.status, b"".join(lines), data

    # ------------------------------------------------------------------ control
    def control(self, method: bytes, target: bytes, body: bytes) -> Response:
        if method == b"POST" and target == b"/__bench/templates":
            mapping = json.loads(body)
            self.templates.update({k.encode(): v.encode() for k, v in mapping.items()})
            return _json(200, {"templates": len(self.templates)})
        if method == b"POST" and target == b"/__bench/forget-seen":
            self.seen.clear()  # the next scan's repeated requests are counted afresh
            return _json(200, {"seen": 0})
        if target == b"/__bench/stats":
            return _json(
                200,
                {
                    **self.counts,
                    "cpu_s": time.process_time(),
                    "user_s": os.times().user,
                    "system_s": os.times().system,
                    "cached_responses": len(self.cache),
                    "learned_keys": len(self.keys),
                    "templates": len(set(self.templates.values())),
                },
            )
        return _json(404, {"error": "unknown control path"})

    # ------------------------------------------------------------------ HTTP/1.1 server
    async def serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.counts["connections"] += 1
        try:
            while True:
                try:
                    head = await reader.readuntil(b"\r\n\r\n")
                except (asyncio.IncompleteReadError, asyncio.LimitOverrunError):
                    return
                lines = head[:-4].split(b"\r\n")
                method, target, _version = lines[0].split(b" ", 2)
                headers: Headers = {}
                for line in lines[1:]:
                    name, _, value = line.partition(b":")
                    headers[name.strip().lower()] = value.strip()
                if headers.get(b"expect", b"").lower() == b"100-continue":
                    writer.write(b"HTTP/1.1 100 Continue\r\n\r\n")
                length = int(headers.get(b"content-length", b"0"))
                body = await reader.readexactly(length) if length else b""
                if target.startswith(b"/__bench/"):
                    status, out_head, out_body = self.control(method, target, body)
                else:
                    try:
                        status, out_head, out_body = await self.answer(
                            method, target, headers, body
                        )
                    except Exception as exc:  # moto unreachable: a 502 the client retries
                        self.counts["upstream_errors"] += 1
                        status, out_head, out_body = _json(502, {"error": repr(exc)})
                if method == b"HEAD":
                    out = b"HTTP/1.1 %d %s\r\n%s\r\n" % (status, _reason(status), out_head)
                else:
                    out = b"HTTP/1.1 %d %s\r\n%sContent-Length: %d\r\n\r\n%s" % (
                        status, _reason(status), out_head, len(out_body), out_body
                    )  # fmt: skip
                writer.write(out)  # one send per response
                await writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError):
            return
        finally:
            writer.close()


def _digest(*parts: bytes) -> bytes:
    """16 bytes for the parts (length-prefixed: no two different part lists join alike)."""
    lengths = b",".join(b"%d" % len(p) for p in parts)
    return hashlib.blake2b(lengths + b"|" + b"".join(parts), digest_size=16).digest()


def _json(status: int, value: Any) -> Response:
    return status, b"Content-Type: application/json\r\n", json.dumps(value).encode()


@functools.cache
def _reason(status: int) -> bytes:
    try:
        return http.client.responses[status].encode()
    except KeyError:
        return b"Unknown"


async def main_async(upstream: str, latency_ms: float) -> None:
    backend = Backend(upstream, latency_ms / 1000.0)
    server = await asyncio.start_server(backend.serve, "127.0.0.1", 0, backlog=1024)
    port = server.sockets[0].getsockname()[1]
    print(f"http://127.0.0.1:{port}", flush=True)
    loop = asyncio.get_running_loop()
    await loop.run_in_executor(None, sys.stdin.read)  # until the parent closes our stdin
    server.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--upstream", required=True)
    parser.add_argument("--latency-ms", type=float, default=0.0)
    args = parser.parse_args()
    asyncio.run(main_async(args.upstream, args.latency_ms))


if __name__ == "__main__":
    main()

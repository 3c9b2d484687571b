"""Benchmark back end in front of moto: a fixed delay per call, and optionally replay of templates.

    python bench/proxy.py --upstream http://127.0.0.1:PORT [--latency-ms 50]

Prints its endpoint URL on stdout, then serves until stdin is closed. One asyncio process with a
lean HTTP/1.1 keep-alive server of its own (an asyncio.Protocol: requests with Content-Length
bodies, responses in request order, one send per response): every request is answered no sooner
than `--latency-ms` (a real AWS round trip) after it arrived, by a timer, without holding a
thread or a coroutine, so the delay costs no CPU however many calls are in flight.

Pass-through (the default): every request is forwarded to moto as it came.

Replay (after `POST /__bench/templates {"member": "template", ...}`): moto holds K seeded
template accounts and N accounts that exist only in Organizations. The proxy learns which account
each access key belongs to from the AssumeRole calls passing through it (RoleArn in the request,
AccessKeyId in the response), or from `POST /__bench/keys {"access key": "account"}` (the
caller's own key). A request signed with the key of a mapped account is rewritten to its
template: the account id in the path, query, body and headers becomes the template's, and
`x-moto-account-id` (moto's own override of the account an access key maps to) names the
template. moto's answer is cached per (template, region, service, method, path and query,
headers that are not per-call, body), and the template's account id in the answer is replaced
by the real one (Content-Length recomputed). So each account's responses carry its own id, the
scanner does its full work per account and the delay applies to every call, while moto answers
each distinct request once.

The caller's lookups of one member account are replayed from the member's template too, with
the member's id put back in the answer: sts:AssumeRole (RoleArn of a mapped account) and
organizations:ListParents / ListTagsForResource (ChildId / ResourceId of a mapped account). An
AssumeRole answer is moto's answer for the template, made the member's: fresh credentials of
moto's own shapes (an access key id and a role id that encode the member's account as moto's
do, a new secret and session token) and an expiry as far from now as moto's was from the moment
it answered. These answers equal moto's for the member when the member and its template sit in
the same OU with the same tags (the bench seeds them so). DescribeAccount (name, e-mail, join
date differ per account) and every other call about another account are forwarded.

Calls of unmapped keys that are not such lookups are always forwarded.

`POST /__bench/forget-seen` starts the repeated-request count afresh (after a warm-up scan).
`GET /__bench/stats` gives the counters (connections accepted, requests, forwarded to moto,
answered from the cache, repeated requests: the same account, region, service, method, path,
headers and body seen before, AssumeRole answers made from a cached one) and this process's CPU
seconds.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import functools
import hashlib
import http.client
import json
import os
import random
import re
import sys
import threading
import time
from collections import Counter, deque
from collections.abc import Callable, Coroutine
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any, cast
from urllib.parse import urlsplit

Headers = dict[bytes, bytes]
"""Request headers, names lower-cased."""
Response = tuple[int, bytes, bytes]
"""(status, the header lines without Content-Length, body)"""
Swaps = tuple[tuple[bytes, bytes], ...]
"""(real account id, template account id) pairs a request was rewritten with."""

_CREDENTIAL = re.compile(rb"Credential=([^/,\s]+)/\d{8}/([^/]+)/([^/]+)/")
_ROLE_ACCOUNT = re.compile(rb"arn(?::|%3A)aws(?::|%3A)iam(?::|%3A)(?::|%3A)(\d{12})(?::|%3A)role")
_ACCESS_KEY = re.compile(rb"<AccessKeyId>([^<]+)</AccessKeyId>")
#: The Organizations lookups of one account answered from its template (X-Amz-Target suffixes).
_ORG_LOOKUPS = (b".ListParents", b".ListTagsForResource")
_ORG_SUBJECT = re.compile(rb'"(?:ChildId|ResourceId)"\s*:\s*"(\d{12})"')
_SECRET = re.compile(rb"<SecretAccessKey>[^<]*</SecretAccessKey>")
_TOKEN = re.compile(rb"<SessionToken>([^<]*)</SessionToken>")
_EXPIRATION = re.compile(rb"<Expiration>([^<]*)</Expiration>")
_ROLE_ID = re.compile(rb"<AssumedRoleId>[^<:]*:")
#: moto's alphabets and offset for access key and role ids that encode an account id
#: (moto.iam.utils.generate_access_key_id_from_account_id), and for secrets (random_alphanumeric).
_KEY_ALPHABET = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
_ACCOUNT_OFFSET = 549755813888
_SECRET_ALPHABET = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
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
_MAX_HEAD = 64 * 1024


def key_id(account: bytes, prefix: bytes, length: int) -> bytes:
    """An id that encodes `account` as moto's do (ASIA... access keys, AROA... role ids)."""
    number = int(account)
    part = base64.b32encode((number // 2 + _ACCOUNT_OFFSET).to_bytes(5, "big"))
    half = _KEY_ALPHABET[16:] if number % 2 else _KEY_ALPHABET[:16]
    head = prefix + part + bytes([random.choice(half)])
    return head + bytes(random.choices(_KEY_ALPHABET, k=length - len(head)))


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
        self.role_ids: dict[bytes, bytes] = {}  # account id -> its assumed role's id
        self.cache: dict[bytes, Response] = {}
        self.fetched: dict[bytes, datetime] = {}  # cache key of an AssumeRole -> when moto answered
        self.inflight: dict[bytes, asyncio.Future[Response]] = {}
        self.seen: set[bytes] = set()
        self.counts: Counter[str] = Counter()

    # ------------------------------------------------------------------ one request
    def answer(
        self, method: bytes, target: bytes, headers: Headers, body: bytes
    ) -> Response | Coroutine[Any, Any, Response]:
        """The answer to one request (headers lower-cased): at once from the replay cache, or a
        coroutine that asks moto."""
        self.counts["requests"] += 1
        auth = headers.get(b"authorization")
        match = _CREDENTIAL.search(auth) if auth else None
        key, region, service = match.groups() if match else (b"", b"", b"")
        account = self.keys.get(key) or b"key:" + key
        stable = b"\n".join(
            [k + b":" + v for k, v in sorted(headers.items()) if k not in _VOLATILE]
        )
        signature = _digest(account, region, service, method, target, stable, body)
        if signature in self.seen:
            self.counts["repeated"] += 1
        else:
            self.seen.add(signature)
        template = self.templates.get(account)
        swaps: Swaps = () if template is None or template == account else ((account, template),)
        subject = self._subject(service, headers, body)
        if subject is not None:
            swaps += ((subject, self.templates[subject]),)
        elif template is None:
            self.counts["forwarded"] += 1
            return self._forward_unmapped(method, target, headers, body, service)
        self.counts["replayed"] += 1
        for real, tmpl in swaps:
            target = target.replace(real, tmpl)
            body = body.replace(real, tmpl)
            stable = stable.replace(real, tmpl)
        cache_key = _digest(template or account, region, service, method, target, stable, body)
        assumed = subject if service == b"sts" else None
        cached = self.cache.get(cache_key)
        if cached is None:
            return self._replay_miss(
                cache_key, method, target, headers, body, template, swaps, assumed
            )
        self.counts["cache_hits"] += 1
        return self._personal(cached, cache_key, swaps, assumed)

    def _subject(self, service: bytes, headers: Headers, body: bytes) -> bytes | None:
        """The mapped account a lookup of another account is about (AssumeRole, ListParents,
        ListTagsForResource), when its template is another account; else None."""
        if service == b"sts":
            found = _ROLE_ACCOUNT.search(body) if b"Action=AssumeRole&" in body else None
        elif service == b"organizations" and headers.get(b"x-amz-target", b"").endswith(
            _ORG_LOOKUPS
        ):
            found = _ORG_SUBJECT.search(body)
        else:
            return None
        if found is None:
            return None
        subject: bytes = found.group(1)
        template = self.templates.get(subject)
        if template is None or (template == subject and service != b"sts"):
            return None
        return subject

    async def _forward_unmapped(
        self, method: bytes, target: bytes, headers: Headers, body: bytes, service: bytes
    ) -> Response:
        response = await self.forward(method, target, headers, body)
        if service == b"sts" and b"Action=AssumeRole" in body and response[0] == 200:
            self._learn(body, response[2])
        return response

    async def _replay_miss(
        self,
        cache_key: bytes,
        method: bytes,
        target: bytes,
        headers: Headers,
        body: bytes,
        template: bytes | None,
        swaps: Swaps,
        assumed: bytes | None,
    ) -> Response:
        running = self.inflight.get(cache_key)
        if running is not None:
            self.counts["cache_hits"] += 1
            cached = await asyncio.shield(running)
        else:
            self.counts["forwarded"] += 1
            sent = dict(headers)
            for real, tmpl in swaps:
                sent = {k: v.replace(real, tmpl) for k, v in sent.items()}
            if template is not None:
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
            if cached[0] < 500:  # 4xx answers are as deterministic as 2xx ones
                self.fetched[cache_key] = datetime.now(UTC)
                self.cache[cache_key] = cached
            future.set_result(cached)
        return self._personal(cached, cache_key, swaps, assumed)

    def _personal(
        self, cached: Response, cache_key: bytes, swaps: Swaps, assumed: bytes | None
    ) -> Response:
        """The cached answer with each template's id back to the real account's; for an
        AssumeRole into `assumed`, new credentials of that account."""
        status, head, out = cached
        for real, tmpl in swaps:
            head = head.replace(tmpl, real)
            out = out.replace(tmpl, real)
        if assumed is not None and status == 200:
            out = self._credentials(out, assumed, self.fetched.get(cache_key))
        return status, head, out

    def _credentials(self, answer: bytes, account: bytes, fetched: datetime | None) -> bytes:
        """A cached AssumeRole answer made a new one for `account`: new access key, secret and
        session token, the account's role id, the expiry as far from now as moto's was."""
        self.counts["assume_role_replayed"] += 1
        new_key = key_id(account, b"ASIA", 20)
        while new_key in self.keys:
            new_key = key_id(account, b"ASIA", 20)
        role_id = self.role_ids.get(account)
        if role_id is None:
            role_id = self.role_ids[account] = key_id(account, b"AROA", 21)
        answer = _ACCESS_KEY.sub(b"<AccessKeyId>" + new_key + b"</AccessKeyId>", answer, 1)
        secret = bytes(random.choices(_SECRET_ALPHABET, k=40))
        answer = _SECRET.sub(b"<SecretAccessKey>" + secret + b"</SecretAccessKey>", answer, 1)
        answer = _TOKEN.sub(_new_token, answer, 1)
        answer = _ROLE_ID.sub(b"<AssumedRoleId>" + role_id + b":", answer, 1)
        if fetched is not None:
            answer = _EXPIRATION.sub(functools.partial(_new_expiry, fetched), answer, 1)
        self.keys[new_key] = account
        return answer

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
            if k not in (b"connection", b"host", b"expect")
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
        if method == b"POST" and target == b"/__bench/keys":
            keys = json.loads(body)
            self.keys.update({k.encode(): v.encode() for k, v in keys.items()})
            return _json(200, {"keys": len(self.keys)})
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
    def handle(self, conn: Connection, method: bytes, target: bytes, h: Headers, b: bytes) -> None:
        """Answer one request on `conn`: control paths at once, the rest `delay` after now."""
        slot = conn.reserve()
        if target.startswith(b"/__bench/"):
            conn.fill(slot, _render(method, self.control(method, target, b)))
            return
        loop = asyncio.get_running_loop()
        due = loop.time() + self.delay
        try:
            result = self.answer(method, target, h, b)
        except Exception as exc:  # a request this proxy cannot read: a 502, as moto's failures
            result = self._failed(exc)
        if isinstance(result, tuple):
            loop.call_at(due, conn.fill, slot, _render(method, result))
            return
        task = loop.create_task(result)
        task.add_done_callback(functools.partial(self._done, conn, slot, method, due))

    def _done(
        self, conn: Connection, slot: list[bytes], method: bytes, due: float, task: Any
    ) -> None:
        if task.cancelled():  # the loop is shutting down
            return
        exc = task.exception()
        response = self._failed(exc) if exc is not None else task.result()
        asyncio.get_running_loop().call_at(due, conn.fill, slot, _render(method, response))

    def _failed(self, exc: BaseException) -> Response:
        """moto unreachable (or a request that cannot be read): a 502 the client retries."""
        self.counts["upstream_errors"] += 1
        return _json(502, {"error": repr(exc)})


class Connection(asyncio.Protocol):
    """One keep-alive client connection: reads requests, writes their answers in order."""

    def __init__(self, backend: Backend) -> None:
        self.backend = backend
        self.transport: asyncio.Transport | None = None
        self.buffer = b""
        self.head: tuple[bytes, bytes, Headers, int, int] | None = None  # waiting for its body
        self.pending: deque[list[bytes]] = deque()  # answers in request order ([] until ready)
        self.closing = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)
        self.backend.counts["connections"] += 1

    def connection_lost(self, exc: Exception | None) -> None:
        self.transport = None

    def data_received(self, data: bytes) -> None:
        buf = self.buffer + data if self.buffer else data
        while True:
            if self.head is None:
                end = buf.find(b"\r\n\r\n")
                if end < 0:
                    if len(buf) > _MAX_HEAD:
                        self._abort()
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
                    self._abort()
                    return
                self.head = (method, target, headers, end + 4, length)
                if len(buf) < end + 4 + length and headers.get(b"expect") == b"100-continue":
                    self._write(b"HTTP/1.1 100 Continue\r\n\r\n")
            method, target, headers, start, length = self.head
            if len(buf) < start + length:
                break
            body = buf[start : start + length]
            buf = buf[start + length :]
            self.head = None
            if headers.get(b"connection", b"").lower() == b"close":
                self.closing = True
            self.backend.handle(self, method, target, headers, body)
        self.buffer = buf

    def reserve(self) -> list[bytes]:
        slot: list[bytes] = []
        self.pending.append(slot)
        return slot

    def fill(self, slot: list[bytes], out: bytes) -> None:
        """`out` is the answer in `slot`: write every answer that is ready, in order."""
        slot.append(out)
        pending = self.pending
        while pending and pending[0]:
            self._write(pending.popleft()[0])
        if self.closing and not pending and self.transport is not None:
            self.transport.close()

    def _write(self, data: bytes) -> None:
        if self.transport is not None and not self.transport.is_closing():
            self.transport.write(data)  # one send per response

    def _abort(self) -> None:
        if self.transport is not None:
            self.transport.close()


def _render(method: bytes, response: Response) -> bytes:
    status, head, body = response
    if method == b"HEAD":
        return b"HTTP/1.1 %d %s\r\n%s\r\n" % (status, _reason(status), head)
    return b"HTTP/1.1 %d %s\r\n%sContent-Length: %d\r\n\r\n%s" % (
        status, _reason(status), head, len(body), body
    )  # fmt: skip


def _new_token(match: re.Match[bytes]) -> bytes:
    """A session token as long as the cached one, with its prefix (moto's), the rest new."""
    old = match.group(1)
    keep = min(len(old), 17)
    fresh = base64.b64encode(os.urandom(len(old)))[: len(old) - keep]
    return b"<SessionToken>" + old[:keep] + fresh + b"</SessionToken>"


def _new_expiry(fetched: datetime, match: re.Match[bytes]) -> bytes:
    """The expiry as far from now as the cached one was from when moto answered."""
    old = match.group(1).decode()
    try:
        expiry = datetime.fromisoformat(old.replace("Z", "+00:00"))
    except ValueError:
        return match.group(0)
    new = datetime.now(UTC) + (expiry - fetched)
    text = new.strftime("%Y-%m-%dT%H:%M:%S.%f" if "." in old else "%Y-%m-%dT%H:%M:%S")
    return b"<Expiration>" + text.encode() + (b"Z" if old.endswith("Z") else b"") + b"</Expiration>"


def _digest(a: bytes, b: bytes, c: bytes, d: bytes, e: bytes, f: bytes, g: bytes) -> bytes:
    """16 bytes for the parts (length-prefixed: no two different part lists join alike)."""
    lengths = b"%d,%d,%d,%d,%d,%d,%d|" % (len(a), len(b), len(c), len(d), len(e), len(f), len(g))
    return hashlib.blake2b(b"".join((lengths, a, b, c, d, e, f, g)), digest_size=16).digest()


def _json(status: int, value: Any) -> Response:
    return status, b"Content-Type: application/json\r\n", json.dumps(value).encode()


@functools.cache
def _reason(status: int) -> bytes:
    try:
        return http.client.responses[status].encode()
    except KeyError:
        return b"Unknown"


async def serve(upstream: str, latency_ms: float, host: str = "127.0.0.1") -> asyncio.Server:
    """A listening proxy in front of `upstream` on a free port of `host`."""
    backend = Backend(upstream, latency_ms / 1000.0)
    loop = asyncio.get_running_loop()
    factory: Callable[[], Connection] = functools.partial(Connection, backend)
    return await loop.create_server(factory, host, 0, backlog=1024)


def start_in_thread(upstream: str, latency_ms: float) -> tuple[str, Callable[[], None]]:
    """A proxy served by an event loop on a daemon thread: (its URL, a function that stops it)."""
    loop = asyncio.new_event_loop()
    threading.Thread(target=loop.run_forever, daemon=True, name="bench-proxy").start()
    server = asyncio.run_coroutine_threadsafe(serve(upstream, latency_ms), loop).result(30)
    port = server.sockets[0].getsockname()[1]

    def stop() -> None:
        loop.call_soon_threadsafe(server.close)
        loop.call_soon_threadsafe(loop.stop)

    return f"http://127.0.0.1:{port}", stop


async def main_async(upstream: str, latency_ms: float) -> None:
    server = await serve(upstream, latency_ms)
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

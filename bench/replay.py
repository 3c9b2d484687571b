"""The benchmark proxy's answers: forwarding to moto, replay of template accounts, counters.

Pass-through (the default): every request is forwarded to moto as it came.

Replay (after `POST /__bench/templates {"member": "template", ...}`): moto holds K seeded
template accounts and N accounts that exist only in Organizations. The proxy learns which account
each access key belongs to from the AssumeRole answers it gives, or from
`POST /__bench/keys {"access key": "account"}` (the caller's own key). A request signed with the
key of a mapped account is rewritten to its template: the account id in the path, query, body
and headers becomes the template's, and `x-moto-account-id` (moto's own override of the account
an access key maps to) names the template. moto's answer is cached per (template, region,
service, method, path and query, headers that are not per-call, body), and the template's
account id in the answer is replaced by the real one (Content-Length recomputed). So each
account's responses carry its own id, the scanner does its full work per account, while moto
answers each distinct request once.

The caller's lookups of one member account are replayed from the member's template too, with
the member's id put back in the answer: sts:AssumeRole (RoleArn of a mapped account) and
organizations:ListParents / ListTagsForResource (ChildId / ResourceId of a mapped account). An
AssumeRole answer is moto's answer for the template made the member's: new credentials of moto's
own shapes (an access key id and a role id that encode the member's account as moto's do, a new
secret and session token) and an expiry as far from now as moto's was from the moment it
answered. These answers equal moto's for the member when the member and its template sit in the
same OU with the same tags (the bench seeds them so, and `scan_bench.py --validate` compares the
OU paths and tags of the findings). DescribeAccount (its name, e-mail and join date differ per
account) and every other call about another account are forwarded.

Calls of unmapped keys that are not such lookups are always forwarded (AssumeRole answers teach
the proxy the new key's account).

`POST /__bench/forget-seen` starts the repeated-request count afresh (after a warm-up scan).
`GET /__bench/stats` gives the counters (connections accepted, requests, forwarded to moto,
answered from the cache, repeated requests: the same account, region, service, method, path,
headers and body seen before, AssumeRole answers made from a cached one) and this process's CPU
seconds.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import http.client
import json
import os
import random
import re
import threading
import time
from collections import Counter
from datetime import UTC, datetime
from typing import Any
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
#: moto's alphabet and offset for the access key and role ids that encode an account id
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


def key_id(account: bytes, prefix: bytes, length: int) -> bytes:
    """An id that encodes `account` as moto's do (ASIA... access keys, AROA... role ids)."""
    number = int(account)
    part = base64.b32encode((number // 2 + _ACCOUNT_OFFSET).to_bytes(5, "big"))
    half = _KEY_ALPHABET[16:] if number % 2 else _KEY_ALPHABET[:16]
    head = prefix + part + bytes([random.choice(half)])
    return head + bytes(random.choices(_KEY_ALPHABET, k=length - len(head)))


class Pending:
    """A request moto must answer: what to send, and how to make the answer this request's."""

    __slots__ = ("assumed", "body", "headers", "key", "method", "swaps", "target", "template")

    def __init__(
        self,
        key: bytes | None,
        method: bytes,
        target: bytes,
        headers: Headers,
        body: bytes,
        template: bytes | None = None,
        swaps: Swaps = (),
        assumed: bytes | None = None,
    ) -> None:
        self.key = key  # the cache key; None: forwarded, not cached
        self.method, self.target, self.headers, self.body = method, target, headers, body
        self.template = template
        self.swaps = swaps
        self.assumed = assumed  # AssumeRole into this account: new credentials


class Backend:
    """Answers from the replay cache, requests for moto, counters. Not thread-safe: one thread
    calls everything but `fetch`, which the server's worker threads call."""

    def __init__(self, upstream: str) -> None:
        target = urlsplit(upstream)
        if not target.hostname or not target.port:
            raise ValueError(f"no host and port in {upstream!r}")
        self.host, self.port = target.hostname, target.port
        self.local = threading.local()
        self.keys: dict[bytes, bytes] = {}  # access key -> account id
        self.templates: dict[bytes, bytes] = {}  # account id -> template account id
        self.role_ids: dict[bytes, bytes] = {}  # account id -> its assumed role's id
        self.cache: dict[bytes, Response] = {}
        self.fetched: dict[bytes, datetime] = {}  # cache key -> when moto answered it
        self.seen: set[bytes] = set()
        self.counts: Counter[str] = Counter()

    # ------------------------------------------------------------------ one request
    def answer(
        self, method: bytes, target: bytes, headers: Headers, body: bytes
    ) -> Response | Pending:
        """The answer from the replay cache, or what moto must be asked (headers lower-cased)."""
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
            if self.templates[subject] != subject:
                swaps += ((subject, self.templates[subject]),)
        elif template is None:
            return Pending(None, method, target, headers, body)
        self.counts["replayed"] += 1
        for real, tmpl in swaps:
            target = target.replace(real, tmpl)
            body = body.replace(real, tmpl)
            stable = stable.replace(real, tmpl)
        cache_key = _digest(template or account, region, service, method, target, stable, body)
        assumed = subject if service == b"sts" else None
        cached = self.cache.get(cache_key)
        if cached is None:
            return Pending(cache_key, method, target, headers, body, template, swaps, assumed)
        self.counts["cache_hits"] += 1
        return self._personal(cached, cache_key, swaps, assumed)

    def _subject(self, service: bytes, headers: Headers, body: bytes) -> bytes | None:
        """The mapped account a lookup of one account is about (AssumeRole, ListParents,
        ListTagsForResource), or None."""
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
        return subject if subject in self.templates else None

    def settle(self, pending: Pending, response: Response) -> Response:
        """moto's `response` to `pending` cached (when it is a replayed request), learnt from
        (an AssumeRole of an unmapped key) and made the request's own."""
        if pending.key is None:
            if b"Action=AssumeRole&" in pending.body and response[0] == 200:
                self._learn(pending.body, response[2])
            return response
        if pending.key not in self.cache and response[0] < 500:  # 4xx: as deterministic
            self.cache[pending.key] = response
            self.fetched[pending.key] = datetime.now(UTC)
        return self._personal(response, pending.key, pending.swaps, pending.assumed)

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

    # ------------------------------------------------------------------ moto (worker threads)
    def fetch(self, pending: Pending) -> Response:
        """moto's answer to `pending` (the template's request, as `x-moto-account-id`)."""
        headers = pending.headers
        for real, tmpl in pending.swaps:
            headers = {k: v.replace(real, tmpl) for k, v in headers.items()}
        if pending.template is not None:
            headers = {**headers, b"x-moto-account-id": pending.template}
        conn: http.client.HTTPConnection | None = getattr(self.local, "conn", None)
        if conn is None:
            conn = http.client.HTTPConnection(self.host, self.port, timeout=120)
            self.local.conn = conn
        sent = {
            k.decode("latin-1"): v.decode("latin-1")
            for k, v in headers.items()
            if k not in (b"connection", b"host", b"expect")
        }
        method, target = pending.method.decode(), pending.target.decode("latin-1")
        try:
            conn.request(method, target, body=pending.body or None, headers=sent)
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
        if method == "HEAD":
            lines.append(
                b"Content-Length: %s\r\n" % (resp.getheader("Content-Length") or "0").encode()
            )
        return resp.status, b"".join(lines), data

    # ------------------------------------------------------------------ control
    def control(self, method: bytes, target: bytes, body: bytes) -> Response:
        """The /__bench/* paths."""
        if method == b"POST" and target == b"/__bench/templates":
            mapping = json.loads(body)
            self.templates.update({k.encode(): v.encode() for k, v in mapping.items()})
            return json_response(200, {"templates": len(self.templates)})
        if method == b"POST" and target == b"/__bench/keys":
            keys = json.loads(body)
            self.keys.update({k.encode(): v.encode() for k, v in keys.items()})
            return json_response(200, {"keys": len(self.keys)})
        if method == b"POST" and target == b"/__bench/forget-seen":
            self.seen.clear()  # the next scan's repeated requests are counted afresh
            return json_response(200, {"seen": 0})
        if target == b"/__bench/stats":
            times = os.times()
            return json_response(
                200,
                {
                    **self.counts,
                    "cpu_s": time.process_time(),
                    "user_s": times.user,
                    "system_s": times.system,
                    "cached_responses": len(self.cache),
                    "learned_keys": len(self.keys),
                    "templates": len(set(self.templates.values())),
                },
            )
        return json_response(404, {"error": "unknown control path"})


def json_response(status: int, value: Any) -> Response:
    return status, b"Content-Type: application/json\r\n", json.dumps(value).encode()


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

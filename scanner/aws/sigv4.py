"""AWS Signature Version 4 for one request held as plain values: botocore's SigV4Auth, byte for
byte (tests/test_sigv4.py signs the same requests with both), without its header objects.

botocore signs an AWSRequest whose headers are email.message objects, derives the signing key
(four HMACs) for every request and computes the headers to sign twice; for a scan's small read
requests that was about a fifth of the CPU of a call. Here the headers are a dict, and the
signing key is derived once per (secret key, day, region, service).
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import threading
import time
from collections.abc import MutableMapping
from urllib.parse import quote, urlsplit

from botocore.auth import SIGNED_HEADERS_BLACKLIST
from botocore.utils import normalize_url_path

ALGORITHM = "AWS4-HMAC-SHA256"
TIMESTAMP_FORMAT = "%Y%m%dT%H%M%SZ"
_SKIPPED = frozenset(SIGNED_HEADERS_BLACKLIST)
#: Headers the signer sets itself; a request that already carries one is not signed here.
OWN_HEADERS = frozenset(
    {"authorization", "x-amz-date", "date", "x-amz-security-token", "x-amz-content-sha256"}
)
_DEFAULT_PORTS = {"http": 80, "https": 443}

_KEYS: dict[tuple[str, str, str, str], bytes] = {}
_KEYS_LOCK = threading.Lock()
_MAX_KEYS = 4096


def signing_key(secret_key: str, day: str, region: str, service: str) -> bytes:
    """The derived key of (secret key, day YYYYMMDD, region, service), computed once."""
    cache_key = (secret_key, day, region, service)
    key = _KEYS.get(cache_key)
    if key is None:
        key = _hmac(f"AWS4{secret_key}".encode(), day)
        for part in (region, service, "aws4_request"):
            key = _hmac(key, part)
        with _KEYS_LOCK:
            if len(_KEYS) >= _MAX_KEYS:
                _KEYS.clear()
            _KEYS[cache_key] = key
    return key


def _hmac(key: bytes, message: str) -> bytes:
    return hmac.new(key, message.encode("utf-8"), hashlib.sha256).digest()


def timestamp() -> str:
    """Now, as SigV4 writes it (UTC)."""
    return time.strftime(TIMESTAMP_FORMAT, time.gmtime())


@functools.lru_cache(maxsize=1024)
def _canonical_uri(path: str) -> str:
    return quote(normalize_url_path(path), safe="/~")


@functools.lru_cache(maxsize=256)
def _host(scheme: str, netloc: str) -> str:
    parts = urlsplit(f"{scheme}://{netloc}")
    host = parts.hostname or ""
    if ":" in host:  # an IPv6 literal
        host = f"[{host}]"
    if parts.port is not None and parts.port != _DEFAULT_PORTS.get(parts.scheme):
        host = f"{host}:{parts.port}"
    return host


def _canonical_query(query: str) -> str:
    if not query:
        return ""
    pairs = []
    for pair in query.split("&"):
        key, _, value = pair.partition("=")
        pairs.append((key, value))
    return "&".join(f"{key}={value}" for key, value in sorted(pairs))


def sign(
    method: str,
    url: str,
    headers: MutableMapping[str, str],
    body: bytes | None,
    credentials: tuple[str, str, str | None],
    region: str,
    service: str,
    when: str,
) -> None:
    """Add X-Amz-Date, X-Amz-Security-Token (with a session token) and Authorization to
    `headers`, as botocore's SigV4Auth.add_auth does for a request without a Date header.

    `credentials` is (access key, secret key, token); `when` a TIMESTAMP_FORMAT string. The
    caller makes sure no header of OWN_HEADERS is set already.
    """
    access_key, secret_key, token = credentials
    headers["X-Amz-Date"] = when
    if token:
        headers["X-Amz-Security-Token"] = token
    parts = urlsplit(url)
    signed: dict[str, str] = {}
    for name, value in headers.items():
        lower = name.lower()
        if lower not in _SKIPPED:
            value = " ".join(value.split())
            signed[lower] = f"{signed[lower]},{value}" if lower in signed else value
    if "host" not in signed:
        signed["host"] = _host(parts.scheme, parts.netloc)
    names = sorted(signed)
    signed_headers = ";".join(names)
    canonical = "\n".join(
        (
            method.upper(),
            _canonical_uri(parts.path),
            _canonical_query(parts.query),
            "".join(f"{name}:{signed[name]}\n" for name in names),
            signed_headers,
            hashlib.sha256(body or b"").hexdigest(),
        )
    )
    day = when[:8]
    scope = f"{day}/{region}/{service}/aws4_request"
    to_sign = "\n".join(
        (ALGORITHM, when, scope, hashlib.sha256(canonical.encode("utf-8")).hexdigest())
    )
    signature = hmac.new(
        signing_key(secret_key, day, region, service), to_sign.encode("utf-8"), hashlib.sha256
    ).hexdigest()
    headers["Authorization"] = (
        f"{ALGORITHM} Credential={access_key}/{scope}, "
        f"SignedHeaders={signed_headers}, Signature={signature}"
    )

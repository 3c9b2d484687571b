"""The HTTP exchange of a scan's calls: a request written and its response read on a pooled
connection in a few buffered reads, without http.client's and urllib3's per-request machinery.

For a scan's small calls, botocore's `URLLib3Session.send` (urllib3's `urlopen`, http.client's
request writer and its header parser built on the email package) was the largest part of a
call's CPU time after the parsing of the answer. `send` does the same exchange on the same
connections (the shared session's pools, scanner.aws.pools, so the same TLS settings, timeouts
and keep-alive) and answers what botocore's `send` answers: an `AWSResponse` whose headers are
urllib3's `HTTPHeaderDict`, or botocore's exception for the failure (a refused or timed-out
connection, a read timeout, a connection closed mid-answer, a TLS error), which its retry
policy knows.

A request takes botocore's own `send` when this exchange would not be byte for byte what
urllib3 writes: a proxy, a streamed answer, a body that is not bytes or text, chunked upload,
`Expect: 100-continue`, a per-request timeout, a target or header that urllib3 would re-encode
or refuse. What differs on purpose: an answer shorter than its Content-Length is a
`ConnectionClosedError` (botocore retries it) where urllib3, told not to enforce the length,
hands the short body on.
"""

from __future__ import annotations

import re
import socket
import ssl
from typing import Any

from botocore.awsrequest import AWSResponse
from botocore.exceptions import (
    BotoCoreError,
    ConnectionClosedError,
    ConnectTimeoutError,
    EndpointConnectionError,
    HTTPClientError,
    ReadTimeoutError,
    SSLError,
)
from urllib3._collections import HTTPHeaderDict
from urllib3.connection import _get_default_user_agent
from urllib3.exceptions import ConnectTimeoutError as Urllib3ConnectTimeout
from urllib3.exceptions import NewConnectionError
from urllib3.exceptions import SSLError as Urllib3SSLError
from urllib3.util.timeout import Timeout

from scanner.aws.pools import LeanPoolManager, origin_of

MAX_LINE = 65536
"""Longest status or header line read (http.client's limit)."""
MAX_HEADERS = 100
"""Most header lines in an answer (http.client's limit)."""
MAX_CHUNK_LINE = 1024
_NO_BODY_STATUS = frozenset({204, 304})
_DEFAULT_PORTS = {"http": 80, "https": 443}
_STATE = "_trailwatch_direct"
#: Methods urllib3 sends without a Content-Length when they have no body.
_NO_BODY_METHODS = frozenset({"GET", "HEAD", "DELETE", "TRACE", "OPTIONS", "CONNECT"})
_URLLIB3_AGENT = _get_default_user_agent()


class ProtocolProblem(Exception):
    """An answer that is not HTTP/1.x as expected (reported as the connection closed)."""


class _Body:
    """The `raw` of an AWSResponse whose body is already read."""

    __slots__ = ("data",)

    def __init__(self, data: bytes) -> None:
        self.data = data

    def stream(self, *_: Any, **__: Any) -> Any:
        yield self.data


def direct(session: Any) -> bool:
    """Does `session` (a botocore URLLib3Session) send straight to the endpoints, on a
    LeanPoolManager's pools (no proxy)?"""
    found = session.__dict__.get(_STATE)
    if found is None:
        proxies = getattr(getattr(session, "_proxy_config", None), "_proxies", None)
        found = isinstance(session.__dict__.get("_manager"), LeanPoolManager) and not proxies
        session.__dict__[_STATE] = found
    return bool(found)


def send(session: Any, request: Any) -> Any:
    """`session.send(request)`, on the lean exchange where it writes what urllib3 would."""
    payload = _wire(request) if direct(session) else None
    if payload is None:
        return session.send(request)
    url = request.url
    try:
        pool = session._manager.connection_from_url(url)
        session._setup_ssl_cert(pool, url, session._verify)
        return exchange(pool, url, request, payload)
    except BotoCoreError:
        raise
    except Exception as exc:  # as botocore's send: any other failure is an HTTPClientError
        raise HTTPClientError(error=exc) from exc


def _wire(request: Any) -> bytes | None:
    """The request as urllib3 and http.client write it (request line, headers, body), or None
    when it must go through botocore's own send."""
    if request.stream_output or getattr(request, "context", {}).get("read_timeout") is not None:
        return None
    body = request.body
    if body is not None and not isinstance(body, (bytes, str)):
        return None
    data = body.encode("utf-8") if isinstance(body, str) else body or b""
    url: str = request.url
    origin = origin_of(url)
    target = url[len(origin) :] or "/"
    if not _TARGET.fullmatch(target):
        return None
    scheme, _, netloc = origin.partition("://")
    host = _host_header(scheme, netloc)
    if host is None:
        return None
    lines = [f"{request.method} {target} HTTP/1.1"]
    names = set()
    for name, value in request.headers.items():
        text = value.decode("latin-1") if isinstance(value, bytes) else str(value)
        if not _plain(name) or "\r" in text or "\n" in text or ":" in name:
            return None
        names.add(name.lower())
        lines.append(f"{name}: {text}")
    if "expect" in names or "transfer-encoding" in names:
        return None
    # urllib3's HTTPConnection.request: Host and Accept-Encoding (http.client's putrequest),
    # the framing header it computes, its own User-Agent, then the request's headers
    first = []
    if "host" not in names:
        first.append(f"Host: {host}")
    if "accept-encoding" not in names:
        first.append("Accept-Encoding: identity")
    if "content-length" not in names:
        if body is not None:
            first.append(f"Content-Length: {len(data)}")
        elif request.method.upper() not in _NO_BODY_METHODS:
            first.append("Content-Length: 0")
    if "user-agent" not in names:
        first.append(f"User-Agent: {_URLLIB3_AGENT}")
    text = "\r\n".join([lines[0], *first, *lines[1:]]) + "\r\n\r\n"
    try:
        return text.encode("latin-1") + data
    except UnicodeEncodeError:
        return None


#: A request target urllib3 sends unchanged: a path from its allowed characters and an optional
#: query, every percent-encoding in upper case (it re-encodes anything else, drops a fragment).
_TARGET = re.compile(r"/(?:[A-Za-z0-9\-._~!$&'()*+,;=:@/?]|%[0-9A-F]{2})*")


def _plain(text: str) -> bool:
    """Printable ASCII without spaces (what urllib3 sends as is)."""
    return text.isascii() and text.isprintable() and " " not in text


def _host_header(scheme: str, netloc: str) -> str | None:
    """http.client's Host header for the pool's host and port: the port only when it is not
    the scheme's default (None for what this exchange does not write: user info, a scheme
    other than HTTP(S))."""
    if "@" in netloc or scheme not in _DEFAULT_PORTS:
        return None
    host, port = netloc, ""
    if netloc.startswith("["):  # an IPv6 literal
        end = netloc.find("]") + 1
        host, rest = netloc[:end], netloc[end:]
        if not end or (rest and not rest.startswith(":")):
            return None
        port = rest[1:]
    elif ":" in netloc:
        host, _, port = netloc.partition(":")
    if port and not port.isdigit():
        return None
    host = host.lower()
    if not port or int(port) == _DEFAULT_PORTS[scheme]:
        return host
    return f"{host}:{int(port)}"


def exchange(pool: Any, url: str, request: Any, payload: bytes) -> AWSResponse:
    """Write `payload` (the request's bytes, `_wire`) on a connection of `pool`, read the
    answer; the connection goes back to the pool when the answer leaves it reusable (closed
    otherwise)."""
    conn = pool._get_conn()
    reusable = False
    try:
        _connect(pool, conn, url)
        pool.num_requests += 1
        sock = conn.sock
        read_timeout = Timeout.resolve_default_timeout(pool.timeout.read_timeout)
        if sock.gettimeout() != read_timeout:
            sock.settimeout(read_timeout)
        try:
            sock.sendall(payload)
        except OSError as exc:
            raise ConnectionClosedError(error=exc, request=request, endpoint_url=url) from exc
        try:
            status, headers, data, reusable = _read_answer(sock, request.method)
        except TimeoutError as exc:
            raise ReadTimeoutError(endpoint_url=url, error=exc) from exc
        except ssl.SSLError as exc:
            if "timed out" in str(exc):
                raise ReadTimeoutError(endpoint_url=url, error=exc) from exc
            raise SSLError(endpoint_url=url, error=exc) from exc
        except (OSError, ProtocolProblem, ValueError) as exc:
            raise ConnectionClosedError(error=exc, request=request, endpoint_url=url) from exc
    finally:
        if not reusable:
            conn.close()
        pool._put_conn(conn)
    response = AWSResponse(url, status, headers, _Body(data))
    response.content  # noqa: B018 - as botocore's send: the body read now
    return response


def _connect(pool: Any, conn: Any, url: str) -> None:
    """Open `conn` if it is not (urllib3's own connect: TLS, socket options), with botocore's
    exception for each failure."""
    if conn.sock is not None:
        return
    try:
        conn.timeout = Timeout.resolve_default_timeout(pool.timeout.connect_timeout)
        pool._validate_conn(conn)  # HTTPS: connects (and warns when not verified)
        if conn.sock is None:
            conn.connect()
    except (NewConnectionError, socket.gaierror) as exc:
        raise EndpointConnectionError(endpoint_url=url, error=exc) from exc
    except Urllib3ConnectTimeout as exc:
        raise ConnectTimeoutError(endpoint_url=url, error=exc) from exc
    except (ssl.SSLError, ssl.CertificateError, Urllib3SSLError) as exc:
        raise SSLError(endpoint_url=url, error=exc) from exc
    except OSError as exc:
        raise EndpointConnectionError(endpoint_url=url, error=exc) from exc


def _read_answer(sock: socket.socket, method: str) -> tuple[int, HTTPHeaderDict, bytes, bool]:
    """Status, headers, body and whether the connection can carry another request."""
    with sock.makefile("rb") as reader:
        while True:
            version, status = _status_line(reader)
            headers = _headers(reader)
            if status != 100:  # http.client skips interim 100 Continue answers
                break
        keep = version == "HTTP/1.1"
        connection = headers.get("connection", "").lower()
        if "close" in connection:
            keep = False
        elif "keep-alive" in connection:
            keep = True
        if method == "HEAD" or status in _NO_BODY_STATUS or 100 <= status < 200:
            return status, headers, b"", keep
        if "chunked" in headers.get("transfer-encoding", "").lower():
            return status, headers, _chunked(reader), keep
        length = headers.get("content-length")
        if length is None:  # the body runs to the end of the connection
            return status, headers, reader.read(), False
        size = _length(length)
        data = reader.read(size)
        if len(data) < size:
            raise ProtocolProblem(f"answer ended after {len(data)} of {size} bytes")
        return status, headers, data, keep


def _status_line(reader: Any) -> tuple[str, int]:
    line = reader.readline(MAX_LINE + 1)
    if not line:
        raise ProtocolProblem("the connection closed before an answer")
    if len(line) > MAX_LINE:
        raise ProtocolProblem("status line too long")
    parts = line.decode("latin-1").rstrip("\r\n").split(None, 2)
    if len(parts) < 2 or not parts[0].startswith("HTTP/1.") or not parts[1].isdigit():
        raise ProtocolProblem(f"not an HTTP/1.x status line: {line[:80]!r}")
    status = int(parts[1])
    if not 100 <= status <= 999:
        raise ProtocolProblem(f"status {status}")
    return parts[0], status


def _headers(reader: Any) -> HTTPHeaderDict:
    pairs: list[tuple[str, str]] = []
    for _ in range(MAX_HEADERS + 1):
        line = reader.readline(MAX_LINE + 1)
        if len(line) > MAX_LINE:
            raise ProtocolProblem("header line too long")
        if line in (b"\r\n", b"\n"):
            headers = HTTPHeaderDict()
            for name, value in pairs:
                headers.add(name, value)
            return headers
        if not line:
            raise ProtocolProblem("the connection closed in the headers")
        text = line.decode("latin-1").rstrip("\r\n")
        if text[0] in " \t" and pairs:  # a folded line continues the header before it
            name, value = pairs[-1]
            pairs[-1] = (name, f"{value} {text.strip()}")
            continue
        name, sep, value = text.partition(":")
        if not sep or not name or name != name.strip():
            raise ProtocolProblem(f"not a header line: {line[:80]!r}")
        pairs.append((name, value.strip()))
    raise ProtocolProblem(f"more than {MAX_HEADERS} headers")


def _length(value: str) -> int:
    sizes = {v.strip() for v in value.split(",")}
    if len(sizes) != 1:
        raise ProtocolProblem(f"conflicting Content-Length: {value!r}")
    size = sizes.pop()
    if not size.isdigit():
        raise ProtocolProblem(f"Content-Length {value!r}")
    return int(size)


def _chunked(reader: Any) -> bytes:
    parts: list[bytes] = []
    while True:
        line = reader.readline(MAX_CHUNK_LINE + 1)
        if not line or len(line) > MAX_CHUNK_LINE:
            raise ProtocolProblem("bad chunk size line")
        size_text = line.split(b";", 1)[0].strip()
        try:
            size = int(size_text, 16)
        except ValueError:
            raise ProtocolProblem(f"bad chunk size {size_text[:20]!r}") from None
        if size == 0:
            for _ in range(MAX_HEADERS + 1):  # trailers, up to the blank line
                trailer = reader.readline(MAX_LINE + 1)
                if trailer in (b"\r\n", b"\n", b""):
                    return b"".join(parts)
            raise ProtocolProblem("too many trailers")
        data = reader.read(size)
        if len(data) < size:
            raise ProtocolProblem("the connection closed in a chunk")
        parts.append(data)
        if reader.readline(3) not in (b"\r\n", b"\n"):
            raise ProtocolProblem("no line end after a chunk")

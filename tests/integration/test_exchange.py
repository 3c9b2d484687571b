"""The lean HTTP exchange (scanner.aws.exchange) against a scripted HTTP server on 127.0.0.1:
the bytes it writes equal urllib3's, the answers it reads equal botocore's, and every failure
is the botocore exception botocore's own send raises for it."""

from __future__ import annotations

import datetime
import ipaddress
import queue
import socket
import ssl
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from botocore.awsrequest import AWSPreparedRequest
from botocore.exceptions import (
    ConnectionClosedError,
    EndpointConnectionError,
    ReadTimeoutError,
    SSLError,
)
from botocore.httpsession import URLLib3Session
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from scanner.aws import exchange
from scanner.aws.pools import lean_pool_manager
from scanner.aws.session import ClientSettings, Sessions

Answer = bytes | Callable[[socket.socket], None]


class Scripted:
    """An HTTP/1.1 server that records each request's bytes and answers from a script."""

    def __init__(self, tls: ssl.SSLContext | None = None) -> None:
        self.tls = tls
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.answers: queue.Queue[Answer] = queue.Queue()
        self.requests: list[bytes] = []
        self.connections = 0
        self._stop = False
        threading.Thread(target=self._accept, daemon=True).start()

    @property
    def url(self) -> str:
        return f"{'https' if self.tls else 'http'}://127.0.0.1:{self.port}"

    def _accept(self) -> None:
        while not self._stop:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            self.connections += 1
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        if self.tls is not None:
            try:
                conn = self.tls.wrap_socket(conn, server_side=True)
            except (ssl.SSLError, OSError):  # the client refused the certificate
                conn.close()
                return
        with conn:
            buffered = b""
            while True:
                while b"\r\n\r\n" not in buffered:
                    data = conn.recv(65536)
                    if not data:
                        return
                    buffered += data
                head, _, rest = buffered.partition(b"\r\n\r\n")
                length = 0
                for line in head.split(b"\r\n")[1:]:
                    name, _, value = line.partition(b":")
                    if name.strip().lower() == b"content-length":
                        length = int(value)
                while len(rest) < length:
                    rest += conn.recv(65536)
                self.requests.append(head + b"\r\n\r\n" + rest[:length])
                buffered = rest[length:]
                answer = self.answers.get(timeout=10)
                if callable(answer):
                    answer(conn)
                    return
                conn.sendall(answer)

    def close(self) -> None:
        self._stop = True
        self.listener.close()


@pytest.fixture
def server() -> Iterator[Scripted]:
    found = Scripted()
    yield found
    found.close()


def _session(timeout: float = 5.0, **kwargs: Any) -> URLLib3Session:
    session = URLLib3Session(timeout=timeout, **kwargs)
    lean_pool_manager(session)
    return session


def _request(
    url: str,
    method: str = "POST",
    body: bytes | str | None = b"Action=Go",
    length: bool = True,
    agent: str | None = None,
) -> Any:
    headers = {"Content-Type": "application/x-www-form-urlencoded", "X-Amz-Date": "20261204T0Z"}
    if agent is not None:
        headers["User-Agent"] = agent
    if length and body is not None and method != "GET":
        headers["Content-Length"] = str(len(body))
    request = AWSPreparedRequest(method, url, headers, body, False)
    request.context = {}
    return request


OK = b"HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\nContent-Length: 5\r\n\r\nhello"


def _closes_after(data: bytes) -> Callable[[socket.socket], None]:
    def answer(conn: socket.socket) -> None:
        conn.sendall(data)

    return answer


@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        {"length": False},  # the Content-Length urllib3 computes
        {"body": None},  # a POST without body: Content-Length 0
        {"body": b"", "length": False},
        {"body": "Action=Go&Name=caf\u00e9", "length": False},  # text, sent as UTF-8
        {"method": "GET", "body": None},  # no Content-Length
        {"agent": "Botocore/1.0 trailwatch"},  # no urllib3 User-Agent
    ],
)
def test_the_request_bytes_equal_urllib3s(server: Scripted, kwargs: dict[str, Any]) -> None:
    plain = _session()
    plain.__dict__[exchange._STATE] = False  # botocore's own send
    lean = _session()
    for session in (plain, lean):
        server.answers.put(OK)
        response = exchange.send(session, _request(server.url + "/a/b?x=1%2F2", **kwargs))
        assert response.status_code == 200
        assert response.content == b"hello"
    botocore_bytes, lean_bytes = server.requests
    assert lean_bytes == botocore_bytes
    assert lean_bytes.split(b"\r\n")[:3] == [
        f"{kwargs.get('method', 'POST')} /a/b?x=1%2F2 HTTP/1.1".encode(),
        f"Host: 127.0.0.1:{server.port}".encode(),
        b"Accept-Encoding: identity",
    ]


def test_answers_read_as_botocore_reads_them(server: Scripted) -> None:
    session = _session()
    server.answers.put(
        b"HTTP/1.1 404 Not Found\r\nX-Amzn-RequestId: r1\r\nSet-Thing: a\r\nset-thing: b\r\n"
        b"Folded: one\r\n two\r\nTransfer-Encoding: chunked\r\n\r\n"
        b"3;ext=1\r\nabc\r\n2\r\nde\r\n0\r\nTrailer: x\r\n\r\n"
    )
    response = exchange.send(session, _request(server.url + "/"))
    assert response.status_code == 404
    assert response.content == b"abcde"
    assert response.headers["x-amzn-requestid"] == "r1"
    assert response.headers["Set-Thing"] == "a, b"
    assert response.headers["folded"] == "one two"
    assert "X-Amzn-RequestId" in list(response.headers)  # names keep their case


def test_a_keep_alive_connection_is_reused_and_a_closed_one_is_not(server: Scripted) -> None:
    session = _session()
    for _ in range(3):
        server.answers.put(OK)
        assert exchange.send(session, _request(server.url + "/")).content == b"hello"
    assert server.connections == 1
    server.answers.put(b"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok")
    server.answers.put(OK)
    assert exchange.send(session, _request(server.url + "/")).content == b"ok"
    assert exchange.send(session, _request(server.url + "/")).content == b"hello"
    assert server.connections == 2


def test_a_body_without_length_runs_to_the_end_of_the_connection(server: Scripted) -> None:
    def answer(conn: socket.socket) -> None:
        conn.sendall(b"HTTP/1.1 200 OK\r\n\r\nall of it")

    server.answers.put(answer)
    server.answers.put(OK)
    assert exchange.send(_session(), _request(server.url + "/")).content == b"all of it"


def test_no_body_after_head_and_204(server: Scripted) -> None:
    session = _session()
    server.answers.put(b"HTTP/1.1 200 OK\r\nContent-Length: 50\r\n\r\n")
    assert exchange.send(session, _request(server.url + "/", "HEAD", None)).content == b""
    server.answers.put(b"HTTP/1.1 204 No Content\r\n\r\n")
    assert exchange.send(session, _request(server.url + "/")).status_code == 204
    server.answers.put(OK)
    assert exchange.send(session, _request(server.url + "/")).content == b"hello"
    assert server.connections == 1


def test_an_interim_100_continue_is_skipped(server: Scripted) -> None:
    server.answers.put(b"HTTP/1.1 100 Continue\r\n\r\n" + OK)
    response = exchange.send(_session(), _request(server.url + "/"))
    assert (response.status_code, response.content) == (200, b"hello")


@pytest.mark.parametrize(
    "data",
    [
        b"",  # closed before any answer
        b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort",  # shorter than its length
        b"SSH-2.0-OpenSSH\r\n\r\n",  # not HTTP
        b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n",  # closed in the headers
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab",  # closed in a chunk
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",  # bad chunk size
        b"HTTP/1.1 200 OK\r\nContent-Length: 1, 2\r\n\r\nab",  # conflicting lengths
        b"HTTP/1.1 200 OK\r\nno colon here\r\n\r\n",
        b"HTTP/1.1 200 OK\r\n" + b"X: y\r\n" * 101 + b"\r\n",  # too many headers
    ],
)
def test_a_broken_answer_is_a_closed_connection_botocore_retries(
    server: Scripted, data: bytes
) -> None:
    server.answers.put(_closes_after(data))
    with pytest.raises(ConnectionClosedError):
        exchange.send(_session(), _request(server.url + "/"))


def test_a_silent_server_is_a_read_timeout(server: Scripted) -> None:
    stop = threading.Event()

    def silent(conn: socket.socket) -> None:
        stop.wait(5)

    server.answers.put(silent)
    try:
        with pytest.raises(ReadTimeoutError):
            exchange.send(_session(timeout=0.3), _request(server.url + "/"))
    finally:
        stop.set()


def test_a_refused_connection_is_an_endpoint_connection_error() -> None:
    with socket.create_server(("127.0.0.1", 0)) as probe:
        port = probe.getsockname()[1]
    with pytest.raises(EndpointConnectionError):
        exchange.send(_session(), _request(f"http://127.0.0.1:{port}/"))


def test_a_connection_the_server_dropped_while_idle_is_opened_again(server: Scripted) -> None:
    session = _session()
    server.answers.put(_closes_after(OK))  # answers, then closes the connection
    assert exchange.send(session, _request(server.url + "/")).content == b"hello"
    server.answers.put(OK)
    for _ in range(50):  # until the close reached this side
        pool = session._manager.connection_from_url(server.url + "/")
        idle = list(pool.pool._items)
        if idle and idle[-1] is not None and not idle[-1].is_connected:
            break
        threading.Event().wait(0.02)
    assert exchange.send(session, _request(server.url + "/")).content == b"hello"
    assert server.connections == 2


@pytest.mark.parametrize(
    ("change", "why"),
    [
        (lambda r: r.headers.__setitem__("Expect", "100-continue"), "Expect"),
        (lambda r: setattr(r, "stream_output", True), "streamed answer"),
        (lambda r: r.context.__setitem__("read_timeout", 3), "per-request timeout"),
        (lambda r: setattr(r, "body", iter([b"x"])), "a body that is not bytes"),
        (lambda r: r.headers.__setitem__("X-Bad", "a\r\nInjected: 1"), "a line break"),
        (lambda r: setattr(r, "url", r.url + "a b"), "a space in the target"),
        (lambda r: setattr(r, "url", r.url + "a%2fb"), "urllib3 upper-cases %2f"),
        (lambda r: setattr(r, "url", r.url + "a{b}"), "urllib3 percent-encodes braces"),
        (lambda r: setattr(r, "url", r.url + "a#frag"), "urllib3 drops a fragment"),
        (lambda r: setattr(r, "url", r.url + "caf\u00e9"), "urllib3 encodes non-ASCII"),
    ],
)
def test_what_urllib3_would_write_otherwise_takes_botocores_send(
    server: Scripted, change: Callable[[Any], None], why: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    session = _session()
    request = _request(server.url + "/")
    change(request)
    assert exchange._wire(request) is None, why
    sent: list[Any] = []

    def botocore_send(r: Any) -> str:
        sent.append(r)
        return "botocore's"

    monkeypatch.setattr(session, "send", botocore_send)
    assert exchange.send(session, request) == "botocore's"
    assert sent == [request]


def test_a_proxied_session_is_not_direct() -> None:
    assert exchange.direct(_session())
    assert not exchange.direct(_session(proxies={"http": "http://127.0.0.1:9"}))
    assert not exchange.direct(URLLib3Session())  # urllib3's own PoolManager


@pytest.mark.parametrize(
    ("scheme", "netloc", "host"),
    [
        ("https", "logs.us-east-1.amazonaws.com", "logs.us-east-1.amazonaws.com"),
        ("https", "Logs.amazonaws.com:443", "logs.amazonaws.com"),
        ("http", "127.0.0.1:80", "127.0.0.1"),
        ("http", "127.0.0.1:8080", "127.0.0.1:8080"),
        ("https", "[::1]:8443", "[::1]:8443"),
        ("https", "[::1]", "[::1]"),
        ("https", "user@host", None),
        ("ftp", "host", None),
        ("https", "host:port", None),
    ],
)
def test_the_host_header_is_http_clients(scheme: str, netloc: str, host: str | None) -> None:
    assert exchange._host_header(scheme, netloc) == host


def test_a_scan_client_sends_through_the_lean_exchange(
    moto_endpoint: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    botocore_sends: list[Any] = []
    original = URLLib3Session.send

    def botocore_send(self: Any, r: Any) -> Any:
        botocore_sends.append(r)
        return original(self, r)

    monkeypatch.setattr(URLLib3Session, "send", botocore_send)
    sessions = Sessions(None, ClientSettings(endpoint_url=moto_endpoint, max_attempts=1))
    sessions.identify("us-east-1")
    client = sessions.caller().client("logs", "us-east-1")
    botocore_sends.clear()
    assert "logGroups" in client.describe_log_groups(limit=1)
    assert "Buckets" in sessions.caller().client("s3", "us-east-1").list_buckets()
    assert botocore_sends == []


def _certificate(where: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 and its key, as PEM files."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(hours=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = where / "cert.pem", where / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_file, key_file


@pytest.fixture
def tls_server(tmp_path: Path) -> Iterator[tuple[Scripted, Path]]:
    cert_file, key_file = _certificate(tmp_path)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_file, key_file)
    found = Scripted(tls=context)
    yield found, cert_file
    found.close()


def test_over_tls_the_same_bytes_on_a_verified_reused_connection(
    tls_server: tuple[Scripted, Path],
) -> None:
    server, ca = tls_server
    plain = _session(verify=str(ca))
    plain.__dict__[exchange._STATE] = False
    lean = _session(verify=str(ca))
    for session in (plain, lean, lean):
        server.answers.put(OK)
        response = exchange.send(session, _request(server.url + "/x"))
        assert (response.status_code, response.content) == (200, b"hello")
    assert server.requests[0] == server.requests[1] == server.requests[2]
    assert server.connections == 2  # botocore's send, then one reused by the lean exchange
    pool = lean._manager.connection_from_url(server.url + "/")
    idle = [c for c in pool.pool._items if c is not None]
    assert idle and isinstance(idle[-1].sock, ssl.SSLSocket)
    assert idle[-1].is_verified


def test_an_untrusted_certificate_is_botocores_ssl_error(
    tls_server: tuple[Scripted, Path],
) -> None:
    server, _ = tls_server
    with pytest.raises(SSLError):  # verified against the default CA bundle: refused
        exchange.send(_session(verify=True), _request(server.url + "/"))
    assert server.requests == []


@pytest.mark.parametrize(
    "target",
    [
        "/",
        "/a/b?x=1%2F2&y=%E2%82%AC",
        "/?Action=DescribeTrails&Version=2013-11-01",
        "/~user/a-b_c.d!$&'()*+,;=:@/?q=/?:@",
        "/a%2fb",
        "/a b",
        "/{x}",
        "/a#f",
        "/caf\u00e9",
        "/100%",
        "/%zz",
        "/a|b^c`d\\e",
    ],
)
def test_a_target_is_sent_as_is_only_when_urllib3_would_not_change_it(target: str) -> None:
    from urllib3.util.url import _encode_target

    assert bool(exchange._TARGET.fullmatch(target)) == (_encode_target(target) == target)


def test_any_other_failure_is_botocores_http_client_error(
    server: Scripted, monkeypatch: pytest.MonkeyPatch
) -> None:
    from botocore.exceptions import HTTPClientError
    from urllib3.exceptions import ClosedPoolError

    session = _session()
    pool = session._manager.connection_from_url(server.url + "/")

    def closed(*_: Any) -> Any:
        raise ClosedPoolError(pool, "Pool is closed.")

    monkeypatch.setattr(pool, "_get_conn", closed)
    with pytest.raises(HTTPClientError) as caught:
        exchange.send(session, _request(server.url + "/"))
    assert type(caught.value) is HTTPClientError  # what botocore's send raises for it
    assert isinstance(caught.value.kwargs["error"], ClosedPoolError)

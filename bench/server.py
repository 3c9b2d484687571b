"""Benchmark back end, run as its own process: a moto server, optionally behind a delaying proxy.

Prints the endpoint URL on stdout, then serves until stdin is closed.
"""

from __future__ import annotations

import argparse
import http.client
import logging
import os
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit


def make_proxy(upstream: str, delay: float) -> ThreadingHTTPServer:
    target = urlsplit(upstream)
    host: str = target.hostname or ""
    if not host:
        raise ValueError(f"no host in {upstream!r}")
    local = threading.local()

    class Delaying(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: object) -> None:
            pass

        def _forward(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else None
            time.sleep(delay)  # stands in for a real AWS round trip
            conn = getattr(local, "conn", None)
            if conn is None:
                conn = http.client.HTTPConnection(host, target.port, timeout=60)
                local.conn = conn
            headers = {k: v for k, v in self.headers.items() if k.lower() != "connection"}
            try:
                conn.request(self.command, self.path, body=body, headers=headers)
                resp = conn.getresponse()
                data = resp.read()
            except (OSError, http.client.HTTPException):
                local.conn = None
                raise
            self.send_response(resp.status)
            for key, value in resp.getheaders():
                if key.lower() not in ("transfer-encoding", "connection", "content-length"):
                    self.send_header(key, value)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = _forward

    server = ThreadingHTTPServer(("127.0.0.1", 0), Delaying)
    server.daemon_threads = True
    return server


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--latency-ms", type=float, default=0.0)
    args = parser.parse_args()
    os.environ["MOTO_EC2_LOAD_DEFAULT_AMIS"] = "false"
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    from moto.server import ThreadedMotoServer

    moto = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    moto.start()
    host, port = moto.get_host_and_port()
    upstream = f"http://{host}:{port}"
    endpoint = upstream
    if args.latency_ms > 0:
        proxy = make_proxy(upstream, args.latency_ms / 1000.0)
        threading.Thread(target=proxy.serve_forever, daemon=True).start()
        endpoint = f"http://127.0.0.1:{proxy.server_address[1]}"
    print(upstream, endpoint, flush=True)
    sys.stdin.read()  # until the parent closes our stdin
    moto.stop()


if __name__ == "__main__":
    main()

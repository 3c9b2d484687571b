"""Benchmark back end, run as its own process: a moto server, optionally behind a delaying proxy.

Prints the endpoint URLs on stdout (moto's, then the proxy's or moto's again), then serves until
stdin is closed. The proxy (bench/proxy.py, pass-through) runs on a thread of this process.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from proxy import start_in_thread


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
        endpoint, _stop = start_in_thread(upstream, args.latency_ms)
    print(upstream, endpoint, flush=True)
    sys.stdin.read()  # until the parent closes our stdin
    moto.stop()


if __name__ == "__main__":
    main()

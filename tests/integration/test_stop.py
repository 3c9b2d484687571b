"""SIGTERM/SIGINT during slow collection: the scan stops at once, exit 130, nothing written.

The scan runs as its own process against moto behind a FaultProxy that holds every answer of
the collectors' calls for a minute (the client's read timeout is 30 s, with retries). The
signal comes once those calls are in flight and more are queued behind them.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tests.faults import Fault, FaultProxy, Rule

#: Collection calls of the default account's datasets; discovery (STS, DescribeRegions) is fast.
SLOW_OPS = frozenset(
    {
        "DescribeTrails",
        "DescribeLogGroups",
        "DescribeMetricFilters",
        "DescribeAlarms",
        "DescribeVpcs",
        "DescribeFlowLogs",
        "ListKeys",
        "ListAliases",
        "ListBuckets",
        "DescribeConfigurationRecorders",
        "DescribeConfigurationRecorderStatus",
        "DescribeDeliveryChannels",
        "ListRules",
        "GetPublicAccessBlock",
    }
)
#: A bound on hanging, not a timing benchmark (bench/stop_bench.py measures the latency).
STOP_BOUND_S = 15.0


def _in_flight(proxy: FaultProxy) -> int:
    return sum(n for (_service, op), n in list(proxy.stats.requests.items()) if op in SLOW_OPS)


def test_sigterm_during_slow_collection_stops_at_once(
    fault_proxy: Callable[..., Any], tmp_path: Path
) -> None:
    proxy: FaultProxy = fault_proxy(rules=[Rule(Fault.TIMEOUT, SLOW_OPS)], timeout_s=60.0)
    out = tmp_path / "out"
    env = dict(os.environ)
    env.pop("AWS_ENDPOINT_URL", None)
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "scanner.app.cli",
            "scan",
            "--regions",
            "us-east-1,eu-west-1",
            "--max-workers",
            "2",  # two calls in flight, the rest queued
            "--endpoint-url",
            proxy.endpoint,
            "--output-dir",
            str(out),
            "--save-inventory",
            str(tmp_path / "inventory.json"),
            "-q",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        deadline = time.monotonic() + 60
        while _in_flight(proxy) < 2 and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert _in_flight(proxy) >= 2, "collection never started"
        time.sleep(0.2)
        started = time.monotonic()
        proc.send_signal(signal.SIGTERM)  # SIGINT: same handler
        _, stderr = proc.communicate(timeout=STOP_BOUND_S)
        elapsed = time.monotonic() - started
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 130, stderr
    assert elapsed < STOP_BOUND_S
    assert [line for line in stderr.splitlines() if line.strip()] == [
        stderr.strip()
    ] and "Traceback" not in stderr
    leftovers = [p.name for p in out.iterdir()] if out.exists() else []
    assert leftovers == [] and not (tmp_path / "inventory.json").exists()

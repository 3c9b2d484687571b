"""Credentials that AWS rejects, and an endpoint that refuses connections: one line, exit 2."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.faults import Fault, Rule

EXPIRED = "The security token included in the request is expired"


def _scan(endpoint: str, cwd: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    env.pop("AWS_ENDPOINT_URL", None)
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "scanner.app.cli",
            "scan",
            "--regions",
            "us-east-1",
            "--endpoint-url",
            endpoint,
            "--output-dir",
            str(cwd / "out"),
            *extra,
        ],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        cwd=cwd,
        check=False,
    )


def _one_error_line(proc: subprocess.CompletedProcess[str]) -> str:
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, lines
    assert lines[0].startswith("trailwatch: error:")
    return lines[0]


@pytest.mark.parametrize("code", ["ExpiredToken", "ExpiredTokenException", "InvalidClientTokenId"])
def test_expired_or_rejected_credentials_are_one_line_exit_2(
    code: str, fault_proxy: Callable[..., Any], tmp_path: Path
) -> None:
    expired = Rule(Fault.DENIED, frozenset({"GetCallerIdentity"}), code=code, message=EXPIRED)
    proxy = fault_proxy(rules=[expired])
    line = _one_error_line(_scan(proxy.endpoint, tmp_path))
    assert code in line
    assert proxy.stats.injected[Fault.DENIED] == 1  # rejected credentials are not retried
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


def test_credentials_expiring_mid_scan_become_not_available_data(
    fault_proxy: Callable[..., Any], tmp_path: Path
) -> None:
    """Once the caller is known, an expired token on a call is an error of that dataset."""
    expired = Rule(
        Fault.DENIED, frozenset({"DescribeTrails"}), code="ExpiredToken", message=EXPIRED
    )
    proxy = fault_proxy(rules=[expired])
    proc = _scan(proxy.endpoint, tmp_path, "--checks", "CloudTrail.3")
    assert proc.returncode == 3, proc.stderr
    assert "Traceback" not in proc.stderr


def _refusing_endpoint() -> str:
    """A loopback port with nothing listening (bound, then closed): connections are refused."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def test_endpoint_refusing_connections_is_one_line_exit_2(tmp_path: Path) -> None:
    endpoint = _refusing_endpoint()
    with socket.socket() as probe:
        assert probe.connect_ex(("127.0.0.1", int(endpoint.rsplit(":", 1)[1]))) != 0
    line = _one_error_line(_scan(endpoint, tmp_path))
    assert "endpoint" in line.lower()


def test_unreadable_aws_credentials_file_is_one_line_exit_2(tmp_path: Path) -> None:
    broken = tmp_path / "credentials"
    broken.write_text("aws_access_key_id = AKIAEXAMPLE\n[default\n")  # no section header
    env = dict(os.environ)
    for key in ("AWS_ENDPOINT_URL", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        env.pop(key, None)
    env.update(AWS_SHARED_CREDENTIALS_FILE=str(broken), AWS_CONFIG_FILE=os.devnull)
    proc = subprocess.run(
        [sys.executable, "-m", "scanner.app.cli", "scan", "--regions", "us-east-1",
         "--endpoint-url", "http://127.0.0.1:9", "--output-dir", str(tmp_path / "out")],
        capture_output=True, text=True, timeout=120, env=env, cwd=tmp_path, check=False,
    )  # fmt: skip
    _one_error_line(proc)

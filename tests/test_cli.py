"""CLI behaviour: bad input gives one clear line and exit 2, never a traceback."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest


def _run(
    *args: str, env: dict[str, str] | None = None, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    base = dict(os.environ)
    base.pop("AWS_ENDPOINT_URL", None)
    if env is not None:
        base.update(env)
    return subprocess.run(
        [sys.executable, "-m", "scanner.app.cli", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env=base,
        cwd=cwd,
        check=False,
    )


@pytest.mark.parametrize(
    "args",
    [
        ("scan", "--checks", "CloudTrail.99"),
        ("scan", "--regions", "us-east-1,mars-north-7"),
        ("scan", "--format", "json,pdf"),
        ("scan", "--fail-on", "urgent"),
        ("scan", "--accounts", "12345"),
        ("scan", "--log-archive-account", "12345"),
        ("scan", "--log-archive-account", "111111111111,222222222222"),
        ("scan", "--max-workers", "0"),
        ("scan", "--from-inventory", "/nonexistent/inventory.json"),
        ("scan", "--processes", "-1"),
    ],
)
def test_bad_input_is_one_line_exit_2(args: tuple[str, ...], tmp_path: Path) -> None:
    proc = _run(*args, "--endpoint-url", "http://127.0.0.1:9", cwd=tmp_path)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("trailwatch: error:")


def test_no_credentials_exit_2(tmp_path: Path) -> None:
    env = {
        "AWS_ACCESS_KEY_ID": "",
        "AWS_SECRET_ACCESS_KEY": "",
        "AWS_SESSION_TOKEN": "",
        "AWS_CONFIG_FILE": os.devnull,
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
        "AWS_EC2_METADATA_DISABLED": "true",
    }
    proc = _run("scan", "--endpoint-url", "http://127.0.0.1:9", env=env, cwd=tmp_path)
    assert proc.returncode == 2, proc.stderr
    assert "credentials" in proc.stderr.lower()
    assert "Traceback" not in proc.stderr


def test_unreachable_endpoint_exit_2(tmp_path: Path) -> None:
    proc = _run(
        "scan", "--regions", "us-east-1", "--endpoint-url", "http://127.0.0.1:9", cwd=tmp_path
    )
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr


def test_checks_lists_control_ids() -> None:
    proc = _run("checks")
    assert proc.returncode == 0
    assert "CloudTrail.4" in proc.stdout


def test_help_does_not_import_boto3() -> None:
    code = (
        "import sys; from scanner.app import cli; "
        "cli.build_parser(); print('boto3' in sys.modules, 'botocore' in sys.modules)"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert proc.stdout.strip() == "False False"


def _hanging_endpoint() -> tuple[socket.socket, str]:
    """A loopback server that accepts connections and never answers."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    return server, f"http://127.0.0.1:{server.getsockname()[1]}"


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_signal_mid_scan_leaves_no_partial_report(sig: signal.Signals, tmp_path: Path) -> None:
    server, endpoint = _hanging_endpoint()
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
            "us-east-1",
            "--endpoint-url",
            endpoint,
            "--output-dir",
            str(out),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        conn, _ = server.accept()  # the scan is now waiting on its first call
        time.sleep(0.3)
        proc.send_signal(sig)
        _, stderr = proc.communicate(timeout=30)
    finally:
        server.close()
    assert proc.returncode == 130
    assert "Traceback" not in stderr
    leftovers = [p.name for p in out.iterdir()] if out.exists() else []
    assert leftovers == []
    conn.close()


def test_config_file_errors_are_one_line_exit_2(tmp_path: Path) -> None:
    cases = {
        "malformed.yaml": "regions: [us-east-1\n",
        "unknown.yaml": "regions: [us-east-1]\ncolour: blue\n",
        "types.yaml": "max_workers: many\n",
        "archive.yaml": "log_archive_account: '12345'\n",
        "toplevel.yaml": "- just\n- a list\n",
    }
    for name, text in cases.items():
        path = tmp_path / name
        path.write_text(text)
        proc = _run(
            "scan", "--config", str(path), "--endpoint-url", "http://127.0.0.1:9", cwd=tmp_path
        )
        assert proc.returncode == 2, (name, proc.stderr)
        lines = [line for line in proc.stderr.splitlines() if line.strip()]
        assert len(lines) == 1 and name in lines[0], (name, proc.stderr)


def test_unwritable_output_dir_fails_before_scanning(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    proc = _run(
        "scan", "--output-dir", str(blocker / "out"), "--endpoint-url", "http://127.0.0.1:9"
    )
    assert proc.returncode == 2
    assert "output directory" in proc.stderr

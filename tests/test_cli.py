"""CLI behaviour: bad input gives one clear line and exit 2, never a traceback."""

from __future__ import annotations

import os
import subprocess
import sys
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
        [sys.executable, "-m", "scanner.cli", *args],
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
        ("scan", "--max-workers", "0"),
        ("scan", "--from-inventory", "/nonexistent/inventory.json"),
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
        "import sys; from scanner import cli; "
        "cli.build_parser(); print('boto3' in sys.modules, 'botocore' in sys.modules)"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert proc.stdout.strip() == "False False"

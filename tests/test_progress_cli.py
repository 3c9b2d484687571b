"""Progress through the CLI, as a subprocess: one line per batch when stderr is not a terminal,
nothing with -q, one status line rewritten in place on a pseudo-terminal (a stand-in engine,
tests/fake_engine_cli.py, reports the ticks; the inventory is a saved one)."""

from __future__ import annotations

import os
import pty
import re
import subprocess
import sys
from pathlib import Path

import pytest

from scanner.core.progress import CLEAR_TO_EOL, is_batch_end
from tests.fake_engine_cli import HALF_WAY
from tests.reports.pipeline_helpers import save_inventory
from tests.terminal import screen

ROOT = Path(__file__).resolve().parents[1]
TOTAL = 45
PROGRESS = re.compile(r"collected (\d+)/(\d+) accounts")


@pytest.fixture(scope="module")
def inventory(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return save_inventory(tmp_path_factory.mktemp("inv") / "inventory.json", {"t": True})


def _argv(inventory: Path, out: Path, *extra: str) -> list[str]:
    scan = ["scan", "--from-inventory", str(inventory), "--checks", "CloudTrail.4"]
    return [
        sys.executable,
        "-m",
        "tests.fake_engine_cli",
        str(TOTAL),
        *extra,
        *scan,
        "--format",
        "json",
        "--output-dir",
        str(out),
        "--no-history",
    ]


def _env(term: str = "xterm") -> dict[str, str]:
    env = dict(os.environ)
    env.pop("AWS_ENDPOINT_URL", None)
    env["TERM"] = term
    return env


def _progress(lines: list[str]) -> list[tuple[int, int]]:
    return [(int(m[1]), int(m[2])) for line in lines if (m := PROGRESS.search(line))]


def _run_on_a_pipe(argv: list[str]) -> subprocess.CompletedProcess[str]:
    """Run with stdout and stderr on pipes (not a terminal)."""
    return subprocess.run(
        argv, capture_output=True, text=True, cwd=ROOT, env=_env(), timeout=120, check=False
    )


def test_not_a_terminal_prints_one_plain_line_per_batch(inventory: Path, tmp_path: Path) -> None:
    proc = _run_on_a_pipe(_argv(inventory, tmp_path / "out"))
    assert proc.returncode == 0, proc.stderr
    assert "\r" not in proc.stderr and "\x1b" not in proc.stderr
    lines = proc.stderr.splitlines()
    ends = [(done, TOTAL) for done in range(1, TOTAL + 1) if is_batch_end(done, TOTAL)]
    assert _progress(lines) == ends
    assert any(line.endswith(HALF_WAY) for line in lines)
    assert not _progress(proc.stdout.splitlines())


def test_quiet_prints_no_progress(inventory: Path, tmp_path: Path) -> None:
    proc = _run_on_a_pipe(_argv(inventory, tmp_path / "out", "-q"))
    assert proc.returncode == 0, proc.stderr
    assert _progress(proc.stderr.splitlines()) == []
    assert HALF_WAY not in proc.stderr  # and no log line at INFO either


def _run_on_a_terminal(argv: list[str], term: str = "xterm") -> tuple[int, str]:
    """Run with stderr on a pseudo-terminal (stdout a pipe); what the terminal received."""
    master, slave = pty.openpty()
    proc = subprocess.Popen(
        argv, stdout=subprocess.PIPE, stderr=slave, cwd=ROOT, env=_env(term), text=False
    )
    os.close(slave)
    received = bytearray()
    try:
        while True:
            try:
                chunk = os.read(master, 65536)
            except OSError:  # EIO: the child closed the terminal
                break
            if not chunk:
                break
            received += chunk
    finally:
        os.close(master)
    assert proc.stdout is not None
    proc.stdout.read()
    proc.stdout.close()
    return proc.wait(timeout=120), received.decode()


def test_a_terminal_shows_one_status_line_that_log_lines_never_share(
    inventory: Path, tmp_path: Path
) -> None:
    code, output = _run_on_a_terminal(_argv(inventory, tmp_path / "out"))
    assert code == 0, output
    assert CLEAR_TO_EOL in output and "\r" in output.replace("\r\n", "")  # rewritten in place
    shown = screen(output)
    status = [line for line in shown if PROGRESS.search(line)]
    assert len(status) == 1 and _progress(status) == [(TOTAL, TOTAL)]  # the last state stays
    assert status[0].startswith("trailwatch: ")
    (half_way,) = [line for line in shown if HALF_WAY in line]
    assert half_way == f"trailwatch: {HALF_WAY}"  # on a line of its own, whole
    assert shown.index(half_way) < shown.index(status[0])  # the status line stays below
    assert output.endswith("\n")  # the shell's prompt starts on a line of its own


def test_a_dumb_terminal_gets_the_plain_lines(inventory: Path, tmp_path: Path) -> None:
    code, output = _run_on_a_terminal(_argv(inventory, tmp_path / "out"), term="dumb")
    assert code == 0, output
    assert "\x1b" not in output and "\r" not in output.replace("\r\n", "")
    ends = [(done, TOTAL) for done in range(1, TOTAL + 1) if is_batch_end(done, TOTAL)]
    assert _progress(output.splitlines()) == ends

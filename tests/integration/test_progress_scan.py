"""A scan of the demo Organization with stderr not a terminal (as in CodeBuild): collection
progress is one plain line per batch of accounts, and no line per account."""

from __future__ import annotations

import re
from pathlib import Path

from scanner.core.progress import is_batch_end
from tests.integration.conftest import Demo
from tests.integration.helpers import run_cli

PROGRESS = re.compile(r"collected (\d+)/(\d+) accounts.*?([\d,]+) calls")


def test_scan_of_the_demo_org_prints_batch_lines_only(demo: Demo, tmp_path: Path) -> None:
    proc = run_cli(
        "scan",
        "--org",
        "--regions",
        ",".join(demo.org.regions),
        "--checks",
        "CloudTrail.1,CloudTrail.4",
        "--format",
        "json",
        "--output-dir",
        str(tmp_path / "out"),
        "--no-history",
        endpoint=demo.endpoint,
        cwd=tmp_path,
    )
    assert proc.returncode in (0, 1, 3), proc.stderr
    assert "\r" not in proc.stderr and "\x1b" not in proc.stderr
    ticks = [m for line in proc.stderr.splitlines() if (m := PROGRESS.search(line))]
    # every ACTIVE account is one to collect (the SUSPENDED one is skipped)
    total = len(demo.org.accounts) + 1  # with the member whose role trust no longer allows us
    ends = [done for done in range(1, total + 1) if is_batch_end(done, total)]
    assert [(int(m[1]), int(m[2])) for m in ticks] == [(done, total) for done in ends]
    calls = [int(m[3].replace(",", "")) for m in ticks]
    assert calls == sorted(calls) and calls[-1] > 0
    # no line per account: no member account is named on stderr
    members = [a.account_id for a in demo.org.members]
    assert [line for line in proc.stderr.splitlines() if any(m in line for m in members)] == []

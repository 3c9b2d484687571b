"""Whole-pipeline runs on a saved, hand-built inventory (no AWS): trails with and without log
file validation (CloudTrail.4) in two accounts."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from scanner.app.scan import ScanOutcome, ScanRequest, run_scan
from scanner.aws.collection import ScanOptions
from tests.builders import MEMBER, MGMT
from tests.checks.test_cloudtrail_lib import inventory, list_trails, trail

VALIDATION_CHECKS = ("CloudTrail.4",)


def trail_arn(name: str, account: str = MGMT) -> str:
    return f"arn:aws:cloudtrail:us-east-1:{account}:trail/{name}"


def save_inventory(
    path: Path,
    mgmt: dict[str, bool] | None = None,
    member: dict[str, bool] | None = None,
) -> Path:
    """Trails name -> log file validation on/off, per account; saved to `path`."""
    b = inventory()
    for account, trails in ((MGMT, mgmt), (MEMBER, member)):
        if trails is None:
            continue
        made = [
            trail(name, account, multi=False, log_file_validation_enabled=on)
            for name, on in trails.items()
        ]
        list_trails(b.account(account), *made)
    b.build().save(path)
    return path


def scan(
    inventory_path: Path,
    out: Path,
    *,
    checks: Iterable[str] = VALIDATION_CHECKS,
    formats: tuple[str, ...] = ("json", "html", "csv"),
    **request: Any,
) -> ScanOutcome:
    return run_scan(
        ScanRequest(
            options=ScanOptions(),
            checks=tuple(checks),
            output_dir=out,
            formats=formats,
            from_inventory=inventory_path,
            **request,
        )
    )

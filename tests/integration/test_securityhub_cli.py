"""`scan --securityhub` and `import FILE` through the CLI, against the moto server."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from tests.conftest import DEFAULT_ACCOUNT
from tests.integration.helpers import good_trail, run_cli


def _ours(client: Any) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    for page in client.get_paginator("get_findings").paginate():
        found.extend(f for f in page["Findings"] if f["Id"].startswith("trailwatch/"))
    return found


def test_scan_imports_findings_and_import_dry_run_sends_nothing(
    account_client: Callable[..., Any], moto_endpoint: str, tmp_path: Path
) -> None:
    bucket_trail = good_trail(account_client, EnableLogFileValidation=False)
    assert bucket_trail
    hub = account_client("securityhub")
    hub.enable_security_hub()
    out = tmp_path / "out"
    proc = run_cli(
        "scan", "--regions", "us-east-1", "--checks", "CloudTrail.1,CloudTrail.4",
        "--output-dir", str(out), "--securityhub", endpoint=moto_endpoint, cwd=tmp_path,
    )  # fmt: skip
    assert proc.returncode == 1, proc.stderr  # CloudTrail.4 fails
    imported = _ours(hub)
    statuses = {
        f["Compliance"].get("SecurityControlId"): f["Compliance"]["Status"] for f in imported
    }
    assert statuses == {"CloudTrail.4": "FAILED"}  # PASSED findings are not imported by default
    assert all(f["AwsAccountId"] == DEFAULT_ACCOUNT for f in imported)

    # a dry run of the same file reads, plans and sends nothing new
    before = {f["Id"]: f["UpdatedAt"] for f in _ours(hub)}
    dry = run_cli(
        "import", str(out / "findings.asff.json"), "--dry-run", "--passed",
        endpoint=moto_endpoint, cwd=tmp_path,
    )  # fmt: skip
    assert dry.returncode == 0, dry.stderr
    assert {f["Id"]: f["UpdatedAt"] for f in _ours(hub)} == before

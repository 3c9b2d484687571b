"""The scan's AWS steps against moto: opening an account, and an import on sessions of its own."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from scanner.app.demo import deny_assume_role
from scanner.app.scan import ScanRequest, run_scan
from scanner.aws.accounts import open_account
from scanner.aws.collection import ScanOptions
from scanner.aws.session import ClientSettings, Sessions
from scanner.core.model import CollectionError
from tests.conftest import DEFAULT_ACCOUNT, REGIONS
from tests.integration.helpers import good_trail

OTHER = "210987654321"


def test_open_account_gives_the_session_and_regions_or_the_failed_call(
    moto_endpoint: str,
) -> None:
    settings = ClientSettings(
        endpoint_url=moto_endpoint, max_attempts=1, client_hook=deny_assume_role(OTHER)
    )
    sessions = Sessions(None, settings)
    sessions.identify("us-east-1")
    options = ScanOptions(regions=REGIONS)
    opened = open_account(sessions, DEFAULT_ACCOUNT, options, "us-east-1")
    assert not isinstance(opened, CollectionError)
    session, regions, _skipped = opened
    assert session is sessions.caller() and sorted(regions) == sorted(REGIONS)
    denied = open_account(sessions, OTHER, options, "us-east-1")
    assert isinstance(denied, CollectionError)
    assert (denied.operation, denied.code) == ("AssumeRole", "AccessDenied")


def test_scan_collects_read_only_and_imports_on_sessions_of_its_own(
    moto_endpoint: str, account_client: Callable[..., Any], tmp_path: Path
) -> None:
    good_trail(account_client)
    account_client("securityhub").enable_security_hub()
    collecting = Sessions(None, ClientSettings(endpoint_url=moto_endpoint, max_attempts=2))
    outcome = run_scan(
        ScanRequest(
            options=ScanOptions(regions=("us-east-1",), endpoint_url=moto_endpoint, max_attempts=2),
            checks=("CloudTrail.1",),
            output_dir=tmp_path / "out",
            formats=("json",),
            securityhub=True,
            securityhub_passed=True,
        ),
        sessions=collecting,
    )
    assert outcome.exit_code == 0
    assert collecting.settings.allow_writes == frozenset()
    assert not any(service == "securityhub" for _, _, service, _ in collecting.calls.calls)
    hub = account_client("securityhub")
    stored = [f["Id"] for f in hub.get_findings()["Findings"] if f["Id"].startswith("trailwatch/")]
    assert stored == [f.id for f in outcome.findings]

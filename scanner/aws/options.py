"""What a scan collects: the options every part of collection reads."""

from __future__ import annotations

from dataclasses import dataclass

from scanner.core.shard import Shard

DEFAULT_ROLE = "OrganizationAccountAccessRole"


@dataclass(frozen=True)
class ScanOptions:
    """Everything that decides what a scan collects."""

    regions: tuple[str, ...] | None = None
    org: bool = False
    accounts: tuple[str, ...] = ()
    exclude_accounts: tuple[str, ...] = ()
    role_name: str = DEFAULT_ROLE
    external_id: str | None = None
    role_session_name: str = "trailwatch"
    profile: str | None = None
    endpoint_url: str | None = None
    home_region: str | None = None
    max_workers: int = 128
    """API calls in flight at most, over all worker processes."""
    max_attempts: int = 8
    shard: Shard | None = None
    """Only the ACTIVE accounts of this shard (`--shard K/N`, with org=True)."""
    processes: int = 0
    """Worker processes collecting accounts (0: as many as CPUs when the scan is large enough
    to gain from them, see scanner.aws.processes.plan_processes; 1: none, threads only)."""


def scan_home_region(options: ScanOptions) -> str:
    if options.home_region:
        return options.home_region
    if options.regions and "us-east-1" not in options.regions:
        return options.regions[0]
    return "us-east-1"

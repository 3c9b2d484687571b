"""The Security Hub import step (scan, merge, import, watch), on its own write-enabled sessions."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence, Set
from typing import Any

from scanner.aws.collection import ScanOptions
from scanner.aws.session import ClientSettings, Sessions
from scanner.publish.securityhub import (
    CheckScope,
    ImportReport,
    import_findings,
    session_factory,
    with_import_allowed,
)


def import_sessions(options: ScanOptions, *, dry_run: bool = False) -> Sessions:
    """Sessions for the import only, never for collection: BatchImportFindings is allowed
    through the read-only guard (a dry run only reads, so it stays read-only)."""
    settings = ClientSettings(endpoint_url=options.endpoint_url, max_attempts=options.max_attempts)
    return Sessions(options.profile, settings if dry_run else with_import_allowed(settings))


def import_to_hub(
    asff_findings: Sequence[Mapping[str, Any]],
    sessions: Sessions,
    options: ScanOptions,
    *,
    home_region: str,
    identify_region: str,
    scopes: Set[CheckScope],
    include_passed: bool,
    partition: str | None = None,
    dry_run: bool = False,
    progress: Callable[[str], None] = lambda _m: None,
) -> ImportReport:
    """Each finding into its own account's Security Hub (AssumeRole with the options' role)."""
    if not sessions.caller_account:
        sessions.identify(identify_region)
    return import_findings(
        asff_findings,
        session_factory(
            sessions,
            options.role_name,
            home_region,
            external_id=options.external_id,
            session_name=options.role_session_name,
        ),
        home_region=home_region,
        scopes_evaluated=scopes,
        include_passed=include_passed,
        partition=partition,
        dry_run=dry_run,
        progress=progress,
    )

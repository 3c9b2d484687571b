"""The import use case: a saved findings.asff.json -> Security Hub, as `scan --securityhub` does."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

from scanner.app.scan import EXIT_IMPORT_FAILED
from scanner.aws.collection import ScanOptions
from scanner.core.reporter import SILENT, Reporter
from scanner.publish.hub_import import import_sessions, import_to_hub
from scanner.publish.securityhub import load_asff, scopes_from_asff, write_import_record

log = logging.getLogger("trailwatch")


@dataclass(frozen=True)
class ImportRequest:
    """`trailwatch import FILE`: what to import, and how each account is reached."""

    path: Path
    access: ScanOptions = field(default_factory=ScanOptions)
    """Profile, endpoint, member role, external id and session name (nothing is collected)."""
    home_region: str = "us-east-1"
    include_passed: bool = False
    dry_run: bool = False
    verify: bool = True
    """Read the file only when the manifest.json beside it lists it with the same SHA-256."""
    record: Path | None = None
    """`--undelivered-json`: every finding not delivered, as JSON."""


def run_import(request: ImportRequest, reporter: Reporter = SILENT) -> int:
    """The file is read only when verified (unless not `verify`) and at most MAX_ASFF_BYTES;
    exit 4 when any finding meant for Security Hub was not delivered."""
    docs = load_asff(request.path, verify=request.verify)
    if not request.verify:
        log.warning("warning: %s not checked against its manifest (--no-verify)", request.path)
    sessions = import_sessions(request.access, dry_run=request.dry_run)
    sessions.identify(request.home_region)
    report = import_to_hub(
        docs,
        sessions,
        request.access,
        home_region=request.home_region,
        identify_region=request.home_region,
        scopes=scopes_from_asff(docs),
        include_passed=request.include_passed,
        dry_run=request.dry_run,
        progress=reporter.progress,
    )
    for line in report.lines():
        reporter.result(line)
    if request.record is not None:
        write_import_record(request.record, report)
    return 0 if report.complete else EXIT_IMPORT_FAILED

"""Scan -> findings -> reports -> exit code: the one path shared by `scan` and `demo`."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from scanner.errors import UsageError
from scanner.evaluate import evaluate
from scanner.findings import Finding
from scanner.inventory import Inventory
from scanner.model import Severity, Status
from scanner.registry import all_checks, select_checks
from scanner.scan import ScanOptions, collect_inventory
from scanner.session import CallLog, Sessions

Progress = Callable[[str], None]


@dataclass(frozen=True)
class ScanRequest:
    options: ScanOptions
    checks: tuple[str, ...] = ()
    output_dir: Path = Path("trailwatch-out")
    formats: tuple[str, ...] = ("json", "asff", "html")
    fail_on: Severity = Severity.LOW
    save_inventory: Path | None = None
    from_inventory: Path | None = None


@dataclass
class ScanOutcome:
    findings: list[Finding]
    exit_code: int
    inventory: Inventory
    paths: list[Path] = field(default_factory=list)
    calls: CallLog | None = None


def exit_code(findings: Sequence[Finding], fail_on: Severity) -> int:
    """1 when a FAILED finding is at or above fail_on; else 3 when any ERROR; else 0."""
    if any(f.status is Status.FAIL and f.severity.rank >= fail_on.rank for f in findings):
        return 1
    if any(f.status is Status.ERROR for f in findings):
        return 3
    return 0


def run_scan(
    request: ScanRequest,
    progress: Progress = lambda _m: None,
    sessions: Sessions | None = None,
) -> ScanOutcome:
    checks = select_checks(all_checks(), request.checks)
    from reports.console import summary_table
    from reports.summary import ScanMeta, summarize
    from reports.writers import ensure_writable, write_reports

    ensure_writable(request.output_dir)
    calls: CallLog | None = None
    if request.from_inventory:
        try:
            inventory = Inventory.load(request.from_inventory)
        except (OSError, ValueError) as exc:
            raise UsageError(f"cannot read inventory {request.from_inventory}: {exc}") from None
        progress(f"evaluating saved inventory {request.from_inventory} (no AWS calls)")
    else:
        state = collect_inventory(request.options, checks, progress, sessions)
        inventory, calls = state.inventory, state.calls
        progress(f"{calls.total} API calls, {calls.retries} retries, {calls.repeated} repeated")
    if request.save_inventory:
        inventory.save(request.save_inventory)
        progress(f"inventory saved to {request.save_inventory}")
    findings = list(evaluate(inventory, checks))
    meta = ScanMeta.from_inventory(
        inventory, checks=[c.id for c in checks], finished_at=datetime.now(UTC)
    )
    summary = summarize(findings, meta)
    paths = write_reports(request.output_dir, request.formats, findings, meta, summary)
    print(summary_table(summary))
    for path in paths:
        print(f"wrote {path}")
    return ScanOutcome(
        findings=findings,
        exit_code=exit_code(findings, request.fail_on),
        inventory=inventory,
        paths=paths,
        calls=calls,
    )

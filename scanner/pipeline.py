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
from scanner.scan import ScanOptions, collect_inventory, scan_home_region
from scanner.session import CallLog, ClientSettings, Sessions

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
    securityhub: bool = False
    securityhub_passed: bool = False
    securityhub_home_region: str | None = None


@dataclass
class ScanOutcome:
    findings: list[Finding]
    exit_code: int
    inventory: Inventory
    paths: list[Path] = field(default_factory=list)
    calls: CallLog | None = None


EXIT_IMPORT_FAILED = 4


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
    if request.securityhub and sessions is None:
        sessions = _import_sessions(request.options.profile, request.options.endpoint_url)
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
    code = exit_code(findings, request.fail_on)
    if request.securityhub and sessions is not None:
        if not sessions.caller_account:
            sessions.identify(scan_home_region(request.options))
        from reports.asff import to_asff
        from reports.securityhub import evaluated_scopes, import_findings, session_factory

        home = request.securityhub_home_region or scan_home_region(request.options)
        report = import_findings(
            [to_asff(f, partition=inventory.partition) for f in findings],
            session_factory(
                sessions,
                request.options.role_name,
                home,
                external_id=request.options.external_id,
                session_name=request.options.role_session_name,
            ),
            home_region=home,
            scopes_evaluated=evaluated_scopes(inventory, checks),
            include_passed=request.securityhub_passed,
            partition=inventory.partition,
            progress=progress,
        )
        for line in report.lines():
            print(line)
        if not report.ok:
            code = max(code, EXIT_IMPORT_FAILED)
    return ScanOutcome(
        findings=findings,
        exit_code=code,
        inventory=inventory,
        paths=paths,
        calls=calls,
    )


def _import_sessions(profile: str | None, endpoint_url: str | None) -> Sessions:
    from reports.securityhub import with_import_allowed

    return Sessions(profile, with_import_allowed(ClientSettings(endpoint_url=endpoint_url)))


def import_file(
    path: Path,
    *,
    profile: str | None,
    endpoint_url: str | None,
    home_region: str,
    role_name: str,
    external_id: str | None,
    role_session_name: str,
    include_passed: bool,
    dry_run: bool,
    progress: Progress = lambda _m: None,
) -> int:
    """`trailwatch import FILE`: the same import as `scan --securityhub`, from a saved file."""
    from reports.securityhub import import_findings, load_asff, scopes_from_asff, session_factory

    docs = load_asff(path)
    sessions = (
        Sessions(profile, ClientSettings(endpoint_url=endpoint_url))
        if dry_run
        else _import_sessions(profile, endpoint_url)
    )
    sessions.identify(home_region)
    report = import_findings(
        docs,
        session_factory(
            sessions,
            role_name,
            home_region,
            external_id=external_id,
            session_name=role_session_name,
        ),
        home_region=home_region,
        scopes_evaluated=scopes_from_asff(docs),
        include_passed=include_passed,
        dry_run=dry_run,
        progress=progress,
    )
    lines = report.plan.lines() if dry_run else report.lines()
    for line in lines:
        print(line)
    return 0 if report.ok else EXIT_IMPORT_FAILED

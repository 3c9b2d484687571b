"""Scan -> findings -> reports -> exit code: the one path shared by `scan` and `demo`."""

from __future__ import annotations

import dataclasses
import logging
import shutil
import sys
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from reports.asff import to_asff
from reports.console import summary_table
from reports.diff import compare, load_baseline
from reports.history import HISTORY_FILE, TREND_SCANS, History, HistoryEntry, HistoryError
from reports.manifest import MANIFEST_SHA256, sha256_file, write_manifest
from reports.pdf import find_renderer, missing_renderer_message
from reports.reportset import ReportSet
from reports.summary import ReportExtras, ScanMeta, summarize
from reports.trend import build_trend
from reports.writers import write_reports
from scanner.aws.collection import ScanOptions, collect_inventory, scan_home_region
from scanner.aws.session import CallLog, ClientSettings, Sessions
from scanner.core.errors import Interrupted, OutputError, TrailwatchError, UsageError
from scanner.core.evaluate import evaluate
from scanner.core.findings import Finding
from scanner.core.frameworks import Frameworks
from scanner.core.inputs import load_inventory
from scanner.core.inventory import Inventory
from scanner.core.logsource_inventory import build_log_sources
from scanner.core.model import Severity, Status
from scanner.core.registry import all_checks, select_checks
from scanner.core.shard import SHARD_INVENTORY
from scanner.core.suppressions import apply_suppressions, validate_rules
from scanner.publish.remote_history import RemoteHistory
from scanner.publish.s3 import S3Location, upload_reports
from scanner.publish.securityhub import (
    evaluated_scopes,
    import_findings,
    load_asff,
    scopes_from_asff,
    session_factory,
    with_import_allowed,
    write_import_record,
)
from scanner.publish.signing import SigningError, kms_signer

if TYPE_CHECKING:
    from reports.diff import Baseline
    from reports.history import History, HistoryEntry
    from reports.reportset import ReportSet
    from reports.summary import ReportExtras, ScanMeta, ScanSummary
    from scanner.core.check import Check
    from scanner.core.frameworks import Framework
    from scanner.core.suppressions import SuppressionRule
    from scanner.publish.remote_history import RemoteHistory
    from scanner.publish.signing import Signer

Progress = Callable[[str], None]
log = logging.getLogger("trailwatch")


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
    securityhub_record: Path | None = None
    """`--undelivered-json`: the import's record (every undelivered finding) as JSON here."""
    inventory: Inventory | None = None
    """An inventory already in memory (`trailwatch merge`): evaluated, nothing collected."""
    upload: S3Location | None = None
    """`--upload`: every output file goes there once written (see scanner.publish.s3)."""
    kms_key_id: str | None = None
    frameworks: tuple[str, ...] = ()
    """`--framework`: only the checks these frameworks map, and only their report sections."""
    suppressions: tuple[SuppressionRule, ...] = ()
    """trailwatch.yaml `suppressions` (accepted risks)."""
    baseline: Path | None = None
    """`--baseline OLD_DIR`: mark each finding against OLD_DIR/findings.json."""
    fail_on_new: bool = False
    """Exit 1 only for new failures (new or regressed since the baseline)."""
    sign_key: str | None = None
    """`--sign-key`: sign the manifest's SHA-256 with this KMS asymmetric key (manifest.sig)."""
    history: Path | None = None
    """The scan history (SQLite) this scan's summary is appended to; None: no history."""
    history_s3: S3Location | None = None
    """`--history s3://bucket/key`: the history object, fetched before and put back after."""
    log_archive_account: str | None = None
    """`--log-archive-account`: the account that should hold the logs (log-source inventory)."""


@dataclass
class ScanOutcome:
    findings: list[Finding]
    exit_code: int
    inventory: Inventory
    paths: list[Path] = field(default_factory=list)
    calls: CallLog | None = None
    manifest_sha256: str = ""


EXIT_OUTPUT_FAILED = 2
"""An output the run was asked for (`--save-inventory`) could not be written."""


EXIT_IMPORT_FAILED = 4


def exit_code(findings: Sequence[Finding], fail_on: Severity, only: set[str] | None = None) -> int:
    """1 when a FAILED finding is at or above fail_on; else 3 when any ERROR; else 0.

    Suppressed findings never count. With `only` (finding Ids: the new failures of
    `--fail-on-new`), only those FAILED findings can make it 1.
    """
    if any(
        f.status is Status.FAIL
        and f.severity.rank >= fail_on.rank
        and (only is None or f.id in only)
        for f in findings
    ):
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
    plan = _plan_reports(request, checks)
    checks = plan.checks
    if request.securityhub and sessions is None:
        sessions = _import_sessions(request.options.profile, request.options.endpoint_url)

    report_set = ReportSet(request.output_dir)
    if request.save_inventory is not None and request.save_inventory.is_dir():
        raise UsageError(f"--save-inventory: {request.save_inventory} is a directory")
    in_set = request.save_inventory is not None and report_set.contains(request.save_inventory)
    signer = None
    if request.sign_key:  # checked before the scan: a bad key fails in seconds, not after it
        signer = kms_signer(
            request.sign_key,
            profile=request.options.profile,
            endpoint_url=request.options.endpoint_url,
        )
    late = _LateProblems.check(request)
    with report_set.open():
        try:
            outcome = _scan_into(
                request, report_set, checks, plan, sessions, progress, in_set, signer, late
            )
        except KeyboardInterrupt:
            report_set.discard()
            raise Interrupted(report_set.describe()) from None
        except (OutputError, SigningError) as exc:
            report_set.discard()
            raise type(exc)(f"{exc} ({report_set.describe()})") from None
    return _deliver(request, report_set, outcome, checks, sessions, progress, in_set)


def _scan_into(
    request: ScanRequest,
    report_set: ReportSet,
    checks: list[Check],
    plan: _ReportPlan,
    sessions: Sessions | None,
    progress: Progress,
    inventory_in_set: bool,
    signer: Signer | None,
    late: _LateProblems,
) -> ScanOutcome:
    """Collect (or load), evaluate, and publish the report set; nothing after the switch."""

    staging = report_set.staging
    calls: CallLog | None = None
    if request.inventory is not None:
        inventory = request.inventory
    elif request.from_inventory:
        inventory = load_inventory(request.from_inventory, "--from-inventory")
        progress(f"evaluating saved inventory {request.from_inventory} (no AWS calls)")
    else:
        state = collect_inventory(request.options, checks, progress, sessions)
        inventory, calls = state.inventory, state.calls
        progress(f"{calls.total} API calls, {calls.retries} retries, {calls.repeated} repeated")
    set_files: list[Path] = []
    if request.options.shard is not None:  # `trailwatch merge` evaluates the shards' inventories
        set_files.append(staging / SHARD_INVENTORY)
    if request.save_inventory is not None and inventory_in_set:
        saved = staging / request.save_inventory.name
        if saved not in set_files:
            set_files.append(saved)
    for path in set_files:
        try:
            inventory.save(path)
        except OSError as exc:
            raise OutputError(f"cannot write {path.name}: {exc.strerror or exc}") from None
    findings = list(evaluate(inventory, checks))
    meta = ScanMeta.from_inventory(
        inventory,
        checks=[c.id for c in checks],
        finished_at=datetime.now(UTC),
        frameworks=[fw.key for fw in plan.selected],
    )
    if request.options.shard is not None:
        meta = meta.model_copy(update={"shard": str(request.options.shard)})
    findings, extras = _apply_report_plan(plan, findings, meta)
    extras = replace(extras, log_sources=build_log_sources(inventory, request.log_archive_account))
    summary = summarize(findings, meta, plan.shown, checks)
    entry, extras = late.with_trend(request, meta, summary, extras)
    paths = write_reports(
        staging,
        request.formats,
        findings,
        meta,
        summary,
        extras,
        on_pdf_error=late.problems.append,
    )
    paths = [*set_files, *paths]
    manifest = _write_manifest(staging, meta, paths)
    digest = sha256_file(manifest)
    paths = [*paths, manifest, staging / MANIFEST_SHA256]
    if signer is not None:
        paths.append(signer.sign(staging))
    report_set.publish()
    print(summary_table(summary, extras))
    for path in paths:
        print(f"wrote {report_set.final(path)}")
    print(f"manifest sha256 {digest}")
    late.record(entry)
    new_failures = extras.changes.new_failure_ids() if extras.changes else None
    only = new_failures if request.fail_on_new else None
    return ScanOutcome(
        findings=findings,
        exit_code=late.exit_code(exit_code(findings, request.fail_on, only)),
        inventory=inventory,
        paths=[report_set.final(p) for p in paths],
        calls=calls,
        manifest_sha256=digest,
    )


def _deliver(
    request: ScanRequest,
    report_set: ReportSet,
    outcome: ScanOutcome,
    checks: list[Check],
    sessions: Sessions | None,
    progress: Progress,
    inventory_in_set: bool,
) -> ScanOutcome:
    """After the report set is in place: inventory elsewhere, upload, Security Hub import."""
    try:
        return _deliver_steps(request, outcome, checks, sessions, progress, inventory_in_set)
    except KeyboardInterrupt:
        raise Interrupted(report_set.describe()) from None


def _deliver_steps(
    request: ScanRequest,
    outcome: ScanOutcome,
    checks: list[Check],
    sessions: Sessions | None,
    progress: Progress,
    inventory_in_set: bool,
) -> ScanOutcome:
    findings, inventory, paths = outcome.findings, outcome.inventory, outcome.paths
    code = outcome.exit_code
    if request.save_inventory is not None and not inventory_in_set:
        try:
            inventory.save(request.save_inventory)
            progress(f"inventory saved to {request.save_inventory}")
        except OSError as exc:
            print(
                f"trailwatch: error: cannot save the inventory to {request.save_inventory}: "
                f"{exc.strerror or exc} (the reports are at {request.output_dir})",
                file=sys.stderr,
            )
            code = EXIT_OUTPUT_FAILED
    meta_started, scan_id = inventory.started_at, inventory.scan_id
    if request.upload is not None:
        code = max(
            code,
            upload_reports(
                paths,
                request.upload,
                started_at=meta_started,
                scan_id=scan_id,
                kms_key_id=request.kms_key_id,
                profile=request.options.profile,
                endpoint_url=request.options.endpoint_url,
                progress=progress,
            ),
        )
    if request.securityhub and sessions is not None:
        if not sessions.caller_account:
            sessions.identify(scan_home_region(request.options))

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
        if request.securityhub_record is not None:
            write_import_record(request.securityhub_record, report)
        if not report.complete:
            code = max(code, EXIT_IMPORT_FAILED)
    outcome.exit_code = code
    return outcome


@dataclass
class _LateProblems:
    """report.pdf and the history: problems that never stop a scan nor lose its reports.

    Both are checked before any AWS call (a line on stderr at once), the reports are written
    anyway, and the problem is repeated as one line at the end with its exit code: 2 for a
    history that cannot be read or written, 6 when report.pdf could not be printed.
    """

    history: History | None = None
    previous: list[HistoryEntry] = field(default_factory=list)
    problems: list[TrailwatchError] = field(default_factory=list)
    remote: RemoteHistory | None = None
    kms_key_id: str | None = None
    workdir: Path | None = None

    @classmethod
    def check(cls, request: ScanRequest) -> _LateProblems:
        late = cls()
        if "pdf" in request.formats and find_renderer() is None:
            log.warning("warning: %s", missing_renderer_message())
        if request.history is not None or request.history_s3 is not None:
            try:
                path = late._fetch(request) if request.history_s3 else request.history
                late.history = History(path or Path())
                late.previous = late.history.entries(limit=TREND_SCANS - 1)
            except HistoryError as exc:
                log.warning("warning: %s (the scan goes on; its reports are written)", exc)
                late.problems.append(exc)
                late.history = None
                late._cleanup()
        return late

    def _cleanup(self) -> None:
        if self.workdir is not None:
            shutil.rmtree(self.workdir, ignore_errors=True)
            self.workdir = None

    def _fetch(self, request: ScanRequest) -> Path:

        if request.history_s3 is None:
            raise ValueError("no S3 history to fetch")
        self.workdir = Path(tempfile.mkdtemp(prefix="trailwatch-history-"))
        self.remote = RemoteHistory(
            request.history_s3,
            self.workdir / HISTORY_FILE,
            request.options.profile,
            request.options.endpoint_url,
        )
        self.kms_key_id = request.kms_key_id
        self.remote.fetch()
        return self.remote.local

    def with_trend(
        self, request: ScanRequest, meta: ScanMeta, summary: ScanSummary, extras: ReportExtras
    ) -> tuple[HistoryEntry | None, ReportExtras]:
        if self.history is None:
            return None, extras

        entry = HistoryEntry.of_scan(meta, summary, extras.changes, request.output_dir)
        return entry, dataclasses.replace(extras, trend=build_trend(self.previous, entry))

    def record(self, entry: HistoryEntry | None) -> None:
        if self.history is None or entry is None:
            return

        try:
            self.history.append(entry)
            if self.remote is not None:
                self.remote.store(self.kms_key_id)
            where = self.remote or self.history.path
            log.info("history: scan %s recorded in %s", entry.scan_id, where)
        except HistoryError as exc:
            self.problems.append(exc)
        finally:
            self._cleanup()

    def exit_code(self, code: int) -> int:
        """The scan's exit code, made 2 (history) or at least 6 (report.pdf) by a problem."""
        for problem in self.problems:
            log.error("error: %s", problem)
        codes = {p.exit_code for p in self.problems}
        if 2 in codes:
            return 2
        return max([code, *codes])


@dataclass(frozen=True)
class _ReportPlan:
    """What `--framework`, suppressions and `--baseline` need, checked before any AWS call."""

    checks: list[Check]
    selected: tuple[Framework, ...]
    """The `--framework` frameworks (empty: none asked for)."""
    shown: tuple[Framework, ...]
    """The frameworks the reports show: the selected ones, else all."""
    suppressions: tuple[SuppressionRule, ...]
    baseline: Baseline | None


def _plan_reports(request: ScanRequest, checks: list[Check]) -> _ReportPlan:

    frameworks = Frameworks.load()
    selected = frameworks.select(request.frameworks) if request.frameworks else ()
    if selected:
        checks = Frameworks.checks_of(selected, checks)
        if not checks:
            keys = ", ".join(fw.key for fw in selected)
            raise UsageError(f"--framework {keys}: none of the selected checks is mapped to it")
    known = [ref for c in all_checks() for ref in (c.id, c.control_id) if ref]
    validate_rules(request.suppressions, known)
    if request.fail_on_new and request.baseline is None:
        raise UsageError("--fail-on-new needs --baseline OLD_DIR (the scan to compare with)")
    baseline = None
    if request.baseline is not None:
        baseline = load_baseline(request.baseline)
    return _ReportPlan(
        checks=checks,
        selected=selected,
        shown=selected or frameworks.items,
        suppressions=request.suppressions,
        baseline=baseline,
    )


def _apply_report_plan(
    plan: _ReportPlan, findings: list[Finding], meta: ScanMeta
) -> tuple[list[Finding], ReportExtras]:
    """Suppressions first (warned about on stderr), then the comparison with the baseline."""

    suppression_report = None
    if plan.suppressions:
        findings, suppression_report = apply_suppressions(
            findings,
            plan.suppressions,
            today=datetime.now(UTC).date(),
            checks_in_scan=[(c.id, c.control_id) for c in plan.checks],
        )
        for line in suppression_report.warnings:
            log.warning("warning: %s", line)
    changes = None
    if plan.baseline is not None:
        info = plan.baseline.info
        if info.verified is False:
            log.warning(
                "warning: baseline %s: findings.json does not match its manifest", info.path
            )
        changes = compare(
            findings,
            plan.baseline,
            check_ids=meta.check_ids,
            accounts=[a.account_id for a in meta.accounts],
            regions=meta.regions,
        )
    return findings, ReportExtras(suppressions=suppression_report, changes=changes)


def _write_manifest(staging: Path, meta: ScanMeta, paths: list[Path]) -> Path:
    """manifest.json (and manifest.sha256), last: every file of the set."""

    try:
        return write_manifest(staging, paths, scan_id=meta.scan_id, tool_version=meta.tool_version)
    except OSError as exc:
        raise OutputError(f"cannot write the manifest: {exc.strerror or exc}") from None


def _import_sessions(profile: str | None, endpoint_url: str | None) -> Sessions:

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
    verify: bool = True,
    record: Path | None = None,
    progress: Progress = lambda _m: None,
) -> int:
    """`trailwatch import FILE`: the same import as `scan --securityhub`, from a saved file.

    The file is read only when the manifest.json beside it lists it with the same SHA-256
    (unless not `verify`) and it is at most MAX_ASFF_BYTES; exit 4 when any finding meant for
    Security Hub was not delivered (`record`: every such finding, as JSON)."""

    docs = load_asff(path, verify=verify)
    if not verify:
        log.warning("warning: %s not checked against its manifest (--no-verify)", path)
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
    for line in report.lines():
        print(line)
    if record is not None:
        write_import_record(record, report)
    return 0 if report.complete else EXIT_IMPORT_FAILED

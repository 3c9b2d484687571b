"""The scan use case over one ScanRequest, shared by `scan`, `merge` and `demo`.

Named steps, in order: plan_scan (every option checked before any AWS call), collect_or_load
(read-only sessions), save_inventory_in_set, evaluate_checks, suppress_and_compare,
write_report_set, announce, then deliver (save_inventory_elsewhere, upload,
import_to_securityhub: the only step whose sessions may write). Nothing is printed: progress
and results go to the caller's Reporter.
"""

from __future__ import annotations

import dataclasses
import logging
import shutil
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from reports.asff import to_asff
from reports.console import summary_table
from reports.diff import Baseline, compare, load_baseline
from reports.history import (
    HISTORY_FILE,
    TREND_SCANS,
    History,
    HistoryEntry,
    HistoryError,
)
from reports.manifest import MANIFEST_SHA256, sha256_file, write_manifest
from reports.pdf import find_renderer, missing_renderer_message
from reports.reportset import ReportSet
from reports.summary import ReportExtras, ScanMeta, ScanSummary, summarize
from reports.trend import build_trend
from reports.writers import write_reports
from scanner.aws.collection import ScanOptions, collect_inventory, scan_home_region
from scanner.aws.session import CallLog, Sessions
from scanner.core.check import Check
from scanner.core.checkpoint import CheckpointStore
from scanner.core.errors import Interrupted, OutputError, TrailwatchError, UsageError
from scanner.core.evaluate_split import evaluate_all
from scanner.core.findings import Finding
from scanner.core.frameworks import Framework, Frameworks
from scanner.core.inputs import load_inventory
from scanner.core.inventory import Inventory
from scanner.core.logsource_inventory import build_log_sources
from scanner.core.model import Severity, Status
from scanner.core.registry import all_checks, select_checks
from scanner.core.reporter import SILENT, Reporter
from scanner.core.shard import SHARD_INVENTORY
from scanner.core.suppressions import SuppressionRule, apply_suppressions, validate_rules
from scanner.publish.hub_import import import_sessions, import_to_hub
from scanner.publish.remote_history import RemoteHistory
from scanner.publish.s3 import S3Location, upload_reports
from scanner.publish.securityhub import (
    ImportReport,
    evaluated_scopes,
    write_import_record,
)
from scanner.publish.signing import Signer, SigningError, kms_signer

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
    resume: bool = False
    """`--resume`: take the accounts a killed scan into the same output directory already
    collected from its checkpoints (scanner.core.checkpoint); collect only the others."""


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
    reporter: Reporter = SILENT,
    sessions: Sessions | None = None,
) -> ScanOutcome:
    """The scan use case: plan, collect (or load), evaluate, suppress, write the report set, then
    deliver it (inventory elsewhere, upload, Security Hub import).

    `sessions` (tests, the demo) collect and stay read-only; the Security Hub import uses
    sessions of its own, allowed to write (`ScanPlan.import_sessions`)."""
    report_set = ReportSet(request.output_dir)
    plan = plan_scan(request, report_set)
    with report_set.open():
        try:
            outcome = _scan_into(request, plan, report_set, sessions, reporter)
        except KeyboardInterrupt:
            report_set.discard()
            raise Interrupted(report_set.describe()) from None
        except (OutputError, SigningError) as exc:
            report_set.discard()
            raise type(exc)(f"{exc} ({report_set.describe()})") from None
    try:
        return deliver(request, plan, outcome, reporter)
    except KeyboardInterrupt:
        raise Interrupted(report_set.describe()) from None


def _scan_into(
    request: ScanRequest,
    plan: ScanPlan,
    report_set: ReportSet,
    sessions: Sessions | None,
    reporter: Reporter,
) -> ScanOutcome:
    """Collect (or load), evaluate, and publish the report set; nothing after the switch."""
    collecting = request.inventory is None and not request.from_inventory
    store = CheckpointStore.for_output(request.output_dir) if collecting else None
    try:
        outcome = _collect_and_publish(request, plan, report_set, sessions, reporter, store)
    finally:
        if store is not None:
            store.close()
    if store is not None:  # published: the checkpoints have served
        store.clear()
    return outcome


def _collect_and_publish(
    request: ScanRequest,
    plan: ScanPlan,
    report_set: ReportSet,
    sessions: Sessions | None,
    reporter: Reporter,
    store: CheckpointStore | None,
) -> ScanOutcome:
    inventory, calls = collect_or_load(request, plan.checks, reporter, sessions, store)
    set_files = save_inventory_in_set(request, plan, inventory, report_set.staging)
    findings, meta = evaluate_checks(request, plan, inventory)
    findings, extras = suppress_and_compare(plan, findings, meta)
    log_sources = build_log_sources(inventory, request.log_archive_account)
    extras = dataclasses.replace(extras, log_sources=log_sources)
    summary = summarize(findings, meta, plan.shown, plan.checks)
    entry, extras = plan.late.with_trend(request, meta, summary, extras)
    paths, digest = write_report_set(
        request, plan, report_set.staging, set_files, findings, meta, summary, extras
    )
    report_set.publish()
    final = [report_set.final(p) for p in paths]
    announce(reporter, summary, extras, final, digest)
    plan.late.record(entry)
    new_failures = extras.changes.new_failure_ids() if extras.changes else None
    only = new_failures if request.fail_on_new else None
    return ScanOutcome(
        findings=findings,
        exit_code=plan.late.exit_code(exit_code(findings, request.fail_on, only)),
        inventory=inventory,
        paths=final,
        calls=calls,
        manifest_sha256=digest,
    )


# ---------------------------------------------------------------------- the steps, in order


@dataclass(frozen=True)
class ScanPlan:
    """What `--checks`, `--framework`, suppressions, `--baseline`, `--save-inventory`,
    `--sign-key` and the history need, checked before any AWS call."""

    checks: list[Check]
    selected: tuple[Framework, ...]
    """The `--framework` frameworks (empty: none asked for)."""
    shown: tuple[Framework, ...]
    """The frameworks the reports show: the selected ones, else all."""
    suppressions: tuple[SuppressionRule, ...]
    baseline: Baseline | None
    inventory_in_set: bool
    """`--save-inventory` names a file of the output directory: written with the set."""
    signer: Signer | None
    late: _LateProblems
    import_sessions: Sessions | None
    """`--securityhub`: the import's own sessions (may write), never used to collect."""


def plan_scan(request: ScanRequest, report_set: ReportSet) -> ScanPlan:
    """Step 1, before any AWS call: every option checked, so a bad one fails in seconds."""
    checks = select_checks(all_checks(), request.checks)
    frameworks = Frameworks.load()
    selected = frameworks.select(request.frameworks) if request.frameworks else ()
    if selected:
        checks = Frameworks.checks_of(selected, checks)
        if not checks:
            keys = ", ".join(fw.key for fw in selected)
            raise UsageError(f"--framework {keys}: none of the selected checks is mapped to it")
    known = [ref for c in all_checks() for ref in (c.id, c.control_id) if ref]
    validate_rules(request.suppressions, known)
    if request.resume and (request.from_inventory or request.inventory is not None):
        raise UsageError("--resume continues a collection: it cannot be used with --from-inventory")
    if request.fail_on_new and request.baseline is None:
        raise UsageError("--fail-on-new needs --baseline OLD_DIR (the scan to compare with)")
    baseline = load_baseline(request.baseline) if request.baseline is not None else None
    hub = import_sessions(request.options) if request.securityhub else None
    if request.save_inventory is not None and request.save_inventory.is_dir():
        raise UsageError(f"--save-inventory: {request.save_inventory} is a directory")
    in_set = request.save_inventory is not None and report_set.contains(request.save_inventory)
    signer = None
    if request.sign_key:
        signer = kms_signer(
            request.sign_key,
            profile=request.options.profile,
            endpoint_url=request.options.endpoint_url,
        )
    return ScanPlan(
        checks=checks,
        selected=selected,
        shown=selected or frameworks.items,
        suppressions=request.suppressions,
        baseline=baseline,
        inventory_in_set=in_set,
        signer=signer,
        late=_LateProblems.check(request),
        import_sessions=hub,
    )


def collect_or_load(
    request: ScanRequest,
    checks: Sequence[Check],
    reporter: Reporter = SILENT,
    sessions: Sessions | None = None,
    checkpoints: CheckpointStore | None = None,
) -> tuple[Inventory, CallLog | None]:
    """Step 2: the inventory in memory (merge), a saved one (no AWS call), or collected with
    read-only sessions, each account checkpointed (`--resume` takes the checkpoints of a
    killed scan); with the calls it took (None: none made)."""
    if request.inventory is not None:
        return request.inventory, None
    if request.from_inventory:
        inventory = load_inventory(request.from_inventory, "--from-inventory")
        reporter.progress(f"evaluating saved inventory {request.from_inventory} (no AWS calls)")
        return inventory, None
    state = collect_inventory(
        request.options,
        checks,
        reporter.progress,
        sessions,
        checkpoints=checkpoints,
        resume=request.resume,
        tick=reporter.tick,
    )
    calls = state.calls
    reporter.progress(
        f"{calls.total} API calls, {calls.retries} retries, {calls.repeated} repeated"
    )
    return state.inventory, calls


def save_inventory_in_set(
    request: ScanRequest, plan: ScanPlan, inventory: Inventory, staging: Path
) -> list[Path]:
    """Step 3: the inventory files that belong to the report set (a shard's, and
    `--save-inventory` inside the output directory), written into the staging directory."""
    set_files: list[Path] = []
    if request.options.shard is not None:  # `trailwatch merge` evaluates the shards' inventories
        set_files.append(staging / SHARD_INVENTORY)
    if request.save_inventory is not None and plan.inventory_in_set:
        saved = staging / request.save_inventory.name
        if saved not in set_files:
            set_files.append(saved)
    for path in set_files:
        try:
            inventory.save(path)
        except OSError as exc:
            raise OutputError(f"cannot write {path.name}: {exc.strerror or exc}") from None
    return set_files


def evaluate_checks(
    request: ScanRequest, plan: ScanPlan, inventory: Inventory
) -> tuple[list[Finding], ScanMeta]:
    """Step 4: the planned checks over the inventory, and the scan's metadata."""
    findings = evaluate_all(inventory, plan.checks)
    meta = ScanMeta.from_inventory(
        inventory,
        checks=[c.id for c in plan.checks],
        finished_at=datetime.now(UTC),
        frameworks=[fw.key for fw in plan.selected],
    )
    if request.options.shard is not None:
        meta = meta.model_copy(update={"shard": str(request.options.shard)})
    return findings, meta


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


def suppress_and_compare(
    plan: ScanPlan, findings: list[Finding], meta: ScanMeta
) -> tuple[list[Finding], ReportExtras]:
    """Step 5: suppressions first (warned about on stderr), then the comparison with a baseline."""
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


def write_report_set(
    request: ScanRequest,
    plan: ScanPlan,
    staging: Path,
    set_files: list[Path],
    findings: list[Finding],
    meta: ScanMeta,
    summary: ScanSummary,
    extras: ReportExtras,
) -> tuple[list[Path], str]:
    """Step 6: the reports, the manifest (last: every file of the set) and its signature, in the
    staging directory; their paths and the manifest's SHA-256."""
    paths = write_reports(
        staging,
        request.formats,
        findings,
        meta,
        summary,
        extras,
        on_pdf_error=plan.late.problems.append,
    )
    paths = [*set_files, *paths]
    try:
        manifest = write_manifest(
            staging, paths, scan_id=meta.scan_id, tool_version=meta.tool_version
        )
    except OSError as exc:
        raise OutputError(f"cannot write the manifest: {exc.strerror or exc}") from None
    digest = sha256_file(manifest)
    paths = [*paths, manifest, staging / MANIFEST_SHA256]
    if plan.signer is not None:
        paths.append(plan.signer.sign(staging))
    return paths, digest


def announce(
    reporter: Reporter,
    summary: ScanSummary,
    extras: ReportExtras,
    paths: Sequence[Path],
    digest: str,
) -> None:
    """Step 7, once the set is in place: the summary table, the files and the manifest's hash."""
    reporter.result(summary_table(summary, extras))
    for path in paths:
        reporter.result(f"wrote {path}")
    reporter.result(f"manifest sha256 {digest}")


def deliver(
    request: ScanRequest, plan: ScanPlan, outcome: ScanOutcome, reporter: Reporter = SILENT
) -> ScanOutcome:
    """Step 8, after the report set is in place: the inventory elsewhere, the upload, the
    Security Hub import; each failure raises the exit code, none undoes the reports."""
    code = outcome.exit_code
    if not plan.inventory_in_set and not save_inventory_elsewhere(request, outcome, reporter):
        code = EXIT_OUTPUT_FAILED
    if request.upload is not None:
        code = max(code, upload(request, outcome, reporter))
    if plan.import_sessions is not None:
        report = import_to_securityhub(
            request, plan.checks, outcome, plan.import_sessions, reporter
        )
        if not report.complete:
            code = max(code, EXIT_IMPORT_FAILED)
    outcome.exit_code = code
    return outcome


def save_inventory_elsewhere(
    request: ScanRequest, outcome: ScanOutcome, reporter: Reporter = SILENT
) -> bool:
    """`--save-inventory` outside the output directory; False (one line) when it failed."""
    if request.save_inventory is None:
        return True
    try:
        outcome.inventory.save(request.save_inventory)
    except OSError as exc:
        log.error(
            "error: cannot save the inventory to %s: %s (the reports are at %s)",
            request.save_inventory,
            exc.strerror or exc,
            request.output_dir,
        )
        return False
    reporter.progress(f"inventory saved to {request.save_inventory}")
    return True


def upload(request: ScanRequest, outcome: ScanOutcome, reporter: Reporter = SILENT) -> int:
    """`--upload`: every file of the set to S3; its exit code (0, or 5 when it failed)."""
    if request.upload is None:
        return 0
    return upload_reports(
        outcome.paths,
        request.upload,
        started_at=outcome.inventory.started_at,
        scan_id=outcome.inventory.scan_id,
        kms_key_id=request.kms_key_id,
        profile=request.options.profile,
        endpoint_url=request.options.endpoint_url,
        progress=reporter.progress,
    )


def import_to_securityhub(
    request: ScanRequest,
    checks: Sequence[Check],
    outcome: ScanOutcome,
    sessions: Sessions,
    reporter: Reporter = SILENT,
) -> ImportReport:
    """`--securityhub`: each finding into its own account's Security Hub, through the import's
    own sessions; what was evaluated decides what is archived."""
    inventory = outcome.inventory
    home = request.securityhub_home_region or scan_home_region(request.options)
    report = import_to_hub(
        [to_asff(f, partition=inventory.partition) for f in outcome.findings],
        sessions,
        request.options,
        home_region=home,
        identify_region=scan_home_region(request.options),
        scopes=evaluated_scopes(inventory, checks),
        include_passed=request.securityhub_passed,
        partition=inventory.partition,
        progress=reporter.progress,
    )
    for line in report.lines():
        reporter.result(line)
    if request.securityhub_record is not None:
        write_import_record(request.securityhub_record, report)
    return report

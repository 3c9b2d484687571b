"""Scan metadata and the counts every report shows (by status, severity, account, region, check)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Protocol

from scanner.evaluate import ACCOUNT_ACCESS_CHECK
from scanner.findings import Finding
from scanner.inventory import Inventory, SkippedAccount
from scanner.model import Frozen, Severity, Status

if TYPE_CHECKING:
    from reports.diff import ChangeSet
    from reports.trend import TrendView
    from scanner.frameworks import Framework, Requirement
    from scanner.suppressions import SuppressionReport

#: Display order of statuses: what needs attention first.
STATUS_ORDER: tuple[Status, ...] = (
    Status.FAIL,
    Status.ERROR,
    Status.WARNING,
    Status.SUPPRESSED,
    Status.PASS,
)
#: Display order of severities: most severe first.
SEVERITY_ORDER: tuple[Severity, ...] = tuple(reversed(Severity))


class ScannedAccount(Frozen):
    """An account the scan covered (it may still hold only an access ERROR finding)."""

    account_id: str
    name: str = ""


class ScanMeta(Frozen):
    """What was scanned, by whom and when; `complete` is False when the scan was interrupted."""

    scan_id: str
    tool_version: str
    caller_arn: str = ""
    started_at: datetime
    finished_at: datetime
    accounts: tuple[ScannedAccount, ...] = ()
    skipped_accounts: tuple[SkippedAccount, ...] = ()
    regions: tuple[str, ...] = ()
    check_ids: tuple[str, ...] = ()
    complete: bool = True
    partition: str = "aws"
    organization_id: str | None = None
    shard: str | None = None
    """`K/N` when the scan covered one shard of the Organization (`--shard`)."""
    frameworks: tuple[str, ...] = ()
    """The `--framework` keys the scan was restricted to (empty: every framework)."""

    @classmethod
    def from_inventory(
        cls,
        inventory: Inventory,
        checks: Iterable[str],
        finished_at: datetime,
        complete: bool = True,
        frameworks: Iterable[str] = (),
    ) -> ScanMeta:
        """The metadata of a scan whose data is `inventory`; `checks` are the selected check ids."""
        regions = sorted({r for acct in inventory.accounts for r in acct.regions})
        return cls(
            scan_id=inventory.scan_id,
            tool_version=inventory.tool_version,
            caller_arn=inventory.caller_arn,
            started_at=inventory.started_at,
            finished_at=finished_at,
            accounts=tuple(
                ScannedAccount(account_id=a.account_id, name=a.info.name)
                for a in inventory.accounts
            ),
            skipped_accounts=inventory.skipped_accounts,
            regions=tuple(regions),
            check_ids=tuple(checks),
            complete=complete,
            partition=inventory.partition,
            organization_id=inventory.organization_id,
            frameworks=tuple(frameworks),
        )


class StatusCounts(Frozen):
    """Findings per status."""

    FAIL: int = 0
    ERROR: int = 0
    WARNING: int = 0
    SUPPRESSED: int = 0
    PASS: int = 0

    @property
    def total(self) -> int:
        return self.FAIL + self.ERROR + self.WARNING + self.SUPPRESSED + self.PASS

    def of(self, status: Status) -> int:
        return int(getattr(self, status.value))


class AccountSummary(Frozen):
    account_id: str
    name: str = ""
    counts: StatusCounts


class RegionSummary(Frozen):
    region: str
    counts: StatusCounts


class CheckSummary(Frozen):
    check_id: str
    control_id: str | None = None
    title: str = ""
    severity: Severity
    counts: StatusCounts

    @property
    def label(self) -> str:
        return self.control_id or self.check_id


class CheckLike(Protocol):
    """What the summary needs of a check (scanner.check.Check satisfies it)."""

    @property
    def id(self) -> str: ...

    @property
    def control_id(self) -> str | None: ...

    @property
    def title(self) -> str: ...


class RequirementStatus(StrEnum):
    """A framework requirement's status in one scan (Security Hub control-status semantics)."""

    PASS = "PASS"  # noqa: S105 - a status, not a password
    FAIL = "FAIL"
    WARNING = "WARNING"
    NOT_AVAILABLE = "NOT_AVAILABLE"
    """Some data could not be collected (ERROR findings, or an account not accessible)."""
    SUPPRESSED = "SUPPRESSED"
    """Every finding in scope is an accepted risk."""
    NO_DATA = "NO_DATA"
    """Its checks ran and found nothing to evaluate (Security Hub's "No data")."""
    NOT_EVALUATED = "NOT_EVALUATED"
    """Some or all of the checks that decide it were not part of this scan."""
    MANUAL = "MANUAL"
    """Needs a manual assessment; no check decides it."""


#: Display order, what needs attention first.
REQUIREMENT_ORDER: tuple[RequirementStatus, ...] = tuple(RequirementStatus)
#: Statuses in the % compliant denominator: MANUAL and NO_DATA are left out (as Security Hub
#: leaves out controls with no data); NOT_EVALUATED and SUPPRESSED are in it, never compliant.
ASSESSED: frozenset[RequirementStatus] = frozenset(
    set(RequirementStatus) - {RequirementStatus.MANUAL, RequirementStatus.NO_DATA}
)


class RequirementSummary(Frozen):
    """One requirement (or one standard member control) and the findings that decide it."""

    id: str
    title: str = ""
    label: str = ""
    """As Security Hub writes it in Compliance.RelatedRequirements."""
    status: RequirementStatus
    checks: tuple[str, ...] = ()
    """The check or control ids the framework names for it."""
    check_ids: tuple[str, ...] = ()
    """The checks of this scan that decide it."""
    check_labels: tuple[str, ...] = ()
    """Their control ids (or check ids), in the same order."""
    missing: tuple[str, ...] = ()
    """Named checks that were not part of this scan."""
    counts: StatusCounts = StatusCounts()
    failing_accounts: int = 0


class FrameworkSummary(Frozen):
    """A framework's requirements with their status, and the share that complies."""

    key: str
    name: str
    standards_id: str | None = None
    requirements: tuple[RequirementSummary, ...] = ()
    members: tuple[RequirementSummary, ...] = ()
    """Controls in the standard whose requirement number is not mapped (not in the %)."""
    statuses: dict[RequirementStatus, int] = {}

    @property
    def assessed(self) -> int:
        return sum(n for st, n in self.statuses.items() if st in ASSESSED)

    @property
    def passed(self) -> int:
        return self.statuses.get(RequirementStatus.PASS, 0)

    @property
    def percent(self) -> float | None:
        """% of assessed requirements that pass; None when none could be assessed."""
        if not self.assessed:
            return None
        return round(100.0 * self.passed / self.assessed, 1)

    @classmethod
    def build(
        cls, framework: Framework, findings: Sequence[Finding], checks: Sequence[CheckLike]
    ) -> FrameworkSummary:
        by_check: dict[str, list[Finding]] = {}
        access_errors: list[Finding] = []
        for f in findings:
            by_check.setdefault(f.check_id, []).append(f)
            if f.check_id == ACCOUNT_ACCESS_CHECK and f.status is Status.ERROR:
                access_errors.append(f)
        reqs = tuple(
            _requirement(
                req.id,
                req.title,
                framework.label(req),
                req,
                checks,
                by_check,
                access_errors,
            )
            for req in framework.requirements
        )
        members = tuple(
            _requirement(ref, _title(ref, checks), ref, None, checks, by_check, access_errors)
            for ref in framework.members
        )
        statuses = Counter(r.status for r in reqs)
        return cls(
            key=framework.key,
            name=framework.name,
            standards_id=framework.standards_id,
            requirements=reqs,
            members=members,
            statuses={st: statuses[st] for st in REQUIREMENT_ORDER if statuses[st]},
        )


def _title(ref: str, checks: Sequence[CheckLike]) -> str:
    for check in checks:
        if ref in (check.id, check.control_id):
            return check.title
    return ""


def _requirement(
    req_id: str,
    title: str,
    label: str,
    req: Requirement | None,
    checks: Sequence[CheckLike],
    by_check: dict[str, list[Finding]],
    access_errors: Sequence[Finding],
) -> RequirementSummary:
    refs = tuple(req.checks) if req is not None else (req_id,)
    if req is not None and req.manual:
        return RequirementSummary(
            id=req_id, title=title, label=label, status=RequirementStatus.MANUAL, checks=refs
        )
    deciding = [c for c in checks if c.id in refs or (c.control_id and c.control_id in refs)]
    ids = [c.id for c in deciding]
    covered = {ref for ref in refs for c in checks if ref in (c.id, c.control_id)}
    missing = tuple(ref for ref in refs if ref not in covered)
    tally: Counter[Status] = Counter()
    failing: set[str] = set()
    for check_id in ids:
        for f in by_check.get(check_id, ()):
            tally[f.status] += 1
            if f.status is Status.FAIL:
                failing.add(f.account_id)
    if ids:  # an account that could not be scanned was not assessed for this requirement
        for f in access_errors:
            tally[f.status] += 1
    status = _requirement_status(tally)
    if missing and status in (RequirementStatus.PASS, RequirementStatus.NO_DATA):
        status = RequirementStatus.NOT_EVALUATED  # never a PASS from part of its checks
    if not ids:
        status = RequirementStatus.NOT_EVALUATED
    return RequirementSummary(
        id=req_id,
        title=title,
        label=label,
        status=status,
        checks=refs,
        check_ids=tuple(ids),
        check_labels=tuple(c.control_id or c.id for c in deciding),
        missing=missing,
        counts=_counts(tally),
        failing_accounts=len(failing),
    )


def _requirement_status(tally: Counter[Status]) -> RequirementStatus:
    """Security Hub's rule: suppressed findings do not decide the status."""
    if tally[Status.FAIL]:
        return RequirementStatus.FAIL
    if tally[Status.ERROR]:
        return RequirementStatus.NOT_AVAILABLE
    if tally[Status.WARNING]:
        return RequirementStatus.WARNING
    if tally[Status.PASS]:
        return RequirementStatus.PASS
    if tally[Status.SUPPRESSED]:
        return RequirementStatus.SUPPRESSED
    return RequirementStatus.NO_DATA


class ScanSummary(Frozen):
    """Counts computed from the findings of one scan (plus the accounts and regions it covered)."""

    total: int
    complete: bool = True
    by_status: StatusCounts
    by_severity: dict[Severity, StatusCounts]
    accounts: tuple[AccountSummary, ...] = ()
    regions: tuple[RegionSummary, ...] = ()
    checks: tuple[CheckSummary, ...] = ()
    skipped_accounts: int = 0
    frameworks: tuple[FrameworkSummary, ...] = ()

    @property
    def has_failures(self) -> bool:
        return self.by_status.FAIL > 0

    @property
    def has_errors(self) -> bool:
        return self.by_status.ERROR > 0

    @property
    def has_suppressed(self) -> bool:
        return self.by_status.SUPPRESSED > 0

    @classmethod
    def build(
        cls,
        findings: Sequence[Finding],
        meta: ScanMeta,
        frameworks: Sequence[Framework] = (),
        checks: Sequence[CheckLike] = (),
    ) -> ScanSummary:
        """Count `findings`; every scanned account and region appears, even with no findings.

        `frameworks` get a per-requirement status, decided by `checks` (the checks of the scan).
        """
        by_status: Counter[Status] = Counter()
        by_severity: dict[Severity, Counter[Status]] = {s: Counter() for s in SEVERITY_ORDER}
        by_account: dict[str, Counter[Status]] = {a.account_id: Counter() for a in meta.accounts}
        by_region: dict[str, Counter[Status]] = {r: Counter() for r in meta.regions}
        by_check: dict[str, Counter[Status]] = {}
        names = {a.account_id: a.name for a in meta.accounts}
        check_info: dict[str, Finding] = {}
        check_severity: dict[str, Severity] = {}
        for f in findings:
            by_status[f.status] += 1
            by_severity[f.severity][f.status] += 1
            by_account.setdefault(f.account_id, Counter())[f.status] += 1
            by_region.setdefault(f.region, Counter())[f.status] += 1
            by_check.setdefault(f.check_id, Counter())[f.status] += 1
            if not names.get(f.account_id):
                names[f.account_id] = f.account_name
            check_info.setdefault(f.check_id, f)
            known = check_severity.get(f.check_id)
            if known is None or f.severity.rank > known.rank:
                check_severity[f.check_id] = f.severity

        accounts = sorted(
            (
                AccountSummary(account_id=acct, name=names.get(acct, ""), counts=_counts(tally))
                for acct, tally in by_account.items()
            ),
            key=_worst_first,
        )
        regions = [
            RegionSummary(region=region, counts=_counts(by_region[region]))
            for region in sorted(by_region)
        ]
        check_rows = sorted(
            (
                CheckSummary(
                    check_id=check_id,
                    control_id=check_info[check_id].control_id,
                    title=check_info[check_id].title,
                    severity=check_severity[check_id],
                    counts=_counts(tally),
                )
                for check_id, tally in by_check.items()
            ),
            key=lambda c: (-c.severity.rank, c.label.lower(), c.check_id),
        )
        return cls(
            total=len(findings),
            complete=meta.complete,
            by_status=_counts(by_status),
            by_severity={sev: _counts(tally) for sev, tally in by_severity.items()},
            accounts=tuple(accounts),
            regions=tuple(regions),
            checks=tuple(check_rows),
            skipped_accounts=len(meta.skipped_accounts),
            frameworks=tuple(FrameworkSummary.build(fw, findings, checks) for fw in frameworks),
        )


def summarize(
    findings: Sequence[Finding],
    meta: ScanMeta,
    frameworks: Sequence[Framework] = (),
    checks: Sequence[CheckLike] = (),
) -> ScanSummary:
    """The summary of one scan (same as `ScanSummary.build`)."""
    return ScanSummary.build(findings, meta, frameworks, checks)


@dataclass(frozen=True)
class ReportExtras:
    """What some reports show beyond the findings: suppression outcomes, changes since a
    baseline scan."""

    suppressions: SuppressionReport | None = None
    changes: ChangeSet | None = None
    findings_sha256: str | None = None
    """SHA-256 of the findings.json written with this report (shown in report.html)."""
    trend: TrendView | None = None
    """Earlier scans from the history, and the deltas since the last one."""


def _counts(tally: Counter[Status]) -> StatusCounts:
    return StatusCounts(**{s.value: tally[s] for s in Status})


def _worst_first(acct: AccountSummary) -> tuple[int, int, str, str]:
    return (-acct.counts.FAIL, -acct.counts.ERROR, acct.name.lower(), acct.account_id)

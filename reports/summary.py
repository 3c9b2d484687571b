"""Scan metadata and the counts every report shows (by status, severity, account, region, check)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import datetime

from scanner.findings import Finding
from scanner.inventory import Inventory, SkippedAccount
from scanner.model import Frozen, Severity, Status

#: Display order of statuses: what needs attention first.
STATUS_ORDER: tuple[Status, ...] = (Status.FAIL, Status.ERROR, Status.WARNING, Status.PASS)
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

    @classmethod
    def from_inventory(
        cls,
        inventory: Inventory,
        checks: Iterable[str],
        finished_at: datetime,
        complete: bool = True,
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
        )


class StatusCounts(Frozen):
    """Findings per status."""

    FAIL: int = 0
    ERROR: int = 0
    WARNING: int = 0
    PASS: int = 0

    @property
    def total(self) -> int:
        return self.FAIL + self.ERROR + self.WARNING + self.PASS

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

    @property
    def has_failures(self) -> bool:
        return self.by_status.FAIL > 0

    @property
    def has_errors(self) -> bool:
        return self.by_status.ERROR > 0

    @classmethod
    def build(cls, findings: Sequence[Finding], meta: ScanMeta) -> ScanSummary:
        """Count `findings`; every scanned account and region appears, even with no findings."""
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
        checks = sorted(
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
            checks=tuple(checks),
            skipped_accounts=len(meta.skipped_accounts),
        )


def summarize(findings: Sequence[Finding], meta: ScanMeta) -> ScanSummary:
    """The summary of one scan (same as `ScanSummary.build`)."""
    return ScanSummary.build(findings, meta)


def _counts(tally: Counter[Status]) -> StatusCounts:
    return StatusCounts(**{s.value: tally[s] for s in Status})


def _worst_first(acct: AccountSummary) -> tuple[int, int, str, str]:
    return (-acct.counts.FAIL, -acct.counts.ERROR, acct.name.lower(), acct.account_id)

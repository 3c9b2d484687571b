"""Scan metadata and the counts every report shows (by status, severity, account, region, check)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, NamedTuple, Protocol

from pydantic import Field

from scanner.core.evaluate import ACCOUNT_ACCESS_CHECK
from scanner.core.findings import Finding
from scanner.core.frameworks import Scope
from scanner.core.inventory import Inventory, SkippedAccount
from scanner.core.model import CollectionError, Frozen, Severity, Status

if TYPE_CHECKING:
    from reports.diff import ChangeSet
    from reports.trend import TrendView
    from scanner.core.frameworks import Framework, Requirement
    from scanner.core.logsource_inventory import LogSourceInventory
    from scanner.core.suppressions import SuppressionReport

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
    """An account the scan covered (it may still hold only an access ERROR finding).

    `metadata_errors`: the Organizations calls for its OU path or tags that failed (a gap in
    the findings' context, never in their verdicts).
    """

    account_id: str
    name: str = ""
    ou_path: tuple[str, ...] = ()
    tags: dict[str, str] = Field(default_factory=dict)
    """The account's tags, stored here once (findings.json does not repeat them per finding)."""
    metadata_errors: tuple[CollectionError, ...] = ()


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
                ScannedAccount(
                    account_id=a.account_id,
                    name=a.info.name,
                    ou_path=a.info.ou_path,
                    tags=a.info.tags,
                    metadata_errors=a.info.metadata_errors,
                )
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
    """What the summary needs of a check (scanner.core.check.Check satisfies it)."""

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
    """Its checks ran, nothing failed, but some of the data they needed could not be read."""
    SUPPRESSED = "SUPPRESSED"
    """Every finding in scope is an accepted risk."""
    NO_DATA = "NO_DATA"
    """Its checks ran and found nothing to evaluate (Security Hub's "No data")."""
    NOT_ASSESSED = "NOT_ASSESSED"
    """Some or all of the checks that decide it were not part of this scan."""
    MANUAL = "MANUAL"
    """Needs a manual assessment; no check decides it."""


#: Display order, what needs attention first.
REQUIREMENT_ORDER: tuple[RequirementStatus, ...] = tuple(RequirementStatus)
#: How the statuses of several accounts combine (the same rule as `requirement_status`).
_COMBINE_ORDER: tuple[RequirementStatus, ...] = (
    RequirementStatus.FAIL,
    RequirementStatus.NOT_ASSESSED,
    RequirementStatus.NOT_AVAILABLE,
    RequirementStatus.WARNING,
    RequirementStatus.PASS,
    RequirementStatus.SUPPRESSED,
    RequirementStatus.NO_DATA,
)
#: The statuses in the score (Security Hub's security score: passed / (passed + failed)).
SCORED: frozenset[RequirementStatus] = frozenset({RequirementStatus.PASS, RequirementStatus.FAIL})
#: Finding statuses that carry a verdict on data that was read (ERROR: the data was not read).
READ: frozenset[Status] = frozenset(set(Status) - {Status.ERROR})


class Score(Frozen):
    """Security Hub's score for one scope: passed / (passed + failed) requirements.

    Every other requirement status (not assessed, no data, not available, warning, suppressed,
    manual) is left out of the score. Coverage is counted in findings (one resource evaluated by
    one check): `read` had their data collected, `unread` are ERROR findings.
    """

    passed: int = 0
    failed: int = 0
    unscored: int = 0
    """Automated requirements left out of the score (not assessed, no data, ...); not MANUAL."""
    read: int = 0
    unread: int = 0

    @property
    def scored(self) -> int:
        return self.passed + self.failed

    @property
    def percent(self) -> float | None:
        """passed / (passed + failed) in %, one decimal; None when nothing was assessed."""
        if not self.scored:
            return None
        return round(100.0 * self.passed / self.scored, 1)

    @property
    def evaluated(self) -> int:
        return self.read + self.unread

    @classmethod
    def of(cls, statuses: Iterable[RequirementStatus], tally: Counter[Status]) -> Score:
        counts = Counter(st for st in statuses if st is not RequirementStatus.MANUAL)
        passed = counts[RequirementStatus.PASS]
        failed = counts[RequirementStatus.FAIL]
        return cls(
            passed=passed,
            failed=failed,
            unscored=sum(counts.values()) - passed - failed,
            read=sum(n for st, n in tally.items() if st in READ),
            unread=tally[Status.ERROR],
        )


class ScopeScore(Frozen):
    """A framework's score in one account or one organizational unit."""

    key: str
    """The account id, or the OU path joined with ` / ` (empty: accounts with no OU known)."""
    name: str = ""
    ou: str = ""
    score: Score = Score()


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
    failing_account_ids: tuple[str, ...] = ()
    """The accounts with a FAILED finding for it (sorted)."""
    account_status: dict[str, RequirementStatus] = Field(default_factory=dict, exclude=True)
    """Its status in each account that has findings for it (not written to findings.json)."""


class OutOfScope(Frozen):
    """A requirement of the framework that this tool does not assess."""

    id: str
    section: str = ""


class FrameworkSummary(Frozen):
    """A framework's requirements with their status, its scope and its scores."""

    key: str
    name: str
    standards_id: str | None = None
    requirements: tuple[RequirementSummary, ...] = ()
    members: tuple[RequirementSummary, ...] = ()
    """Controls in the standard whose requirement number is not mapped (not in the score)."""
    statuses: dict[RequirementStatus, int] = {}
    score: Score = Score()
    """The Organization's (the whole scan's) score."""
    accounts: tuple[ScopeScore, ...] = ()
    ous: tuple[ScopeScore, ...] = ()
    automated: int = 0
    manual: int = 0
    out_of_scope: tuple[OutOfScope, ...] = ()
    out_of_scope_count: int = 0
    """Out-of-scope requirements, including unlisted ones when the framework's total is known."""
    total_requirements: int | None = None
    scope_note: str = ""

    @property
    def assessed(self) -> int:
        """Requirements in the score (PASS or FAIL)."""
        return self.score.scored

    @property
    def passed(self) -> int:
        return self.score.passed

    @property
    def failed(self) -> int:
        return self.score.failed

    @property
    def percent(self) -> float | None:
        """passed / (passed + failed); None ("not assessed") when no requirement was assessed."""
        return self.score.percent

    @classmethod
    def build(
        cls,
        framework: Framework,
        findings: Sequence[Finding],
        checks: Sequence[CheckLike],
        accounts: Sequence[ScannedAccount] = (),
        index: tuple[_Tallies, dict[str, Counter[Status]]] | None = None,
        memo: _Memo | None = None,
    ) -> FrameworkSummary:
        """`index`: `_index(findings)`, and `memo` (an empty dict at first, then as this left
        it), when the caller builds several frameworks of the same findings."""

        by_check, access_errors = index or _index(findings)
        memo = {} if memo is None else memo
        reqs = tuple(
            _requirement(
                req.id,
                req.title,
                framework.label(req),
                req,
                checks,
                by_check,
                access_errors,
                memo,
            )
            for req in framework.requirements
        )
        members = tuple(
            _requirement(ref, _title(ref, checks), ref, None, checks, by_check, access_errors, memo)
            for ref in framework.members
        )
        statuses = Counter(r.status for r in reqs)
        tally = _framework_tally(reqs, by_check, access_errors)
        scope = framework.scope_counts()
        return cls(
            key=framework.key,
            name=framework.name,
            standards_id=framework.standards_id,
            requirements=reqs,
            members=members,
            statuses={st: statuses[st] for st in REQUIREMENT_ORDER if statuses[st]},
            score=Score.of((r.status for r in reqs), tally[""]),
            accounts=_account_scores(reqs, tally, accounts),
            ous=_ou_scores(reqs, tally, accounts),
            automated=scope[Scope.AUTOMATED],
            manual=scope[Scope.MANUAL],
            out_of_scope=tuple(
                OutOfScope(id=r.id, section=r.title) for r in framework.out_of_scope
            ),
            out_of_scope_count=scope[Scope.OUT_OF_SCOPE],
            total_requirements=framework.total_requirements,
            scope_note=framework.scope_note,
        )


#: Finding statuses per check id, then per account id.
_Tallies = dict[str, dict[str, Counter[Status]]]


def _index(findings: Sequence[Finding]) -> tuple[_Tallies, dict[str, Counter[Status]]]:
    """Statuses per check and account, and the account-access ERRORs per account."""
    by_check: _Tallies = {}
    access: dict[str, Counter[Status]] = {}
    for f in findings:
        by_check.setdefault(f.check_id, {}).setdefault(f.account_id, Counter())[f.status] += 1
        if f.check_id == ACCOUNT_ACCESS_CHECK and f.status is Status.ERROR:
            access.setdefault(f.account_id, Counter())[f.status] += 1
    return by_check, access


def _title(ref: str, checks: Sequence[CheckLike]) -> str:
    for check in checks:
        if ref in (check.id, check.control_id):
            return check.title
    return ""


def _framework_tally(
    reqs: Sequence[RequirementSummary],
    by_check: _Tallies,
    access_errors: dict[str, Counter[Status]],
) -> dict[str, Counter[Status]]:
    """Finding statuses per account ("" for all of them) over the framework's deciding findings
    (the findings of every check that decides a requirement, and the account-access errors)."""
    check_ids = {c for req in reqs for c in req.check_ids}
    tally: dict[str, Counter[Status]] = {"": Counter()}
    sources = [by_check.get(c, {}) for c in sorted(check_ids)]
    if check_ids:
        sources.append(access_errors)
    for per_account in sources:
        for acct, counts in per_account.items():
            _add(tally[""], counts)
            _add(tally.setdefault(acct, Counter()), counts)
    return tally


def _ou_label(account: ScannedAccount) -> str:
    return " / ".join(account.ou_path)


def _account_scores(
    reqs: Sequence[RequirementSummary],
    tally: dict[str, Counter[Status]],
    accounts: Sequence[ScannedAccount],
) -> tuple[ScopeScore, ...]:
    known = {a.account_id: a for a in accounts}
    ids = list(dict.fromkeys([*known, *(k for k in tally if k)]))
    scopes = [_one_account_scope(r) for r in reqs if r.status is not RequirementStatus.MANUAL]
    out = []
    for acct in ids:
        info = known.get(acct, ScannedAccount(account_id=acct))
        statuses = [
            default if states is None else states.get(acct, default) for states, default in scopes
        ]
        out.append(
            ScopeScore(
                key=acct,
                name=info.name,
                ou=_ou_label(info),
                score=Score.of(statuses, tally.get(acct, Counter())),
            )
        )
    return tuple(out)


def _one_account_scope(
    req: RequirementSummary,
) -> tuple[dict[str, RequirementStatus] | None, RequirementStatus]:
    """`_in_scope(req, (account,))` for every account at once, for a requirement that is not
    manual: (statuses per account or None, the status of an account not among them)."""
    if req.status is RequirementStatus.NOT_ASSESSED and not req.counts.total:
        return None, RequirementStatus.NOT_ASSESSED
    if req.status is RequirementStatus.NOT_ASSESSED:
        return req.account_status, RequirementStatus.NOT_ASSESSED
    return req.account_status, RequirementStatus.NO_DATA


def _ou_scores(
    reqs: Sequence[RequirementSummary],
    tally: dict[str, Counter[Status]],
    accounts: Sequence[ScannedAccount],
) -> tuple[ScopeScore, ...]:
    members: dict[str, list[str]] = {}
    for acct in accounts:
        members.setdefault(_ou_label(acct), []).append(acct.account_id)
    if len(members) < 2 and "" in members:
        return ()  # no OU known: the Organization's score says it all
    out = []
    for ou in sorted(members):
        ids = members[ou]
        statuses = [_in_scope(r, ids) for r in reqs]
        combined: Counter[Status] = Counter()
        for member in ids:
            _add(combined, tally.get(member, _NONE))
        out.append(
            ScopeScore(
                key=ou,
                name=ou,
                ou=ou,
                score=Score.of((s for s in statuses if s is not None), combined),
            )
        )
    return tuple(out)


def _in_scope(req: RequirementSummary, accounts: Sequence[str]) -> RequirementStatus | None:
    """`req`'s status over the findings of `accounts`; None for a manual requirement."""
    if req.status is RequirementStatus.MANUAL:
        return None
    if req.status is RequirementStatus.NOT_ASSESSED and not req.counts.total:
        return RequirementStatus.NOT_ASSESSED
    seen = {req.account_status[a] for a in accounts if a in req.account_status}
    if not seen:
        if req.status is RequirementStatus.NOT_ASSESSED:
            return RequirementStatus.NOT_ASSESSED
        return RequirementStatus.NO_DATA
    return next(st for st in _COMBINE_ORDER if st in seen)


def _requirement(
    req_id: str,
    title: str,
    label: str,
    req: Requirement | None,
    checks: Sequence[CheckLike],
    by_check: _Tallies,
    access_errors: dict[str, Counter[Status]],
    memo: _Memo | None = None,
) -> RequirementSummary:
    refs = tuple(req.checks) if req is not None else (req_id,)
    if req is not None and req.manual:
        return RequirementSummary(
            id=req_id, title=title, label=label, status=RequirementStatus.MANUAL, checks=refs
        )
    deciding = [c for c in checks if c.id in refs or (c.control_id and c.control_id in refs)]
    ids = tuple(c.id for c in deciding)
    covered = {ref for ref in refs for c in checks if ref in (c.id, c.control_id)}
    missing = tuple(ref for ref in refs if ref not in covered)
    key = (ids, bool(missing))
    decided = memo.get(key) if memo is not None else None
    if decided is None:
        decided = _decide(ids, bool(missing), by_check, access_errors)
        if memo is not None:
            memo[key] = decided
    return RequirementSummary(
        id=req_id,
        title=title,
        label=label,
        status=decided.status,
        checks=refs,
        check_ids=ids,
        check_labels=tuple(c.control_id or c.id for c in deciding),
        missing=missing,
        counts=decided.counts,
        failing_accounts=len(decided.failing),
        failing_account_ids=decided.failing,
        account_status=decided.account_status,
    )


class _Decided(NamedTuple):
    """What the findings of a set of checks decide, whichever requirement names them."""

    status: RequirementStatus
    counts: StatusCounts
    failing: tuple[str, ...]
    account_status: dict[str, RequirementStatus]


#: Requirements (of every framework of a summary) decided by the same checks: _Decided once.
_Memo = dict[tuple[tuple[str, ...], bool], _Decided]


def _decide(
    ids: tuple[str, ...],
    partial: bool,
    by_check: _Tallies,
    access_errors: dict[str, Counter[Status]],
) -> _Decided:
    tally: Counter[Status] = Counter()
    per_account: dict[str, Counter[Status]] = {}
    sources = [by_check.get(check_id, {}) for check_id in ids]
    if ids:  # an account that could not be scanned was not assessed for this requirement
        sources.append(access_errors)
    verdicts: Counter[Status] = Counter()
    for source in sources:
        for acct, counts in source.items():
            _add(tally, counts)
            if source is access_errors:
                continue  # not entered: coverage, like an account Security Hub has no data for
            _add(verdicts, counts)
            _add(per_account.setdefault(acct, Counter()), counts)
    failing = sorted(a for a, t in per_account.items() if t[Status.FAIL])
    return _Decided(
        status=requirement_status(verdicts or tally, bool(ids), partial),
        counts=_counts(tally),
        failing=tuple(failing),
        account_status={
            acct: requirement_status(t, bool(ids), partial)
            for acct, t in sorted(per_account.items())
        },
    )


_NONE: Counter[Status] = Counter()


def _add(into: Counter[Status], counts: Counter[Status]) -> None:
    """`into.update(counts)` for a Counter `counts` (without Counter.update's type checks)."""
    for status, n in counts.items():
        into[status] += n


def requirement_status(
    tally: Counter[Status], decided: bool = True, partial: bool = False
) -> RequirementStatus:
    """A requirement's status from the statuses of its findings.

    Security Hub's rule: any FAIL fails it; it passes only when every finding that decides it
    passed. A finding whose data could not be read (ERROR) makes it NOT AVAILABLE, never PASS
    (ambiguous in Security Hub's documentation: we choose what avoids a false PASS); it is then
    left out of the score and counted as coverage. Accounts that could not be entered at all
    are not in `tally` (the caller leaves them to coverage, as Security Hub has no data for
    them). It is NOT ASSESSED when no check that decides it ran (`decided` False) or only some
    did (`partial`) and nothing failed; suppressed findings do not decide it.
    """
    if not decided:
        return RequirementStatus.NOT_ASSESSED
    if tally[Status.FAIL]:
        return RequirementStatus.FAIL
    if partial:
        return RequirementStatus.NOT_ASSESSED  # never a PASS from part of its checks
    if tally[Status.ERROR]:
        return RequirementStatus.NOT_AVAILABLE  # never a PASS from part of its data
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
            if known is None or (f.severity is not known and f.severity.rank > known.rank):
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
        scope_accounts = _accounts_with_ou(meta, findings) if frameworks else []
        index = _index(findings) if frameworks else None
        memo: _Memo = {}
        return cls(
            total=len(findings),
            complete=meta.complete,
            by_status=_counts(by_status),
            by_severity={sev: _counts(tally) for sev, tally in by_severity.items()},
            accounts=tuple(accounts),
            regions=tuple(regions),
            checks=tuple(check_rows),
            skipped_accounts=len(meta.skipped_accounts),
            frameworks=tuple(
                FrameworkSummary.build(fw, findings, checks, scope_accounts, index, memo)
                for fw in frameworks
            ),
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
    log_sources: LogSourceInventory | None = None
    """Every log source of the scan and where it delivers (findings.json, report.html,
    log-sources.csv)."""


def _accounts_with_ou(meta: ScanMeta, findings: Sequence[Finding]) -> list[ScannedAccount]:
    """The scan's accounts with their OU (from the findings when the metadata has none)."""
    ous: dict[str, tuple[str, ...]] = {}
    names: dict[str, str] = {}
    for f in findings:
        if f.ou_path and f.account_id not in ous:
            ous[f.account_id] = f.ou_path
        if f.account_name:
            names.setdefault(f.account_id, f.account_name)
    out = [
        a.model_copy(
            update={
                "ou_path": a.ou_path or ous.get(a.account_id, ()),
                "name": a.name or names.get(a.account_id, ""),
            }
        )
        for a in meta.accounts
    ]
    known = {a.account_id for a in out}
    for acct in dict.fromkeys(f.account_id for f in findings):
        if acct not in known:
            out.append(
                ScannedAccount(account_id=acct, name=names.get(acct, ""), ou_path=ous.get(acct, ()))
            )
    return out


def _counts(tally: Counter[Status]) -> StatusCounts:
    return StatusCounts(**{s.value: tally[s] for s in Status})


def _worst_first(acct: AccountSummary) -> tuple[int, int, str, str]:
    return (-acct.counts.FAIL, -acct.counts.ERROR, acct.name.lower(), acct.account_id)

"""Real time: one CloudTrail API-call event -> fresh data, the affected checks, Security Hub.

For each event (see scanner.realtime.api_calls for the mapping):

1. The account and region it happened in, the datasets the call can change, and the selected
   checks that read them ("affected checks"). Irrelevant events stop here, with no AWS call.
2. Collection, with the scan's engine (scanner.aws.engine.collect): every dataset the affected
   checks require (dependencies included), for that one account — never another dataset, so a
   StopLogging event lists no VPC. The account's data is always collected fresh, never taken
   from a saved inventory (stale data could turn a failure into a false PASS). Regions: only
   the call's region when the change is regional and local (a VPC, a KMS key, an event rule:
   see realtime.api_calls.LOCAL) and no affected check is account-level; otherwise every region of
   the account (a multi-Region trail, a trail status, an alarm on the trail's log group or an
   S3 bucket setting is read by the checks of every region).
3. Evaluation, with the scan's engine (scanner.core.evaluate.evaluate), of the affected checks only.
   Organization context: the checks of one account read other accounts' data (the management
   account's organization trail, the log-archive bucket). With a saved inventory
   (`--inventory`, from `scan --org --save-inventory`), the rest of the Organization comes from
   it; without one, the account is evaluated alone, as `scan --accounts <id>` would. Only the
   event account's findings are kept (and, for regional checks, only those of the re-evaluated
   regions), with one exception: a change to an organization trail (the named trail is one in
   the fresh data, in the saved inventory, or the call sets isOrganizationTrail) also
   re-evaluates the affected checks of every other account of the saved inventory's
   Organization (the trail covers them all), on their data from the inventory and the trail
   account's fresh data, so their verdicts are those a full scan would give. Without a saved
   inventory the members are not known: the result says so and the account is evaluated alone.
4. Import (scanner.publish.securityhub.import_findings, as `scan --securityhub`): the re-evaluated
   findings, with the (account, region, check) scopes just evaluated, so that what no longer
   applies there is archived. PASSED findings follow the scan's rule: sent only with
   `securityhub_passed`, else a stored ACTIVE finding that now passes is archived. Findings
   left undelivered by an error (not a region without Security Hub) make the event
   retryable (`_delivery_failed`).

The latency printed is from the moment the event is handled to the moment its findings are
imported (or evaluated, without import); the event's age (now - event time) is shown apart.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

from reports.asff import to_asff
from scanner import __version__
from scanner.aws.accounts import assume_account, enabled_regions
from scanner.aws.engine import AccountTarget, collect
from scanner.aws.options import ScanOptions, scan_home_region
from scanner.aws.registry import all_collectors, botocore_services, required_collectors
from scanner.aws.session import AccountSession, ClientSettings, Sessions
from scanner.core.check import Check
from scanner.core.dataset import Scope
from scanner.core.datasets.cloudtrail import TRAILS, Trail
from scanner.core.errors import TrailwatchError, UsageError
from scanner.core.evaluate import evaluate
from scanner.core.findings import Finding
from scanner.core.frameworks import Frameworks
from scanner.core.inputs import load_inventory
from scanner.core.inventory import AccountInfo, AccountInventory, Inventory
from scanner.core.model import CollectionError, Status
from scanner.core.registry import all_checks, select_checks
from scanner.core.reporter import SILENT, Reporter
from scanner.core.suppressions import SuppressionRule, apply_suppressions
from scanner.publish.hub_import import import_sessions, import_to_hub
from scanner.publish.securityhub import ImportReport, evaluated_scopes
from scanner.realtime.api_calls import ApiCall, EventError, Impact, assess, read_events

log = logging.getLogger(__name__)

Progress = Callable[[str], None]
CallKey = tuple[str, str, str, str]

EXIT_MALFORMED = 2
EXIT_FAILED = 3
EXIT_IMPORT_FAILED = 4
#: Error codes of opening an account that may go away on a retry.
TRANSIENT_CODES = frozenset(
    {"Throttling", "ThrottlingException", "RequestLimitExceeded", "Timeout", "ConnectionError"}
)


@dataclass(frozen=True)
class WatchOptions:
    """How events are handled: the scan's options (roles, regions, endpoint) and the import."""

    scan: ScanOptions = field(default_factory=ScanOptions)
    checks: tuple[str, ...] = ()
    securityhub: bool = False
    securityhub_passed: bool = False
    securityhub_home_region: str | None = None
    dry_run: bool = False
    suppressions: tuple[SuppressionRule, ...] = ()
    """trailwatch.yaml `suppressions`: applied as in a scan, before the import."""


class Outcome(StrEnum):
    DONE = "done"
    IGNORED = "ignored"
    MALFORMED = "malformed"
    FAILED = "failed"


@dataclass
class EventResult:
    """What one event did."""

    label: str
    outcome: Outcome
    message: str = ""
    impact: Impact | None = None
    regions: tuple[str, ...] = ()
    """Regions whose regional findings were re-evaluated."""
    collected_regions: tuple[str, ...] = ()
    findings: list[Finding] = field(default_factory=list)
    changes: list[tuple[Finding, Status | None]] = field(default_factory=list)
    """Findings whose status differs from the last one this watcher knew (None: not known)."""
    resolved: list[str] = field(default_factory=list)
    """Ids this watcher knew in the re-evaluated scopes that no longer apply."""
    report: ImportReport | None = None
    """What the Security Hub import did (with `securityhub`)."""
    calls: Counter[CallKey] = field(default_factory=Counter)
    latency_s: float | None = None
    """From handling the event to its findings imported (or evaluated, without import)."""
    timings: dict[str, float] = field(default_factory=dict)
    """Seconds spent collecting (incl. opening the account), evaluating, importing."""
    event_age_s: float | None = None
    retryable: bool = False
    """True when trying the same event again may succeed (a transient failure)."""
    members: tuple[str, ...] = ()
    """Other accounts re-evaluated because the call changed an organization trail."""
    context: str | None = None
    """The saved inventory (scan id) the Organization context came from; None: none."""

    @property
    def api_calls(self) -> int:
        return sum(self.calls.values())

    @property
    def exit_code(self) -> int:
        if self.outcome is Outcome.MALFORMED:
            return EXIT_MALFORMED
        if self.outcome is Outcome.FAILED:
            return EXIT_FAILED
        if self.report is not None and _delivery_failed(self.report):
            return EXIT_IMPORT_FAILED
        if any(f.status is Status.ERROR for f in self.findings):
            return EXIT_FAILED
        return 0

    def calls_by_operation(self) -> dict[str, int]:
        per: Counter[str] = Counter()
        for (_account, _region, service, op), n in self.calls.items():
            per[f"{service}:{op}"] += n
        return dict(sorted(per.items()))

    def lines(self) -> list[str]:
        head = f"[{self.label}] " if self.label else ""
        if self.impact is None or self.outcome is Outcome.MALFORMED:
            return [f"{head}{self.outcome.value}: {self.message}"]
        call = self.impact.call
        what = f" {call.resource}" if call.resource else ""
        out = [
            f"{head}{call.label}{what} in {call.account_id} {call.region}: {self.outcome.value}"
            + (f": {self.message}" if self.message else "")
        ]
        out.append("  datasets: " + ", ".join(ds.name for ds in self.impact.datasets))
        out.append("  checks: " + ", ".join(c.label for c in self.impact.checks))
        if self.outcome is not Outcome.DONE:
            out.append(f"  {self.api_calls} API call(s)")
            return out
        statuses = Counter(f.status.value for f in self.findings)
        if self.members:
            out.append(
                f"  organization trail: {len(self.members)} member account(s) re-evaluated "
                f"from inventory {self.context}: {', '.join(self.members)}"
            )
        out.append(
            f"  re-evaluated in {','.join(self.regions)} (collected in "
            f"{','.join(self.collected_regions)}): {len(self.findings)} finding(s) "
            + " ".join(f"{k}={v}" for k, v in sorted(statuses.items()))
        )
        for finding, before in self.changes:
            was = before.value if before else "new"
            out.append(
                f"  changed: {finding.control_id or finding.check_id} {finding.region} "
                f"{finding.resource.id}: {was} -> {finding.status.value}"
            )
        out.extend(f"  resolved: {fid}" for fid in self.resolved)
        unchanged = len(self.findings) - len(self.changes)
        out.append(
            f"  {len(self.changes)} changed, {len(self.resolved)} resolved, {unchanged} unchanged"
        )
        if self.report is not None:
            out.extend("  " + line for line in self.report.lines())
        ops = ", ".join(f"{k} {v}" for k, v in self.calls_by_operation().items())
        out.append(f"  {self.api_calls} API call(s): {ops}")
        age = f", event age {self.event_age_s:.1f} s" if self.event_age_s is not None else ""
        latency = f"{self.latency_s:.3f} s" if self.latency_s is not None else "-"
        target = "imported" if self.report is not None else "evaluated"
        parts = ", ".join(f"{k} {v:.3f} s" for k, v in self.timings.items())
        out.append(f"  latency event -> {target} finding: {latency} ({parts}){age}")
        return out

    def summary(self) -> dict[str, Any]:
        """A JSON-ready record (the Lambda handler logs and returns it)."""
        out: dict[str, Any] = {
            "event": self.label,
            "outcome": self.outcome.value,
            "message": self.message,
            "api_calls": self.api_calls,
            "latency_s": self.latency_s,
            "timings_s": dict(self.timings),
        }
        if self.impact is not None:
            call = self.impact.call
            out.update(
                account=call.account_id,
                region=call.region,
                call=call.label,
                resource=call.resource,
                datasets=[ds.name for ds in self.impact.datasets],
                checks=[c.label for c in self.impact.checks],
            )
        if self.outcome is Outcome.DONE:
            out.update(
                regions=list(self.regions),
                findings=len(self.findings),
                statuses=dict(Counter(f.status.value for f in self.findings)),
                changed=[
                    {
                        "id": f.id,
                        "check": f.control_id or f.check_id,
                        "region": f.region,
                        "resource": f.resource.id,
                        "before": before.value if before else None,
                        "after": f.status.value,
                    }
                    for f, before in self.changes
                ],
                resolved=list(self.resolved),
                event_age_s=self.event_age_s,
                members=list(self.members),
                organization_context=self.context,
            )
        if self.report is not None:
            out["securityhub"] = {
                "imported": self.report.imported,
                "archived": self.report.archived,
                "failed": len(self.report.failed),
                "skipped": [s.describe() for s in self.report.skipped],
                "dry_run": self.report.dry_run,
                "delivery_failed": _delivery_failed(self.report),
            }
        return out


def _delivery_failed(report: ImportReport) -> bool:
    """True when findings meant for Security Hub were not delivered (refused, a request that
    failed, a hub or account that could not be read: `ImportReport.undelivered`); a region
    where Security Hub is not enabled is a legitimate skip, not a failure."""
    return not report.complete


@dataclass
class _Account:
    session: AccountSession
    home: str
    regions: tuple[str, ...]
    skipped: dict[str, str]
    info: AccountInfo


class Watcher:
    """Handles events one at a time; keeps sessions, regions and last-known statuses between
    events (a Lambda container reuses it while warm)."""

    def __init__(
        self,
        options: WatchOptions,
        *,
        baseline: Inventory | None = None,
        sessions: Sessions | None = None,
        import_sessions: Sessions | None = None,
        progress: Progress = lambda _m: None,
    ) -> None:
        self.options = options
        self.checks = select_checks(all_checks(), options.checks)
        self.collectors = all_collectors()
        self.frameworks = Frameworks.load()
        self.baseline = baseline
        self.progress = progress
        self._sessions = sessions
        self._import_sessions = import_sessions
        self._identified = False
        self._accounts: dict[str, _Account] = {}
        self._statuses: dict[str, Status] = {}
        self._known: dict[str, tuple[str, str, str]] = {}  # id -> (account, region, check)
        self._seeded: set[tuple[str, str]] = set()  # (account, check id) seeded from baseline

    # ------------------------------------------------------------------ sessions and accounts

    @property
    def sessions(self) -> Sessions:
        """The read-only sessions that collect (built on first use: an irrelevant event makes
        no call at all)."""
        if self._sessions is None:
            scan = self.options.scan
            settings = ClientSettings(
                endpoint_url=scan.endpoint_url, max_attempts=scan.max_attempts
            )
            self._sessions = Sessions(scan.profile, settings)
        return self._sessions

    @property
    def import_sessions(self) -> Sessions:
        """The Security Hub import's own sessions, allowed to write (a dry run only reads: it
        uses the read-only ones)."""
        if self.options.dry_run:
            return self.sessions
        if self._import_sessions is None:
            self._import_sessions = import_sessions(self.options.scan)
        return self._import_sessions

    @property
    def api_calls(self) -> int:
        """API calls made so far (0 until an event needed AWS)."""
        return sum(self._calls().values())

    def _calls(self) -> Counter[CallKey]:
        out: Counter[CallKey] = Counter()
        for sessions in {id(s): s for s in (self._sessions, self._import_sessions) if s}.values():
            out.update(sessions.calls.calls)
        return out

    def _home(self, account_id: str) -> str:
        if self.options.scan.home_region:
            return self.options.scan.home_region
        known = self.baseline.account(account_id) if self.baseline else None
        return known.home_region if known is not None else scan_home_region(self.options.scan)

    def caller(self) -> AccountSession:
        """The caller's own session (GetCallerIdentity on first use)."""
        sessions = self.sessions
        if not self._identified:
            sessions.identify(self.options.scan.home_region or scan_home_region(self.options.scan))
            self._identified = True
        return sessions.caller()

    def _open(self, account_id: str) -> _Account | CollectionError:
        cached = self._accounts.get(account_id)
        if cached is not None:
            return cached
        self.caller()
        sessions = self.sessions
        home = self._home(account_id)
        scan = self.options.scan
        session = assume_account(sessions, account_id, scan, home)
        if isinstance(session, CollectionError):
            return session
        known = self.baseline.account(account_id) if self.baseline else None
        if known is not None and known.access_error is None and known.regions:
            regions, skipped, info = known.regions, dict(known.skipped_regions), known.info
        else:
            enabled = enabled_regions(session, scan, home, sessions.partition)
            if isinstance(enabled, CollectionError):
                return enabled
            regions, skipped = enabled
            info = known.info if known is not None else AccountInfo(account_id=account_id)
        opened = _Account(session, home, regions, skipped, info)
        self._accounts[account_id] = opened
        return opened

    def _in_scope(self, account_id: str) -> bool:
        scan = self.options.scan
        if scan.accounts and account_id not in scan.accounts:
            return False
        return account_id not in scan.exclude_accounts

    # ------------------------------------------------------------------ one event

    def handle(self, raw: Any, label: str = "") -> EventResult:
        """Handle one event; never raises (errors are in the result)."""
        started = time.perf_counter()
        if isinstance(raw, EventError):
            return EventResult(label, Outcome.MALFORMED, str(raw))
        try:
            impact = assess(raw, self.checks)
        except EventError as exc:
            log.debug("malformed event %s: %s", label, exc)
            return EventResult(label, Outcome.MALFORMED, str(exc))
        except Exception as exc:  # a hostile event must not stop the others
            log.warning("unreadable event %s: %s", label, type(exc).__name__)
            return EventResult(label, Outcome.MALFORMED, f"unreadable event: {type(exc).__name__}")
        if impact is None:
            return EventResult(label, Outcome.IGNORED, "not a posture-changing call")
        label = label or impact.call.event_id
        call = impact.call
        if not impact.checks:
            log.debug("ignored %s: no selected check reads its datasets", call.label)
            return EventResult(label, Outcome.IGNORED, "no selected check reads it", impact)
        if not self._in_scope(call.account_id):
            log.debug("ignored %s: account %s not in scope", call.label, call.account_id)
            return EventResult(label, Outcome.IGNORED, "account not in scope", impact)
        before = self._calls()
        try:
            result = self._process(impact, label, started)
        except TrailwatchError as exc:
            result = EventResult(label, Outcome.FAILED, str(exc), impact, retryable=True)
        except Exception as exc:  # one bad event must not stop the others
            log.exception("event %s failed", label)
            message = f"{type(exc).__name__}: {exc}"
            result = EventResult(label, Outcome.FAILED, message, impact, retryable=True)
        result.calls = self._calls() - before
        if call.time is not None:
            result.event_age_s = max(0.0, (datetime.now(UTC) - call.time).total_seconds())
        return result

    def _process(self, impact: Impact, label: str, started: float) -> EventResult:
        call = impact.call
        opened = self._open(call.account_id)
        if isinstance(opened, CollectionError):
            message = f"account {call.account_id} not accessible: {opened.describe()}"
            transient = opened.code in TRANSIENT_CODES
            return EventResult(label, Outcome.FAILED, message, impact, retryable=transient)
        if not impact.every_region and call.region not in opened.regions:
            # A change that shows in every region (a multi-Region trail homed in an unscanned
            # region, an S3 setting) is evaluated in the scanned ones; a local change is not.
            message = f"region {call.region} is not scanned in account {call.account_id}"
            return EventResult(label, Outcome.IGNORED, message, impact)

        account_checks = [c for c in impact.checks if c.scope is Scope.ACCOUNT]
        eval_regions = opened.regions if impact.every_region else (call.region,)
        collectors = required_collectors(impact.checks, self.collectors)
        local = (
            not impact.every_region
            and not account_checks
            and all(c.dataset.scope is Scope.REGION for c in collectors)
        )
        collect_regions = (call.region,) if local else opened.regions
        sessions = self.sessions
        sessions.warm(["sts", "securityhub", *botocore_services(collectors)])
        target = AccountTarget(call.account_id, opened.session, opened.home, collect_regions)
        collect([target], collectors, sessions.partition, self.options.scan.max_workers)
        collected = time.perf_counter()
        now = datetime.now(UTC)
        fresh = AccountInventory(
            info=opened.info,
            home_region=opened.home,
            regions=opened.regions,
            skipped_regions=opened.skipped,
            records=dict(target.records),
        )
        inventory = self._inventory(fresh, now, call.event_id, [c.dataset.name for c in collectors])
        members, note = self._members(impact, fresh)
        regions = {call.account_id: tuple(eval_regions)}
        for member in members:
            regions[member] = inventory.account(member).regions  # type: ignore[union-attr]
        keep = _Scope.of(regions, impact.checks)
        findings = [
            f
            for f in evaluate(inventory, impact.checks, self.frameworks, accounts=set(regions))
            if keep(f)
        ]
        if self.options.suppressions:
            findings, _ = apply_suppressions(
                findings,
                self.options.suppressions,
                today=now.date(),
                checks_in_scan=[(c.id, c.control_id) for c in impact.checks],
            )
        evaluated = time.perf_counter()
        result = EventResult(
            label,
            Outcome.DONE,
            note,
            impact=impact,
            regions=tuple(eval_regions),
            collected_regions=tuple(collect_regions),
            findings=findings,
            members=tuple(members),
            context=self.baseline.scan_id if self.baseline is not None else None,
        )
        if self.options.securityhub:
            result.report = self._import(findings, inventory, impact.checks, regions)
            result.retryable = _delivery_failed(result.report)
        done = time.perf_counter()
        result.latency_s = done - started
        result.timings = {
            "collect": collected - started,
            "evaluate": evaluated - collected,
            "import": done - evaluated,
        }
        # What changed, against the last statuses known (outside the latency: reporting only).
        for account_id, account_regions in regions.items():
            self._seed(account_id, impact.checks, account_regions)
        result.changes, result.resolved = self._remember(findings, keep)
        self._update_baseline(fresh)
        return result

    # ------------------------------------------------------------------ organization trails

    def _members(self, impact: Impact, fresh: AccountInventory) -> tuple[list[str], str]:
        """The other accounts to re-evaluate (a changed organization trail covers them all) and
        a note for the result when they cannot be known."""
        call = impact.call
        if call.event_source != "cloudtrail.amazonaws.com" or not _org_trail_changed(
            call, fresh, self.baseline.account(call.account_id) if self.baseline else None
        ):
            return [], ""
        if self.baseline is None:
            note = (
                "organization trail changed: no saved inventory of the Organization, so its "
                f"member accounts were not re-evaluated; account {call.account_id} evaluated alone"
            )
            log.warning("%s", note)
            return [], note
        members = [
            acct.account_id
            for acct in self.baseline.accounts
            if acct.account_id != call.account_id
            and acct.access_error is None
            and self._in_scope(acct.account_id)
        ]
        log.info(
            "organization trail changed in %s: re-evaluating %d member account(s) from "
            "inventory %s",
            call.account_id,
            len(members),
            self.baseline.scan_id,
        )
        return members, ""

    # ------------------------------------------------------------------ inventory

    def _inventory(
        self, fresh: AccountInventory, now: datetime, event_id: str, datasets: Sequence[str]
    ) -> Inventory:
        """The event account's fresh data, in the saved inventory's Organization when given."""
        scan_id = f"watch-{now:%Y%m%dT%H%M%SZ}-{(event_id or uuid.uuid4().hex)[:8]}"
        if self.baseline is None:
            sessions = self.sessions
            return Inventory(
                scan_id=scan_id,
                tool_version=__version__,
                partition=sessions.partition,
                caller_arn=sessions.caller_arn,
                caller_account=sessions.caller_account,
                started_at=now,
                collected_at=now,
                datasets=tuple(datasets),
                accounts=(fresh,),
            )
        others = [a for a in self.baseline.accounts if a.account_id != fresh.account_id]
        return self.baseline.model_copy(
            update={
                "scan_id": scan_id,
                "started_at": now,
                "collected_at": now,
                "accounts": (*others, fresh),
            }
        )

    def _update_baseline(self, fresh: AccountInventory) -> None:
        """Later events see this account's fresher data as Organization context."""
        if self.baseline is None:
            return
        accounts = []
        for acct in self.baseline.accounts:
            if acct.account_id == fresh.account_id and acct.access_error is None:
                records = {**acct.records, **fresh.records}
                acct = acct.model_copy(update={"records": records})
            accounts.append(acct)
        self.baseline = self.baseline.model_copy(update={"accounts": tuple(accounts)})

    # ------------------------------------------------------------------ what changed

    def _seed(self, account_id: str, checks: Sequence[Check], regions: Sequence[str]) -> None:
        """Last-known statuses from the saved inventory, for checks this watcher has not run."""
        if self.baseline is None or self.baseline.account(account_id) is None:
            return
        todo = [c for c in checks if (account_id, c.id) not in self._seeded]
        if not todo:
            return
        keep = _Scope.of({account_id: regions}, todo)
        for finding in evaluate(self.baseline, todo, self.frameworks, accounts={account_id}):
            if keep(finding) and finding.id not in self._statuses:
                self._statuses[finding.id] = finding.status
                self._known[finding.id] = (account_id, finding.region, finding.check_id)
        self._seeded.update((account_id, c.id) for c in todo)

    def _remember(
        self, findings: Sequence[Finding], scope: _Scope
    ) -> tuple[list[tuple[Finding, Status | None]], list[str]]:
        """Status changes against the last-known statuses, and known ids no longer produced."""
        changes: list[tuple[Finding, Status | None]] = []
        produced = {f.id for f in findings}
        resolved = sorted(
            fid
            for fid, where in self._known.items()
            if fid not in produced and scope.covers(*where)
        )
        for fid in resolved:
            self._known.pop(fid, None)
            self._statuses.pop(fid, None)
        for finding in findings:
            before = self._statuses.get(finding.id)
            if before is not finding.status:
                changes.append((finding, before))
            self._statuses[finding.id] = finding.status
            self._known[finding.id] = (finding.account_id, finding.region, finding.check_id)
        return changes, resolved

    # ------------------------------------------------------------------ Security Hub

    def _import(
        self,
        findings: Sequence[Finding],
        inventory: Inventory,
        checks: Sequence[Check],
        regions: dict[str, tuple[str, ...]],
    ) -> ImportReport:
        scan = self.options.scan
        evaluated = [a for a in inventory.accounts if a.account_id in regions]
        first = next(iter(regions))
        home = self.options.securityhub_home_region or next(
            a.home_region for a in evaluated if a.account_id == first
        )
        alone = inventory.model_copy(update={"accounts": tuple(evaluated)})
        regional = tuple(a.model_copy(update={"regions": regions[a.account_id]}) for a in evaluated)
        scopes = evaluated_scopes(
            alone, [c for c in checks if c.scope is Scope.ACCOUNT]
        ) | evaluated_scopes(
            alone.model_copy(update={"accounts": regional}),
            [c for c in checks if c.scope is Scope.REGION],
        )
        return import_to_hub(
            [to_asff(f, partition=inventory.partition) for f in findings],
            self.import_sessions,
            scan,
            home_region=home,
            identify_region=scan.home_region or scan_home_region(scan),
            scopes=scopes,
            include_passed=self.options.securityhub_passed,
            partition=inventory.partition,
            dry_run=self.options.dry_run,
            progress=self.progress,
        )


@dataclass(frozen=True)
class _Scope:
    """What an event re-evaluated: the accounts, the checks, and (regional checks) the regions of
    each account."""

    checks: dict[str, Scope]
    regions: dict[str, frozenset[str]]

    @classmethod
    def of(cls, regions: Mapping[str, Sequence[str]], checks: Iterable[Check]) -> _Scope:
        return cls({c.id: c.scope for c in checks}, {a: frozenset(r) for a, r in regions.items()})

    def covers(self, account_id: str, region: str, check_id: str) -> bool:
        scope = self.checks.get(check_id)
        if account_id not in self.regions or scope is None:
            return False
        return scope is Scope.ACCOUNT or region in self.regions[account_id]

    def __call__(self, finding: Finding) -> bool:
        return self.covers(finding.account_id, finding.region, finding.check_id)


def _trails(account: AccountInventory | None) -> list[Trail]:
    """Every trail the account's records list (any region), once per ARN."""
    if account is None:
        return []
    seen: dict[str, Trail] = {}
    for region in account.regions:
        record = account.record(TRAILS.name, region)
        if record is None or record.error is not None or not record.data:
            continue
        try:
            trails = TRAILS.load(record.data)
        except ValueError:
            continue
        for trail in trails:
            seen.setdefault(trail.arn, trail)
    return list(seen.values())


def _org_trail_changed(
    call: ApiCall, fresh: AccountInventory, known: AccountInventory | None
) -> bool:
    """True when the call changed an organization trail of its account: the trail it names
    (by name or ARN; any trail when it names none) is an organization trail in the fresh data or
    in the saved inventory (a deleted trail, or one just made single-account), or the call sets
    isOrganizationTrail."""
    flag = call.request.get("isOrganizationTrail")
    if flag is True or (isinstance(flag, str) and flag.lower() == "true"):
        return True
    named = {
        str(v) for k in ("name", "trailName") if isinstance(v := call.request.get(k), str) and v
    }
    return any(
        trail.is_organization_trail
        and trail.owner_account == call.account_id
        and (not named or trail.name in named or trail.arn in named)
        for trail in (*_trails(fresh), *_trails(known))
    )


# ---------------------------------------------------------------------- `trailwatch watch`


def load_baseline(path: Path | None) -> Inventory | None:
    if path is None:
        return None
    return load_inventory(path, "--inventory")


def run_watch(
    events: Path,
    options: WatchOptions,
    *,
    inventory: Path | None = None,
    sessions: Sessions | None = None,
    reporter: Reporter = SILENT,
) -> int:
    """Replay a JSONL file of events; each event's effect to the reporter; the worst exit code."""
    if not events.is_file():
        raise UsageError(f"--events: no such file: {events}")
    out = reporter.result
    watcher = Watcher(
        options, baseline=load_baseline(inventory), sessions=sessions, progress=reporter.progress
    )
    code = 0
    counts: Counter[str] = Counter()
    try:
        lines = list(read_events(events))
    except EventError as exc:
        raise UsageError(str(exc)) from None
    for number, raw in lines:
        result = watcher.handle(raw, label=f"line {number}")
        counts[result.outcome.value] += 1
        for line in result.lines():
            out(line)
        code = max(code, result.exit_code)
    out(
        f"{len(lines)} event(s): "
        + ", ".join(f"{n} {k}" for k, n in sorted(counts.items()))
        + f"; {watcher.api_calls} API call(s)"
    )
    return code

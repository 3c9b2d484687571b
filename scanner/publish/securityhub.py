"""Security Hub import: each finding into its own account and region, with a stable lifecycle.

How an import works (per account and region, the "target"):

1. Routing: a finding goes to its own account (`AwsAccountId`) and its region; findings on the
   account itself (primary resource `AwsAccount`) go to one home region only. The `ProductArn`
   is rewritten to the target region's default product (`.../product/<account>/default`).
2. Pre-flight: DescribeHub. Security Hub not enabled (InvalidAccessException,
   ResourceNotFoundException) -> the target is skipped and reported with the reason; nothing is
   sent there, and that is not a failure. Any other error is (see 6).
3. Existing state: GetFindings for our product, filtered server-side and again client-side
   (ProductArn, AwsAccountId and the `trailwatch/` Id prefix), because some endpoints ignore
   the filters. For an Id that exists, `CreatedAt` and `FirstObservedAt` are kept and
   `UpdatedAt` is set strictly after the stored one (and not before now), so Security Hub
   applies the update. An input finding observed before the stored one is not sent ("stale").
4. Lifecycle: PASSED findings are sent only with `include_passed`, except that a PASSED finding
   whose Id is stored ACTIVE is re-imported as PASSED with `RecordState: ARCHIVED` (or as an
   ACTIVE PASSED update where the scan had an ERROR in that scope). A stored ACTIVE finding that
   is absent from the input is re-imported with `RecordState: ARCHIVED` — only within
   (account, region, check) scopes the scan fully evaluated, never where the input holds an
   ERROR (NOT_AVAILABLE) finding of that scope. `Workflow`, `Note`, `UserDefinedFields`,
   `VerificationState` and fields Security Hub populates itself are never sent.
5. Sending: batches of at most 100 findings and 6 MB, at most 10 requests per second per target
   (token bucket), backoff on throttling, every FailedFindings entry collected. Findings that
   fail botocore's own validation or exceed 240 KB are reported as failed, never sent.
6. Nothing silently dropped: every finding that was meant to be sent and was not — the account's
   session could not be opened (AssumeRole), DescribeHub or GetFindings failed (the target is not
   written to without knowing what it holds), a FailedFindings entry, throttling past the
   retries, a failed BatchImportFindings call, a finding that fails validation — is an
   `Undelivered` entry of the report, with its reason and the failed call. Where the stored
   findings could not be read, the archiving that target needed could not be done either: one
   entry with Id `ARCHIVE_UNKNOWN` says so. `ImportReport.complete` is False when there is any.

BatchImportFindings is a write: the sessions passed in must be built with
`ClientSettings(allow_writes=frozenset({IMPORT_WRITE}))` (see `with_import_allowed`), otherwise
the read-only guard blocks it and every finding is reported failed. A dry run only reads
(DescribeHub, GetFindings) and needs no such allowance.
"""

from __future__ import annotations

import copy
import dataclasses
import functools
import json
import logging
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence, Set
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import botocore.session
from botocore.validate import ParamValidator

from reports.asff import MAX_FINDING_BYTES, arn_partition, asff_timestamp
from reports.asff_input import load_asff as load_asff
from scanner.aws.session import AccountSession, ClientSettings, Sessions
from scanner.core.atomic import write_text_atomic
from scanner.core.check import Check
from scanner.core.dataset import Scope
from scanner.core.errors import OutputError
from scanner.core.findings import ID_PREFIX, parse_finding_id
from scanner.core.inventory import Inventory

log = logging.getLogger(__name__)

IMPORT_WRITE = ("securityhub", "BatchImportFindings")
CHECK_ID_FIELD = "trailwatch/CheckId"
ALL_REGIONS = "*"
MAX_BATCH_FINDINGS = 100
#: 6 MB per request, measured as the compact UTF-8 JSON of the findings list (a safe margin).
MAX_BATCH_BYTES = 6_000_000
MAX_REQUESTS_PER_SECOND = 10.0
THROTTLE_CODES = frozenset(
    {"ThrottlingException", "TooManyRequestsException", "Throttling", "ThrottledException"}
)
#: Fields a provider must not send: Security Hub ignores them on updates, and they belong to
#: the people working the findings.
NEVER_SENT = ("Workflow", "WorkflowState", "Note", "UserDefinedFields", "VerificationState")
#: Fields Security Hub populates itself.
SERVICE_POPULATED = ("Region", "ProductName", "CompanyName", "ProcessedAt", "AwsAccountName")

PASSED = "PASSED"
NOT_AVAILABLE = "NOT_AVAILABLE"
ACTIVE = "ACTIVE"
ARCHIVED = "ARCHIVED"

#: (account id, region, check id); region ALL_REGIONS means the check covered every region.
CheckScope = tuple[str, str, str]
#: (account id, region) that findings are imported into.
Target = tuple[str, str]
Progress = Callable[[str], None]


# --------------------------------------------------------------------------- sessions and input


def with_import_allowed(settings: ClientSettings) -> ClientSettings:
    """`settings` with BatchImportFindings allowed through the read-only guard."""
    return dataclasses.replace(settings, allow_writes=settings.allow_writes | {IMPORT_WRITE})


def session_factory(
    sessions: Sessions,
    role_name: str,
    region: str,
    *,
    external_id: str | None = None,
    session_name: str = "trailwatch",
) -> Callable[[str], AccountSession]:
    """`session_for(account_id)`: the caller's own session, or AssumeRole into the account."""

    def session_for(account_id: str) -> AccountSession:
        if account_id == sessions.caller_account:
            return sessions.caller()
        return sessions.assume(
            account_id, role_name, region, external_id=external_id, session_name=session_name
        )

    return session_for


# --------------------------------------------------------------------------- scopes and routing


def _split_id(finding_id: str) -> tuple[str, str, str] | None:
    """(account, region, check) from a trailwatch Id (scanner.core.findings.ID_FORMAT)."""
    parts = parse_finding_id(finding_id)
    return None if parts is None else (parts.account, parts.region, parts.check)


def _arn_region(arn: str) -> str:
    parts = arn.split(":")
    return parts[3] if len(parts) > 3 and parts[0] == "arn" else ""


def _primary(doc: Mapping[str, Any]) -> Mapping[str, Any]:
    resources = doc.get("Resources")
    if isinstance(resources, list) and resources and isinstance(resources[0], Mapping):
        return resources[0]
    return {}


def finding_region(doc: Mapping[str, Any]) -> str:
    """The region a finding is about: from a trailwatch Id, else `Region` (Security Hub sets it
    to the region the finding was imported into), ProductArn's, the resource's."""
    parsed = _split_id(str(doc.get("Id", "")))
    for candidate in (
        parsed[1] if parsed else None,
        doc.get("Region"),
        _arn_region(str(doc.get("ProductArn", ""))),
        _primary(doc).get("Region"),
    ):
        if isinstance(candidate, str) and candidate.strip():
            return candidate.strip()
    return ""


def finding_check(doc: Mapping[str, Any]) -> str:
    """The trailwatch check id: ProductFields `trailwatch/CheckId`, else from the Id."""
    fields = doc.get("ProductFields")
    if isinstance(fields, Mapping):
        value = fields.get(CHECK_ID_FIELD)
        if isinstance(value, str) and value.strip():
            return value.strip()
    parsed = _split_id(str(doc.get("Id", "")))
    if parsed and parsed[2]:
        return parsed[2]
    return str(doc.get("GeneratorId", ""))


def finding_scope(doc: Mapping[str, Any]) -> CheckScope:
    """(account, region, check) of one ASFF finding."""
    return str(doc.get("AwsAccountId", "")), finding_region(doc), finding_check(doc)


def target_of(doc: Mapping[str, Any], home_region: str) -> Target:
    """Where a finding is imported: its account, and its region (home region for AwsAccount)."""
    account = str(doc.get("AwsAccountId", ""))
    if _primary(doc).get("Type") == "AwsAccount":
        return account, home_region
    return account, finding_region(doc) or home_region


def product_arn(partition: str, region: str, account_id: str) -> str:
    """The account's default (custom findings) product in `region`."""
    return f"arn:{partition}:securityhub:{region}:{account_id}:product/{account_id}/default"


def evaluated_scopes(inventory: Inventory, checks: Sequence[Check]) -> set[CheckScope]:
    """The (account, region, check) scopes a scan evaluated: every region of every accessible
    account for regional checks; for account-scope checks every region plus ALL_REGIONS.

    ERROR findings are not subtracted here: `plan_import` does that from the findings."""
    scopes: set[CheckScope] = set()
    for account in inventory.accounts:
        if account.access_error is not None:
            continue
        acct = account.account_id
        for check in checks:
            regions = tuple(account.regions)
            if check.scope is Scope.ACCOUNT:
                scopes.add((acct, ALL_REGIONS, check.id))
                regions = (account.home_region, *regions)
            scopes.update((acct, region, check.id) for region in regions)
    return scopes


def scopes_from_asff(asff_findings: Iterable[Mapping[str, Any]]) -> set[CheckScope]:
    """The scopes that have at least one finding (for imports of a findings file, where the
    scan's own scopes are unknown: nothing outside them is archived)."""
    return {finding_scope(doc) for doc in asff_findings}


# --------------------------------------------------------------------------- timestamps


def parse_timestamp(value: Any) -> datetime | None:
    """An ASFF timestamp as an aware datetime (fractions beyond microseconds dropped)."""
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _floor_ms(moment: datetime) -> datetime:
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000)


def updated_after(now: datetime, previous: Any) -> str:
    """UpdatedAt for an update: not before `now`, strictly after `previous` (ms precision)."""
    moment = _floor_ms(now if now.tzinfo else now.replace(tzinfo=UTC)).astimezone(UTC)
    stored = parse_timestamp(previous)
    if stored is not None:
        floor = _floor_ms(stored.astimezone(UTC)) + timedelta(milliseconds=1)
        moment = max(moment, floor)
    return asff_timestamp(moment)


def _observed(doc: Mapping[str, Any]) -> datetime | None:
    return parse_timestamp(doc.get("LastObservedAt")) or parse_timestamp(doc.get("UpdatedAt"))


# --------------------------------------------------------------------------- validation


@functools.cache
def _request_shape() -> Any:

    model = botocore.session.get_session().get_service_model("securityhub")
    return model.operation_model("BatchImportFindings").input_shape


def _json_size(value: Any) -> int:
    return len(json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))


def validation_error(doc: Mapping[str, Any]) -> str | None:
    """Why Security Hub would reject this finding before import (botocore's parameter
    validation, the 240 KB limit), or None."""

    report = ParamValidator().validate({"Findings": [doc]}, _request_shape())
    if report.has_errors():
        return str(report.generate_report())
    size = _json_size(doc)
    if size > MAX_FINDING_BYTES:
        return f"finding is {size} bytes, over the {MAX_FINDING_BYTES}-byte limit"
    return None


def batches(
    docs: Sequence[dict[str, Any]],
    max_findings: int = MAX_BATCH_FINDINGS,
    max_bytes: int = MAX_BATCH_BYTES,
) -> list[list[dict[str, Any]]]:
    """Consecutive batches of at most `max_findings` findings and `max_bytes` of JSON."""
    out: list[list[dict[str, Any]]] = []
    current: list[dict[str, Any]] = []
    size = 2  # the brackets of the array
    for doc in docs:
        doc_size = _json_size(doc) + 1  # and its comma
        if current and (len(current) >= max_findings or size + doc_size > max_bytes):
            out.append(current)
            current, size = [], 2
        current.append(doc)
        size += doc_size
    if current:
        out.append(current)
    return out


# --------------------------------------------------------------------------- plan


@dataclass(frozen=True)
class FailedEntry:
    """One finding Security Hub did not accept (or that was never sendable)."""

    account_id: str
    region: str
    id: str
    error_code: str
    error_message: str

    def describe(self) -> str:
        return f"{self.account_id} {self.region} {self.id}: {self.error_code}: {self.error_message}"


#: Undelivered.reason values.
ASSUME_ROLE_FAILED = "assume-role-failed"
"""The account's session could not be opened (AssumeRole into it failed)."""
DESCRIBE_HUB_FAILED = "describe-hub-failed"
"""DescribeHub failed with an error other than "Security Hub is not enabled here"."""
GET_FINDINGS_FAILED = "get-findings-failed"
"""The findings stored in the target could not be read, so nothing was written there."""
REJECTED = "rejected"
"""Security Hub returned the finding in FailedFindings (or FailedCount exceeded the entries)."""
THROTTLED = "throttled"
"""BatchImportFindings was still throttled after the retries."""
REQUEST_FAILED = "request-failed"
"""The BatchImportFindings call failed (an error answer, a connection or guard error)."""
INVALID = "invalid"
"""The finding fails botocore's validation or the size limit: never sent."""
#: Undelivered.id of the entry for a target whose archiving could not be done (its stored
#: findings could not be read, so which of them to archive is unknown).
ARCHIVE_UNKNOWN = "*"


@dataclass(frozen=True)
class Undelivered:
    """A finding that was meant to be delivered to Security Hub and was not.

    `id`: the finding Id (ARCHIVE_UNKNOWN for the archiving of a target whose stored findings
    could not be read; "(unknown)" when Security Hub's FailedCount exceeds its entries).
    `account_id`, `region`: the target it was meant for. `reason`: one of ASSUME_ROLE_FAILED,
    DESCRIBE_HUB_FAILED, GET_FINDINGS_FAILED, REJECTED, THROTTLED, REQUEST_FAILED, INVALID.
    `operation`: the API call that failed (AssumeRole, DescribeHub, GetFindings,
    BatchImportFindings; "" for INVALID, which was never sent). `error_code`, `error_message`:
    what the call (or validation) answered. `archive`: it was a re-import as ARCHIVED.
    """

    id: str
    account_id: str
    region: str
    reason: str
    operation: str
    error_code: str
    error_message: str
    archive: bool = False

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


def _undelivered_from(
    entry: FailedEntry, reason: str, operation: str, archive: bool
) -> Undelivered:
    return Undelivered(
        id=entry.id,
        account_id=entry.account_id,
        region=entry.region,
        reason=reason,
        operation=operation,
        error_code=entry.error_code,
        error_message=entry.error_message,
        archive=archive,
    )


@dataclass(frozen=True)
class SkippedScope:
    """A target that received nothing because Security Hub is not enabled there (not a failure)."""

    account_id: str
    region: str
    reason: str
    findings: int = 0

    def describe(self) -> str:
        return (
            f"{self.account_id} {self.region}: skipped ({self.findings} finding(s)): {self.reason}"
        )


@dataclass
class TargetPlan:
    """What one (account, region) receives."""

    account_id: str
    region: str
    product_arn: str
    to_import: list[dict[str, Any]] = field(default_factory=list)
    """New or updated findings (ACTIVE; PASSED ones only when they stay active)."""
    to_archive: list[dict[str, Any]] = field(default_factory=list)
    """Re-imports with RecordState ARCHIVED (now PASSED, or absent from this scan)."""
    invalid: list[FailedEntry] = field(default_factory=list)
    passed_not_sent: int = 0
    stale: list[str] = field(default_factory=list)
    """Ids not sent because Security Hub holds a later observation."""
    kept_active: list[str] = field(default_factory=list)
    """Stored ACTIVE Ids absent from the input, left alone: scope not fully evaluated."""
    existing: int = 0
    archivable: bool = False
    """Stored findings absent from the input may be archived here (a scope fully evaluated)."""

    @property
    def target(self) -> Target:
        return self.account_id, self.region

    @property
    def findings(self) -> list[dict[str, Any]]:
        return [*self.to_import, *self.to_archive]

    def batches(self) -> list[list[dict[str, Any]]]:
        return batches(self.findings)

    def describe(self) -> str:
        parts = [
            f"{len(self.to_import)} to import",
            f"{len(self.to_archive)} to archive",
            f"{len(self.batches())} request(s)",
        ]
        if self.passed_not_sent:
            parts.append(f"{self.passed_not_sent} PASSED not sent")
        if self.invalid:
            parts.append(f"{len(self.invalid)} invalid")
        if self.stale:
            parts.append(f"{len(self.stale)} stale")
        if self.kept_active:
            parts.append(f"{len(self.kept_active)} left active (scope not fully evaluated)")
        return f"{self.account_id} {self.region}: " + ", ".join(parts)


@dataclass
class ImportPlan:
    """Everything an import would send, per target."""

    targets: list[TargetPlan]
    error_scopes: frozenset[CheckScope] = frozenset()
    duplicates: list[str] = field(default_factory=list)

    def target(self, account_id: str, region: str) -> TargetPlan | None:
        return next((t for t in self.targets if t.target == (account_id, region)), None)

    @property
    def to_import(self) -> int:
        return sum(len(t.to_import) for t in self.targets)

    @property
    def to_archive(self) -> int:
        return sum(len(t.to_archive) for t in self.targets)

    @property
    def invalid(self) -> list[FailedEntry]:
        return [e for t in self.targets for e in t.invalid]

    def lines(self) -> list[str]:
        return [t.describe() for t in self.targets]


def _clean(doc: Mapping[str, Any]) -> dict[str, Any]:
    """A copy without the fields a provider must not send (incl. `aws/` ProductFields)."""
    out = copy.deepcopy(dict(doc))
    for key in (*NEVER_SENT, *SERVICE_POPULATED):
        out.pop(key, None)
    fields = out.get("ProductFields")
    if isinstance(fields, dict):
        out["ProductFields"] = {k: v for k, v in fields.items() if not str(k).startswith("aws/")}
        if not out["ProductFields"]:
            del out["ProductFields"]
    return out


def _ours(doc: Mapping[str, Any], arn: str, account_id: str) -> bool:
    return (
        doc.get("ProductArn") == arn
        and str(doc.get("AwsAccountId", "")) == account_id
        and str(doc.get("Id", "")).startswith(ID_PREFIX)
    )


def _partition_of(docs: Iterable[Mapping[str, Any]], default: str | None) -> str:
    if default:
        return default
    for doc in docs:
        found = arn_partition(str(doc.get("ProductArn", "")))
        if found:
            return found
    return "aws"


class _Lifecycle:
    """Which scopes may be archived: evaluated, and without an ERROR finding."""

    def __init__(self, evaluated: Set[CheckScope], inputs: Iterable[Mapping[str, Any]]) -> None:
        self.evaluated = evaluated
        self.errors: set[CheckScope] = set()
        for doc in inputs:
            compliance = doc.get("Compliance")
            if isinstance(compliance, Mapping) and compliance.get("Status") == NOT_AVAILABLE:
                self.errors.add(finding_scope(doc))
        self.error_checks = {(a, c) for a, _, c in self.errors}

    def errored(self, scope: CheckScope) -> bool:
        account, _, check = scope
        if (account, ALL_REGIONS, check) in self.evaluated:
            return (account, check) in self.error_checks
        return scope in self.errors

    def archivable(self, scope: CheckScope) -> bool:
        account, _, check = scope
        evaluated = scope in self.evaluated or (account, ALL_REGIONS, check) in self.evaluated
        return evaluated and not self.errored(scope)


def _targets_from_scopes(scopes: Iterable[CheckScope], home_region: str) -> set[Target]:
    return {(a, home_region if r == ALL_REGIONS else r) for a, r, _ in scopes if a and r}


def plan_import(
    asff_findings: Sequence[Mapping[str, Any]],
    scopes_evaluated: Set[CheckScope],
    include_passed: bool,
    home_region: str,
    *,
    existing: Mapping[Target, Sequence[Mapping[str, Any]]] | None = None,
    now: datetime | None = None,
    partition: str | None = None,
) -> ImportPlan:
    """Pure: what to send per (account, region), given what Security Hub already holds there
    (`existing`: GetFindings results per target; none known when omitted)."""
    moment = now or datetime.now(UTC)
    part = _partition_of(asff_findings, partition)
    lifecycle = _Lifecycle(scopes_evaluated, asff_findings)
    stored = existing or {}

    routed: dict[Target, list[Mapping[str, Any]]] = {}
    seen: set[str] = set()
    duplicates: list[str] = []
    for doc in asff_findings:
        fid = str(doc.get("Id", ""))
        if fid in seen:
            duplicates.append(fid)
            continue
        seen.add(fid)
        routed.setdefault(target_of(doc, home_region), []).append(doc)
    observed = [m for m in (_observed(d) for d in asff_findings) if m is not None]
    newest_observation = max(observed) if observed else None

    targets = set(routed) | _targets_from_scopes(scopes_evaluated, home_region) | set(stored)
    archivable_targets = _targets_from_scopes(
        (s for s in scopes_evaluated if lifecycle.archivable(s)), home_region
    )
    plans: list[TargetPlan] = []
    for account_id, region in sorted(targets):
        arn = product_arn(part, region, account_id)
        plan = TargetPlan(account_id=account_id, region=region, product_arn=arn)
        plan.archivable = (account_id, region) in archivable_targets
        previous = {
            str(d["Id"]): d
            for d in stored.get((account_id, region), ())
            if _ours(d, arn, account_id)
        }
        plan.existing = len(previous)
        docs = routed.get((account_id, region), [])
        for doc in docs:
            _plan_one(
                plan, doc, previous.get(str(doc.get("Id", ""))), lifecycle, include_passed, moment
            )
        input_ids = {str(d.get("Id", "")) for d in docs}
        for fid, prev in sorted(previous.items()):
            if fid in input_ids or prev.get("RecordState", ACTIVE) != ACTIVE:
                continue
            if not lifecycle.archivable(finding_scope(prev)):
                plan.kept_active.append(fid)
                continue
            seen_at = _observed(prev)
            if newest_observation and seen_at and seen_at > newest_observation:
                plan.kept_active.append(fid)  # observed by a later scan than this input
                continue
            archived = _clean(prev)
            archived["RecordState"] = ARCHIVED
            archived["UpdatedAt"] = updated_after(moment, prev.get("UpdatedAt"))
            _add(plan, archived, plan.to_archive)
        plans.append(plan)
    return ImportPlan(
        targets=plans, error_scopes=frozenset(lifecycle.errors), duplicates=duplicates
    )


def _add(plan: TargetPlan, doc: dict[str, Any], into: list[dict[str, Any]]) -> None:
    problem = validation_error(doc)
    if problem is None:
        into.append(doc)
        return
    plan.invalid.append(
        FailedEntry(
            plan.account_id, plan.region, str(doc.get("Id", "")), "InvalidInput", problem[:1000]
        )
    )


def _plan_one(
    plan: TargetPlan,
    doc: Mapping[str, Any],
    prev: Mapping[str, Any] | None,
    lifecycle: _Lifecycle,
    include_passed: bool,
    now: datetime,
) -> None:
    compliance = doc.get("Compliance")
    status = compliance.get("Status") if isinstance(compliance, Mapping) else None
    prev_active = prev is not None and prev.get("RecordState", ACTIVE) == ACTIVE
    archive = False
    if status == PASSED and not include_passed:
        if not prev_active:
            plan.passed_not_sent += 1
            return
        archive = not lifecycle.errored(finding_scope(doc))
    out = _clean(doc)
    out["ProductArn"] = plan.product_arn
    if prev is not None:
        seen_before, seen_now = _observed(prev), _observed(doc)
        if seen_before and seen_now and seen_now < seen_before:
            plan.stale.append(str(doc.get("Id", "")))
            return
        for key in ("CreatedAt", "FirstObservedAt"):
            value = prev.get(key) or (prev.get("CreatedAt") if key == "FirstObservedAt" else None)
            if value:
                out[key] = value
        out["UpdatedAt"] = updated_after(now, prev.get("UpdatedAt"))
    if archive:
        out["RecordState"] = ARCHIVED
        _add(plan, out, plan.to_archive)
    else:
        out["RecordState"] = ACTIVE
        _add(plan, out, plan.to_import)


# --------------------------------------------------------------------------- rate limit


class TokenBucket:
    """At most `rate` acquisitions per second on average, bursts of `capacity`."""

    def __init__(
        self,
        rate: float = MAX_REQUESTS_PER_SECOND,
        capacity: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._rate = rate
        self._capacity = capacity
        self._clock = clock
        self._sleep = sleep
        self._tokens = capacity
        self._updated = clock()
        self._lock = threading.Lock()

    def acquire(self) -> float:
        """Take one token, sleeping until there is one; returns the seconds waited."""
        with self._lock:
            now = self._clock()
            self._tokens = min(self._capacity, self._tokens + (now - self._updated) * self._rate)
            self._updated = now
            waited = 0.0
            if self._tokens < 1.0:
                waited = (1.0 - self._tokens) / self._rate
                self._sleep(waited)
                self._tokens = 1.0
                self._updated = now + waited
            self._tokens -= 1.0
            return waited


# --------------------------------------------------------------------------- import


@dataclass
class ImportReport:
    """What an import did (or, for a dry run, would do).

    `imported`, `archived`: findings Security Hub accepted (new or updated ACTIVE ones, and
    re-imports as ARCHIVED). `skipped`: targets where Security Hub is not enabled (not a
    failure). `failed`: findings Security Hub did not accept, or that were never sendable (each
    is also in `undelivered`). `undelivered`: every finding that was meant to be delivered and
    was not, whatever the cause (see `Undelivered`; a dry run lists those it already knows
    cannot be delivered). `complete` (and `ok`) is False when `undelivered` is not empty.
    """

    plan: ImportPlan
    dry_run: bool = False
    imported: int = 0
    archived: int = 0
    requests: int = 0
    skipped: list[SkippedScope] = field(default_factory=list)
    failed: list[FailedEntry] = field(default_factory=list)
    undelivered: list[Undelivered] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        """True when every finding meant for Security Hub was delivered."""
        return not self.undelivered and not self.failed

    @property
    def ok(self) -> bool:
        """False when any finding was not delivered (same as `complete`)."""
        return self.complete

    @property
    def undelivered_ids(self) -> list[str]:
        """Ids of the undelivered findings (without the ARCHIVE_UNKNOWN entries)."""
        return [u.id for u in self.undelivered if u.id != ARCHIVE_UNKNOWN]

    def undelivered_groups(self) -> list[tuple[tuple[str, str, str, str, str], list[Undelivered]]]:
        """Undelivered entries by (account, region, reason, operation, error code), sorted."""
        groups: dict[tuple[str, str, str, str, str], list[Undelivered]] = {}
        for u in self.undelivered:
            key = (u.account_id, u.region, u.reason, u.operation, u.error_code)
            groups.setdefault(key, []).append(u)
        return sorted(groups.items())

    def undelivered_lines(self) -> list[str]:
        """One line per (account, region, reason) group, with its count, after a total."""
        if not self.undelivered:
            return []
        ids = self.undelivered_ids
        targets = {(u.account_id, u.region) for u in self.undelivered if u.id == ARCHIVE_UNKNOWN}
        verb = "cannot be delivered" if self.dry_run else "not delivered"
        head = f"  UNDELIVERED: {len(ids)} finding(s) {verb}"
        if targets:
            head += f", archiving not done in {len(targets)} account/region(s)"
        out = [head]
        for (account, region, reason, operation, code), items in self.undelivered_groups():
            count = sum(1 for u in items if u.id != ARCHIVE_UNKNOWN)
            what = f"{count} finding(s)" if count else ""
            if any(u.id == ARCHIVE_UNKNOWN for u in items):
                what = f"{what} + archiving" if what else "archiving"
            call = f"{operation}: " if operation else ""
            message = items[0].error_message.splitlines()[0][:300] if items[0].error_message else ""
            line = f"  undelivered: {account} {region}: {what}: {reason} ({call}{code}: {message})"
            shown = [u.id for u in items if u.id != ARCHIVE_UNKNOWN]
            if 0 < len(shown) <= MAX_IDS_SHOWN:
                line += ": " + ", ".join(shown)
            out.append(line)
        return out

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready record of the import (what `--undelivered-json` writes)."""
        return {
            "complete": self.complete,
            "dry_run": self.dry_run,
            "imported": self.imported,
            "archived": self.archived,
            "requests": self.requests,
            "undelivered_count": len(self.undelivered_ids),
            "skipped": [dataclasses.asdict(s) for s in self.skipped],
            "undelivered": [u.to_dict() for u in self.undelivered],
        }

    def lines(self) -> list[str]:
        """Human-readable: a total, each target reached, each skip, each undelivered group."""
        unreached = {(u.account_id, u.region) for u in self.undelivered if u.operation in _READS}
        skipped = {(s.account_id, s.region) for s in self.skipped} | unreached
        reached = [t for t in self.plan.targets if t.target not in skipped]
        if self.dry_run:
            out = [
                f"Security Hub import (dry run): would send "
                f"{sum(len(t.to_import) for t in reached)} finding(s) to import and "
                f"{sum(len(t.to_archive) for t in reached)} to archive in {len(reached)} "
                "account/region(s)"
            ]
        else:
            delivered = self.imported + self.archived
            out = [
                f"Security Hub import: delivered {delivered} of "
                f"{delivered + len(self.undelivered_ids)} finding(s) (imported {self.imported}, "
                f"archived {self.archived}) in {self.requests} request(s) to {len(reached)} "
                "account/region(s)"
            ]
        out.extend("  " + t.describe() for t in reached)
        out.extend("  " + s.describe() for s in self.skipped)
        out.extend(self.undelivered_lines())
        if self.plan.duplicates:
            out.append(f"  {len(self.plan.duplicates)} duplicate Id(s) ignored")
        return out


#: A group of at most this many undelivered findings lists their Ids on its line.
MAX_IDS_SHOWN = 3
#: The calls before any write: where one fails, nothing is sent to the target.
_READS = frozenset({"AssumeRole", "DescribeHub", "GetFindings"})
NOT_ENABLED_CODES = frozenset({"InvalidAccessException", "ResourceNotFoundException"})


def write_import_record(path: Path, report: ImportReport) -> None:
    """`report.to_dict()` as JSON at `path`, atomically; OutputError when it cannot be written."""

    try:
        write_text_atomic(Path(path), json.dumps(report.to_dict(), indent=1) + "\n")
    except OSError as exc:
        raise OutputError(f"cannot write {path}: {exc.strerror or exc}") from None


def _error_code(exc: Exception) -> tuple[str, str]:
    response = getattr(exc, "response", None)
    if isinstance(response, Mapping):
        err = response.get("Error") or {}
        return str(err.get("Code") or type(exc).__name__), str(err.get("Message") or exc)
    return type(exc).__name__, str(exc)


@dataclass(frozen=True)
class _Failure:
    """Why nothing could be sent to a target: the failed call and its error."""

    reason: str
    operation: str
    code: str
    message: str

    def describe(self) -> str:
        return f"{self.reason}: {self.operation}: {self.code}: {self.message}"


def _lost(tplan: TargetPlan, failure: _Failure) -> list[Undelivered]:
    """Everything `tplan` was meant to deliver, undelivered for `failure`."""

    def entry(fid: str, archive: bool) -> Undelivered:
        return Undelivered(
            id=fid,
            account_id=tplan.account_id,
            region=tplan.region,
            reason=failure.reason,
            operation=failure.operation,
            error_code=failure.code,
            error_message=failure.message,
            archive=archive,
        )

    out = [entry(str(d.get("Id", "")), False) for d in tplan.to_import]
    out.extend(entry(str(d.get("Id", "")), True) for d in tplan.to_archive)
    out.extend(_undelivered_from(e, INVALID, "", False) for e in tplan.invalid)
    if tplan.archivable:
        out.append(entry(ARCHIVE_UNKNOWN, True))
    return out


def _preflight(client: Any, bucket: TokenBucket) -> str | _Failure | None:
    """None when Security Hub is usable here; why not: a str when it is not enabled (a skip),
    a _Failure for any other error."""
    try:
        bucket.acquire()
        client.describe_hub()
    except Exception as exc:
        code, message = _error_code(exc)
        if code in NOT_ENABLED_CODES:
            return f"Security Hub is not enabled here (DescribeHub: {code}: {message})"
        return _Failure(DESCRIBE_HUB_FAILED, "DescribeHub", code, message)
    return None


def _read_existing(client: Any, bucket: TokenBucket, arn: str, account_id: str) -> list[Any]:
    filters = {
        "ProductArn": [{"Value": arn, "Comparison": "EQUALS"}],
        "AwsAccountId": [{"Value": account_id, "Comparison": "EQUALS"}],
        "Id": [{"Value": ID_PREFIX, "Comparison": "PREFIX"}],
    }
    found: list[Any] = []
    token: str | None = None
    while True:
        kwargs: dict[str, Any] = {"Filters": filters, "MaxResults": 100}
        if token:
            kwargs["NextToken"] = token
        bucket.acquire()
        page = client.get_findings(**kwargs)
        # Filters are applied again here: some endpoints ignore them.
        found.extend(f for f in page.get("Findings", []) if _ours(f, arn, account_id))
        token = page.get("NextToken")
        if not token:
            return found


@dataclass
class _Tally:
    """One target's results (merged into the report by the main thread)."""

    imported: int = 0
    archived: int = 0
    requests: int = 0
    failed: list[FailedEntry] = field(default_factory=list)
    undelivered: list[Undelivered] = field(default_factory=list)

    def fail(self, entry: FailedEntry, reason: str, operation: str, archive: bool = False) -> None:
        self.failed.append(entry)
        self.undelivered.append(_undelivered_from(entry, reason, operation, archive))


@dataclass
class _Sender:
    client: Any
    bucket: TokenBucket
    sleep: Callable[[float], None]
    max_throttle_retries: int
    tally: _Tally = field(default_factory=_Tally)

    def send(self, plan: TargetPlan, batch: list[dict[str, Any]]) -> None:
        ids = [str(d.get("Id", "")) for d in batch]
        archived = {fid for d, fid in zip(batch, ids, strict=True) if _is_archive(d)}
        tally = self.tally
        op = IMPORT_WRITE[1]
        attempt = 0
        while True:
            self.bucket.acquire()
            tally.requests += 1
            try:
                response = self.client.batch_import_findings(Findings=batch)
                break
            except Exception as exc:
                code, message = _error_code(exc)
                throttled = code in THROTTLE_CODES
                if throttled and attempt < self.max_throttle_retries:
                    self.sleep(min(20.0, 0.5 * 2**attempt))
                    attempt += 1
                    continue
                reason = THROTTLED if throttled else REQUEST_FAILED
                for fid in ids:
                    entry = FailedEntry(plan.account_id, plan.region, fid, code, message)
                    tally.fail(entry, reason, op, fid in archived)
                return
        failed = [f for f in response.get("FailedFindings") or [] if isinstance(f, Mapping)]
        failed_ids = set()
        for item in failed:
            fid = str(item.get("Id", ""))
            failed_ids.add(fid)
            entry = FailedEntry(
                plan.account_id,
                plan.region,
                fid,
                str(item.get("ErrorCode", "")),
                str(item.get("ErrorMessage", "")),
            )
            tally.fail(entry, REJECTED, op, fid in archived)
        unreported = int(response.get("FailedCount") or 0) - len(failed)
        if unreported > 0:
            entry = FailedEntry(
                plan.account_id,
                plan.region,
                "(unknown)",
                "UnreportedFailure",
                f"FailedCount exceeds the FailedFindings entries by {unreported}",
            )
            tally.fail(entry, REJECTED, op)
        for doc, fid in zip(batch, ids, strict=True):
            if fid in failed_ids:
                continue
            if doc.get("RecordState") == ARCHIVED:
                tally.archived += 1
            else:
                tally.imported += 1


def _is_archive(doc: Mapping[str, Any]) -> bool:
    return doc.get("RecordState") == ARCHIVED


@dataclass
class _Reader:
    """Pre-flight and existing findings of one target."""

    client: Any = None
    bucket: TokenBucket | None = None
    existing: list[Any] = field(default_factory=list)
    problem: str | None = None
    """Security Hub is not enabled here: a skip."""
    failure: _Failure | None = None
    """A call failed: nothing is sent here, and all of it is undelivered."""


def _open_target(session: AccountSession, tplan: TargetPlan, bucket: TokenBucket) -> _Reader:
    reader = _Reader(bucket=bucket)
    stage = "DescribeHub"
    try:
        reader.client = session.client("securityhub", tplan.region)
        found = _preflight(reader.client, bucket)
        if isinstance(found, _Failure):
            reader.failure = found
        elif found is not None:
            reader.problem = found
        else:
            stage = "GetFindings"
            reader.existing = _read_existing(
                reader.client, bucket, tplan.product_arn, tplan.account_id
            )
    except Exception as exc:
        code, message = _error_code(exc)
        reason = GET_FINDINGS_FAILED if stage == "GetFindings" else DESCRIBE_HUB_FAILED
        reader.failure = _Failure(reason, stage, code, message)
    return reader


def _open_session(
    session_for: Callable[[str], AccountSession], account_id: str
) -> AccountSession | _Failure:
    try:
        return session_for(account_id)
    except Exception as exc:
        code, message = _error_code(exc)
        operation = str(getattr(exc, "operation_name", "") or "AssumeRole")
        return _Failure(ASSUME_ROLE_FAILED, operation, code, message)


def import_findings(
    asff_findings: Sequence[Mapping[str, Any]],
    session_for: Callable[[str], AccountSession],
    *,
    home_region: str,
    scopes_evaluated: Set[CheckScope] = frozenset(),
    include_passed: bool = False,
    partition: str | None = None,
    dry_run: bool = False,
    progress: Progress = lambda _m: None,
    max_workers: int = 8,
    rate: float = MAX_REQUESTS_PER_SECOND,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
    now: Callable[[], datetime] = lambda: datetime.now(UTC),
    max_throttle_retries: int = 5,
) -> ImportReport:
    """Import ASFF findings, each with its own account's session, into its own region.

    `session_for(account_id)` returns that account's session (built with
    `with_import_allowed` settings unless `dry_run`); when it raises, everything meant for
    that account is undelivered. Targets run in parallel (`max_workers`), each under its own
    rate limit. Never raises for AWS errors: see `ImportReport.undelivered`."""

    base = plan_import(
        asff_findings, scopes_evaluated, include_passed, home_region, partition=partition
    )
    skipped: list[SkippedScope] = []
    lost: list[Undelivered] = []
    sessions: dict[str, AccountSession | _Failure] = {}
    opened: list[tuple[TargetPlan, AccountSession]] = []
    for tplan in base.targets:
        account_id = tplan.account_id
        if account_id not in sessions:
            sessions[account_id] = _open_session(session_for, account_id)
        session = sessions[account_id]
        if isinstance(session, _Failure):
            lost.extend(_lost(tplan, session))
            progress(
                f"securityhub {account_id} {tplan.region}: NOT DELIVERED: {session.describe()}"
            )
        else:
            opened.append((tplan, session))

    workers = max(1, min(max_workers, len(opened) or 1))
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="securityhub") as pool:
        readers = list(
            pool.map(
                lambda item: _open_target(item[1], item[0], TokenBucket(rate, 1.0, clock, sleep)),
                opened,
            )
        )
    existing: dict[Target, list[Any]] = {}
    reachable: dict[Target, _Reader] = {}
    for (tplan, _), reader in zip(opened, readers, strict=True):
        where = f"securityhub {tplan.account_id} {tplan.region}"
        if reader.failure is not None:
            lost.extend(_lost(tplan, reader.failure))
            progress(f"{where}: NOT DELIVERED: {reader.failure.describe()}")
            continue
        if reader.problem is not None:
            pending = len(tplan.to_import) + tplan.passed_not_sent
            skipped.append(SkippedScope(tplan.account_id, tplan.region, reader.problem, pending))
            progress(f"{where}: skipped: {reader.problem}")
            continue
        existing[tplan.target] = reader.existing
        reachable[tplan.target] = reader

    plan = plan_import(
        asff_findings,
        scopes_evaluated,
        include_passed,
        home_region,
        existing=existing,
        now=now(),
        partition=partition,
    )
    report = ImportReport(plan=plan, dry_run=dry_run, skipped=skipped, undelivered=lost)
    work: list[tuple[TargetPlan, _Sender]] = []
    for tplan in plan.targets:
        reader_ = reachable.get(tplan.target)
        if reader_ is None or reader_.bucket is None:
            continue
        report.failed.extend(tplan.invalid)
        report.undelivered.extend(_undelivered_from(e, INVALID, "", False) for e in tplan.invalid)
        progress(f"securityhub {tplan.describe()}")
        if not dry_run and tplan.findings:
            work.append(
                (tplan, _Sender(reader_.client, reader_.bucket, sleep, max_throttle_retries))
            )

    def run(item: tuple[TargetPlan, _Sender]) -> _Tally:
        tplan, sender = item
        for batch in tplan.batches():
            sender.send(tplan, batch)
        return sender.tally

    workers = max(1, min(max_workers, len(work) or 1))
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="securityhub") as pool:
        for tally in pool.map(run, work):
            report.imported += tally.imported
            report.archived += tally.archived
            report.requests += tally.requests
            report.failed.extend(tally.failed)
            report.undelivered.extend(tally.undelivered)
    return report

"""Security Hub import against the moto server: routing, lifecycle, batching, failures."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from reports.asff import to_asff
from scanner.aws.session import ClientSettings, Sessions
from scanner.core.dataset import Scope
from scanner.core.errors import UsageError
from scanner.core.findings import Finding, finding_id
from scanner.core.inventory import AccountInfo, AccountInventory, Inventory
from scanner.core.model import CollectionError, Resource, Severity, Status
from scanner.publish.securityhub import (
    ALL_REGIONS,
    ARCHIVE_UNKNOWN,
    ASSUME_ROLE_FAILED,
    DESCRIBE_HUB_FAILED,
    GET_FINDINGS_FAILED,
    IMPORT_WRITE,
    INVALID,
    MAX_BATCH_FINDINGS,
    REJECTED,
    REQUEST_FAILED,
    THROTTLED,
    ImportReport,
    TokenBucket,
    batches,
    evaluated_scopes,
    import_findings,
    load_asff,
    plan_import,
    scopes_from_asff,
    session_factory,
    updated_after,
    validation_error,
    with_import_allowed,
)
from tests.conftest import DEFAULT_ACCOUNT
from tests.faults import Fault, Rule

OTHER = "222233334444"
HOME = "us-east-1"
EU = "eu-west-1"
T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
T1 = T0 + timedelta(days=1)
NOW1 = datetime(2026, 3, 1, 13, 0, tzinfo=UTC)
NOW2 = datetime(2026, 3, 2, 13, 0, tzinfo=UTC)


# --------------------------------------------------------------------------- builders


def make_finding(
    account: str,
    region: str,
    check: str,
    resource_id: str,
    status: Status,
    *,
    resource_type: str = "AwsS3Bucket",
    collected_at: datetime = T0,
    errors: tuple[CollectionError, ...] = (),
) -> Finding:
    return Finding(
        id=finding_id(check, account, region, resource_id),
        check_id=check,
        control_id=f"Ctl.{check}",
        title=f"{check} title",
        description="Why this matters.",
        severity=Severity.HIGH,
        status=status,
        account_id=account,
        region=region,
        resource=Resource(type=resource_type, id=resource_id, region=region, account_id=account),
        reason=f"{check} on {resource_id}: {status.value}",
        evidence={"operation": "GetBucketPolicy", "observed": {"Policy": None}},
        errors=errors,
        remediation="Fix it.",
        remediation_url="https://docs.aws.amazon.com/securityhub/",
        requirements=("CIS AWS Foundations Benchmark v5.0.0/3.1",),
        standards=("standards/cis-aws-foundations-benchmark/v/5.0.0",),
        collected_at=collected_at,
    )


def bucket(account: str, region: str, name: str, status: Status, **kw: Any) -> Finding:
    return make_finding(account, region, "s3_check", f"arn:aws:s3:::{name}", status, **kw)


def account_error(account: str, region: str, check: str, collected_at: datetime = T0) -> Finding:
    """The engine's ERROR finding: the check could not run in this account and region."""
    err = CollectionError(
        operation="ListTrails",
        iam_action="cloudtrail:ListTrails",
        code="AccessDenied",
        message="denied by SCP",
        region=region,
    )
    return make_finding(
        account,
        region,
        check,
        f"AWS::::Account:{account}",
        Status.ERROR,
        resource_type="AwsAccount",
        collected_at=collected_at,
        errors=(err,),
    )


def asff(findings: Iterable[Finding]) -> list[dict[str, Any]]:
    return [to_asff(f) for f in findings]


@dataclass
class FakeClock:
    """A monotonic clock that only moves when something sleeps."""

    now: float = 1000.0
    sleeps: list[float] = field(default_factory=list)

    def time(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


@dataclass
class Wire:
    """Client hook: records BatchImportFindings payloads; can inject replies."""

    sent: list[tuple[str, str, list[dict[str, Any]]]] = field(default_factory=list)
    reply: Callable[[list[dict[str, Any]]], dict[str, Any] | None] | None = None
    _pending: dict[int, list[dict[str, Any]]] = field(default_factory=dict)

    def hook(self, client: Any, service: str, region: str, account_id: str) -> None:
        if service != "securityhub":
            return

        def capture(params: dict[str, Any], **_: Any) -> None:
            findings = json.loads(json.dumps(params["Findings"]))
            self.sent.append((account_id, region, findings))

        def before_call(model: Any, **_: Any) -> Any:
            if self.reply is None:
                return None
            parsed = self.reply(self.sent[-1][2])
            if parsed is None:
                return None
            from botocore.awsrequest import AWSResponse

            status = parsed.get("ResponseMetadata", {}).get("HTTPStatusCode", 200)
            return AWSResponse("http://127.0.0.1/", status, {}, None), parsed

        events = client.meta.events
        events.register("before-parameter-build.securityhub.BatchImportFindings", capture)
        events.register("before-call.securityhub.BatchImportFindings", before_call)

    def calls(self, account: str | None = None, region: str | None = None) -> int:
        return sum(
            1
            for a, r, _ in self.sent
            if (account is None or a == account) and (region is None or r == region)
        )

    def findings(self) -> list[dict[str, Any]]:
        return [f for _, _, batch in self.sent for f in batch]


Hook = Callable[[Any, str, str, str], None]


def make_sessions(
    endpoint: str, wire: Wire | None = None, allow: bool = True, hook: Hook | None = None
) -> Sessions:
    hooks = [h for h in (wire.hook if wire else None, hook) if h is not None]

    def client_hook(client: Any, service: str, region: str, account_id: str) -> None:
        for each in hooks:
            each(client, service, region, account_id)

    settings = ClientSettings(endpoint_url=endpoint, max_attempts=2, client_hook=client_hook)
    if allow:
        settings = with_import_allowed(settings)
    sessions = Sessions(None, settings)
    sessions.identify(HOME)
    return sessions


def run_import(
    endpoint: str,
    findings: list[dict[str, Any]],
    *,
    wire: Wire | None = None,
    scopes: set[tuple[str, str, str]] | None = None,
    include_passed: bool = False,
    now: datetime = NOW1,
    allow: bool = True,
    dry_run: bool = False,
    clock: FakeClock | None = None,
    hook: Hook | None = None,
) -> ImportReport:
    sessions = make_sessions(endpoint, wire, allow, hook)
    fake = clock or FakeClock()
    return import_findings(
        findings,
        session_factory(sessions, "OrganizationAccountAccessRole", HOME),
        home_region=HOME,
        scopes_evaluated=scopes if scopes is not None else scopes_from_asff(findings),
        include_passed=include_passed,
        dry_run=dry_run,
        clock=fake.time,
        sleep=fake.sleep,
        now=lambda: now,
    )


def enable(account_client: Callable[..., Any], account: str, *regions: str) -> None:
    for region in regions:
        account_client("securityhub", region, account).enable_security_hub()


def stored(
    account_client: Callable[..., Any], account: str, region: str
) -> dict[str, dict[str, Any]]:
    client = account_client("securityhub", region, account)
    out: dict[str, dict[str, Any]] = {}
    for page in client.get_paginator("get_findings").paginate():
        for f in page["Findings"]:
            if f["Id"].startswith("trailwatch/"):
                out[f["Id"]] = f
    return out


# --------------------------------------------------------------------------- against moto


def test_findings_land_in_their_own_account_and_region(
    moto_endpoint: str, account_client: Callable[..., Any]
) -> None:
    enable(account_client, DEFAULT_ACCOUNT, HOME, EU)
    enable(account_client, OTHER, HOME, EU)
    a_bucket = bucket(DEFAULT_ACCOUNT, HOME, "a-logs", Status.FAIL)
    a_trail = make_finding(
        DEFAULT_ACCOUNT,
        EU,
        "trail_check",
        f"arn:aws:cloudtrail:{EU}:{DEFAULT_ACCOUNT}:trail/t",
        Status.FAIL,
        resource_type="AwsCloudTrailTrail",
    )
    # an account-level finding evaluated in eu-west-1 goes to the home region only
    a_account = make_finding(
        DEFAULT_ACCOUNT,
        EU,
        "acct_check",
        f"AWS::::Account:{DEFAULT_ACCOUNT}",
        Status.FAIL,
        resource_type="AwsAccount",
    )
    b_bucket = bucket(OTHER, HOME, "b-logs", Status.WARNING)
    wire = Wire()
    report = run_import(moto_endpoint, asff([a_bucket, a_trail, a_account, b_bucket]), wire=wire)

    assert report.ok, report.lines()
    assert report.imported == 4 and report.archived == 0 and not report.skipped
    assert set(stored(account_client, DEFAULT_ACCOUNT, HOME)) == {a_bucket.id, a_account.id}
    assert set(stored(account_client, DEFAULT_ACCOUNT, EU)) == {a_trail.id}
    assert set(stored(account_client, OTHER, HOME)) == {b_bucket.id}
    assert stored(account_client, OTHER, EU) == {}
    for account, region in ((DEFAULT_ACCOUNT, HOME), (DEFAULT_ACCOUNT, EU), (OTHER, HOME)):
        for doc in stored(account_client, account, region).values():
            assert doc["AwsAccountId"] == account
            assert doc["ProductArn"] == (
                f"arn:aws:securityhub:{region}:{account}:product/{account}/default"
            )
    # one call per account and region, never a finding of another account
    assert wire.calls(DEFAULT_ACCOUNT, HOME) == 1 and wire.calls(OTHER, HOME) == 1
    for account, _, batch in wire.sent:
        assert {f["AwsAccountId"] for f in batch} == {account}


def test_reimport_is_idempotent_and_keeps_created_at(
    moto_endpoint: str, account_client: Callable[..., Any]
) -> None:
    enable(account_client, DEFAULT_ACCOUNT, HOME)
    first = [bucket(DEFAULT_ACCOUNT, HOME, f"b{i}", Status.FAIL) for i in range(3)]
    assert run_import(moto_endpoint, asff(first), now=NOW1).ok
    before = stored(account_client, DEFAULT_ACCOUNT, HOME)

    again = [bucket(DEFAULT_ACCOUNT, HOME, f"b{i}", Status.FAIL, collected_at=T1) for i in range(3)]
    report = run_import(moto_endpoint, asff(again), now=NOW2)
    after = stored(account_client, DEFAULT_ACCOUNT, HOME)

    assert report.ok and report.imported == 3
    assert set(after) == set(before) == {f.id for f in first}
    for fid, doc in after.items():
        assert doc["CreatedAt"] == before[fid]["CreatedAt"]
        assert doc["FirstObservedAt"] == before[fid]["FirstObservedAt"]
        assert _ts(doc["UpdatedAt"]) > _ts(before[fid]["UpdatedAt"])
        assert _ts(doc["UpdatedAt"]) >= NOW2
        assert _ts(doc["LastObservedAt"]) == T1
        assert doc["RecordState"] == "ACTIVE"

    # the very same input a third time: still one finding per Id, UpdatedAt moves on
    third = run_import(moto_endpoint, asff(again), now=NOW2)
    latest = stored(account_client, DEFAULT_ACCOUNT, HOME)
    assert third.ok and set(latest) == set(after)
    for fid, doc in latest.items():
        assert _ts(doc["UpdatedAt"]) > _ts(after[fid]["UpdatedAt"])
        assert doc["CreatedAt"] == before[fid]["CreatedAt"]


def test_stale_input_never_overwrites_a_later_observation(
    moto_endpoint: str, account_client: Callable[..., Any]
) -> None:
    enable(account_client, DEFAULT_ACCOUNT, HOME)
    newer = [bucket(DEFAULT_ACCOUNT, HOME, "b", Status.PASS, collected_at=T1)]
    assert run_import(moto_endpoint, asff(newer), include_passed=True).ok
    older = [bucket(DEFAULT_ACCOUNT, HOME, "b", Status.FAIL, collected_at=T0)]
    report = run_import(moto_endpoint, asff(older), include_passed=True, now=NOW2)
    target = report.plan.target(DEFAULT_ACCOUNT, HOME)
    assert target is not None and target.stale == [newer[0].id]
    doc = stored(account_client, DEFAULT_ACCOUNT, HOME)[newer[0].id]
    assert doc["Compliance"]["Status"] == "PASSED"


def _lifecycle_world(
    account_client: Callable[..., Any],
) -> tuple[list[Finding], list[Finding], set[tuple[str, str, str]]]:
    enable(account_client, DEFAULT_ACCOUNT, HOME, EU)
    fixed = bucket(DEFAULT_ACCOUNT, HOME, "fixed", Status.FAIL)
    gone = bucket(DEFAULT_ACCOUNT, HOME, "gone", Status.FAIL)
    still = bucket(DEFAULT_ACCOUNT, HOME, "still", Status.FAIL)
    eu_trail = make_finding(
        DEFAULT_ACCOUNT,
        EU,
        "trail_check",
        f"arn:aws:cloudtrail:{EU}:{DEFAULT_ACCOUNT}:trail/eu",
        Status.FAIL,
        resource_type="AwsCloudTrailTrail",
    )
    first = [fixed, gone, still, eu_trail]
    second = [
        bucket(DEFAULT_ACCOUNT, HOME, "fixed", Status.PASS, collected_at=T1),
        bucket(DEFAULT_ACCOUNT, HOME, "still", Status.FAIL, collected_at=T1),
        # trail_check could not run in eu-west-1 this time: the old trail finding must stay
        account_error(DEFAULT_ACCOUNT, EU, "trail_check", collected_at=T1),
    ]
    scopes = {(DEFAULT_ACCOUNT, HOME, "s3_check"), (DEFAULT_ACCOUNT, EU, "trail_check")}
    return first, second, scopes


def test_fixed_and_deleted_resources_are_archived_but_not_where_the_scan_had_an_error(
    moto_endpoint: str, account_client: Callable[..., Any]
) -> None:
    first, second, scopes = _lifecycle_world(account_client)
    fixed, gone, still, eu_trail = first
    assert run_import(moto_endpoint, asff(first), scopes=scopes, now=NOW1).ok

    wire = Wire()
    report = run_import(moto_endpoint, asff(second), wire=wire, scopes=scopes, now=NOW2)
    home = stored(account_client, DEFAULT_ACCOUNT, HOME)
    eu = stored(account_client, DEFAULT_ACCOUNT, EU)

    assert report.ok, report.lines()
    # fixed: the PASSED result replaces the FAILED one, archived (PASSED findings are not kept)
    assert home[fixed.id]["RecordState"] == "ARCHIVED"
    assert home[fixed.id]["Compliance"]["Status"] == "PASSED"
    assert home[fixed.id]["CreatedAt"] == _asff_ts(T0)
    # gone: archived with its last known result
    assert home[gone.id]["RecordState"] == "ARCHIVED"
    assert home[gone.id]["Compliance"]["Status"] == "FAILED"
    assert _ts(home[gone.id]["UpdatedAt"]) >= NOW2
    # still failing: updated, active
    assert home[still.id]["RecordState"] == "ACTIVE"
    assert home[still.id]["Compliance"]["Status"] == "FAILED"
    # the scope with an ERROR keeps its previous finding untouched
    assert eu[eu_trail.id]["RecordState"] == "ACTIVE"
    assert eu[eu_trail.id]["Compliance"]["Status"] == "FAILED"
    assert eu_trail.id not in {f["Id"] for f in wire.findings()}
    # the ERROR finding itself (account-level) is imported in the home region
    error_id = second[2].id
    assert home[error_id]["Compliance"]["Status"] == "NOT_AVAILABLE"
    assert report.archived == 2 and report.imported == 2
    eu_plan = report.plan.target(DEFAULT_ACCOUNT, EU)
    assert eu_plan is not None and eu_plan.kept_active == [eu_trail.id]


def test_fixed_resource_stays_active_as_passed_with_include_passed(
    moto_endpoint: str, account_client: Callable[..., Any]
) -> None:
    first, second, scopes = _lifecycle_world(account_client)
    fixed, gone = first[0], first[1]
    assert run_import(moto_endpoint, asff(first), scopes=scopes).ok
    report = run_import(moto_endpoint, asff(second), scopes=scopes, include_passed=True, now=NOW2)
    home = stored(account_client, DEFAULT_ACCOUNT, HOME)
    assert report.ok
    assert home[fixed.id]["RecordState"] == "ACTIVE"
    assert home[fixed.id]["Compliance"]["Status"] == "PASSED"
    assert home[fixed.id]["Severity"]["Label"] == "INFORMATIONAL"
    assert home[gone.id]["RecordState"] == "ARCHIVED"


def test_passed_finding_is_not_archived_in_a_scope_with_an_error(
    moto_endpoint: str, account_client: Callable[..., Any]
) -> None:
    enable(account_client, DEFAULT_ACCOUNT, HOME)
    old = bucket(DEFAULT_ACCOUNT, HOME, "b", Status.FAIL)
    other = bucket(DEFAULT_ACCOUNT, HOME, "other", Status.FAIL)
    assert run_import(moto_endpoint, asff([old, other])).ok
    now_passing = bucket(DEFAULT_ACCOUNT, HOME, "b", Status.PASS, collected_at=T1)
    broken = account_error(DEFAULT_ACCOUNT, HOME, "s3_check", collected_at=T1)
    report = run_import(moto_endpoint, asff([now_passing, broken]), now=NOW2)
    home = stored(account_client, DEFAULT_ACCOUNT, HOME)
    assert report.ok
    # the known PASSED result is recorded, but nothing is archived in the errored scope
    assert home[old.id]["Compliance"]["Status"] == "PASSED"
    assert home[old.id]["RecordState"] == "ACTIVE"
    assert home[other.id]["RecordState"] == "ACTIVE"
    assert home[other.id]["Compliance"]["Status"] == "FAILED"


def test_scopes_not_evaluated_are_never_archived(
    moto_endpoint: str, account_client: Callable[..., Any]
) -> None:
    enable(account_client, DEFAULT_ACCOUNT, HOME)
    s3 = bucket(DEFAULT_ACCOUNT, HOME, "b", Status.FAIL)
    trail = make_finding(
        DEFAULT_ACCOUNT,
        HOME,
        "trail_check",
        f"arn:aws:cloudtrail:{HOME}:{DEFAULT_ACCOUNT}:trail/t",
        Status.FAIL,
        resource_type="AwsCloudTrailTrail",
    )
    assert run_import(moto_endpoint, asff([s3, trail])).ok
    # a later scan of trail_check only, where the trail is gone: s3_check was not run
    report = run_import(
        moto_endpoint, [], scopes={(DEFAULT_ACCOUNT, HOME, "trail_check")}, now=NOW2
    )
    home = stored(account_client, DEFAULT_ACCOUNT, HOME)
    assert report.ok and report.archived == 1
    assert home[trail.id]["RecordState"] == "ARCHIVED"
    assert home[s3.id]["RecordState"] == "ACTIVE"


def test_workflow_and_note_are_never_sent_or_overwritten(
    moto_endpoint: str, account_client: Callable[..., Any]
) -> None:
    enable(account_client, DEFAULT_ACCOUNT, HOME)
    finding = bucket(DEFAULT_ACCOUNT, HOME, "b", Status.FAIL)
    assert run_import(moto_endpoint, asff([finding])).ok
    # someone works the finding (moto has no BatchUpdateFindings: write the fields directly)
    doc = stored(account_client, DEFAULT_ACCOUNT, HOME)[finding.id]
    doc["Workflow"] = {"Status": "NOTIFIED"}
    doc["Note"] = {"Text": "ticket SEC-1", "UpdatedBy": "analyst", "UpdatedAt": _asff_ts(NOW1)}
    account_client("securityhub", HOME).batch_import_findings(Findings=[doc])

    wire = Wire()
    again = bucket(DEFAULT_ACCOUNT, HOME, "b", Status.FAIL, collected_at=T1)
    assert run_import(moto_endpoint, asff([again]), wire=wire, now=NOW2).ok
    gone = run_import(moto_endpoint, [], wire=wire, scopes={(DEFAULT_ACCOUNT, HOME, "s3_check")})
    assert gone.archived == 1
    for sent in wire.findings():
        assert not {"Workflow", "Note", "UserDefinedFields", "VerificationState"} & set(sent)
    after = stored(account_client, DEFAULT_ACCOUNT, HOME)[finding.id]
    assert after["Workflow"] == {"Status": "NOTIFIED"}
    assert after["Note"]["Text"] == "ticket SEC-1"


def test_more_than_100_findings_are_split_into_batches(
    moto_endpoint: str, account_client: Callable[..., Any]
) -> None:
    enable(account_client, DEFAULT_ACCOUNT, HOME)
    many = [bucket(DEFAULT_ACCOUNT, HOME, f"bucket-{i:03d}", Status.FAIL) for i in range(250)]
    wire = Wire()
    clock = FakeClock()
    report = run_import(moto_endpoint, asff(many), wire=wire, clock=clock)
    assert report.ok and report.imported == 250
    assert wire.calls() == 3 == report.requests
    assert [len(b) for _, _, b in wire.sent] == [100, 100, 50]
    assert len(stored(account_client, DEFAULT_ACCOUNT, HOME)) == 250
    # DescribeHub + 1 GetFindings page + 3 imports through a 10/s bucket of one token
    assert clock.sleeps and all(s == pytest.approx(0.1) for s in clock.sleeps)


def test_failed_findings_are_reported_and_fail_the_run(
    moto_endpoint: str, account_client: Callable[..., Any]
) -> None:
    enable(account_client, DEFAULT_ACCOUNT, HOME)
    findings = asff([bucket(DEFAULT_ACCOUNT, HOME, f"b{i}", Status.FAIL) for i in range(3)])
    rejected = findings[1]["Id"]

    def reply(batch: list[dict[str, Any]]) -> dict[str, Any]:
        return {
            "FailedCount": 1,
            "SuccessCount": len(batch) - 1,
            "FailedFindings": [
                {"Id": rejected, "ErrorCode": "InvalidInput", "ErrorMessage": "bad Types"}
            ],
            "ResponseMetadata": {"HTTPStatusCode": 200},
        }

    report = run_import(moto_endpoint, findings, wire=Wire(reply=reply))
    assert not report.ok
    assert report.imported == 2
    assert [(f.id, f.error_code, f.error_message) for f in report.failed] == [
        (rejected, "InvalidInput", "bad Types")
    ]
    assert report.failed[0].account_id == DEFAULT_ACCOUNT and report.failed[0].region == HOME
    assert any(rejected in line for line in report.lines())
    assert not report.complete
    assert [(u.id, u.reason, u.operation) for u in report.undelivered] == [
        (rejected, REJECTED, "BatchImportFindings")
    ]


def test_throttling_is_retried_with_backoff(
    moto_endpoint: str, account_client: Callable[..., Any]
) -> None:
    enable(account_client, DEFAULT_ACCOUNT, HOME)
    calls = {"n": 0}

    def reply(batch: list[dict[str, Any]]) -> dict[str, Any] | None:
        calls["n"] += 1
        if calls["n"] > 2:
            return None  # let the real call through
        return {
            "Error": {"Code": "TooManyRequestsException", "Message": "Rate exceeded"},
            "ResponseMetadata": {"HTTPStatusCode": 429},
        }

    clock = FakeClock()
    findings = asff([bucket(DEFAULT_ACCOUNT, HOME, "b", Status.FAIL)])
    report = run_import(moto_endpoint, findings, wire=Wire(reply=reply), clock=clock)
    assert report.ok and report.imported == 1 and report.requests == 3
    assert 0.5 in clock.sleeps and 1.0 in clock.sleeps
    assert len(stored(account_client, DEFAULT_ACCOUNT, HOME)) == 1


def test_region_without_security_hub_is_skipped_with_a_reason(
    moto_endpoint: str, account_client: Callable[..., Any]
) -> None:
    enable(account_client, DEFAULT_ACCOUNT, HOME)  # not in eu-west-1
    home = bucket(DEFAULT_ACCOUNT, HOME, "b", Status.FAIL)
    eu = bucket(DEFAULT_ACCOUNT, EU, "e", Status.FAIL)
    wire = Wire()
    report = run_import(moto_endpoint, asff([home, eu]), wire=wire)
    assert report.ok and report.imported == 1
    assert [(s.account_id, s.region, s.findings) for s in report.skipped] == [
        (DEFAULT_ACCOUNT, EU, 1)
    ]
    assert "InvalidAccessException" in report.skipped[0].reason
    assert report.complete and report.undelivered == []  # not enabled: a skip, not a failure
    assert wire.calls(region=EU) == 0
    assert set(stored(account_client, DEFAULT_ACCOUNT, HOME)) == {home.id}
    assert any("skipped" in line for line in report.lines())


def test_account_whose_role_cannot_be_assumed_is_undelivered(
    moto_endpoint: str, account_client: Callable[..., Any], fault_proxy: Callable[..., Any]
) -> None:
    enable(account_client, DEFAULT_ACCOUNT, HOME)
    enable(account_client, OTHER, HOME, EU)
    mine = bucket(DEFAULT_ACCOUNT, HOME, "a", Status.FAIL)
    theirs = [
        bucket(OTHER, region, f"b{i}", Status.FAIL) for i in range(3) for region in (HOME, EU)
    ]
    denied = Rule(Fault.DENIED, frozenset({"sts:AssumeRole"}), match=OTHER)
    proxy = fault_proxy(rules=[denied])
    report = run_import(proxy.endpoint, asff([mine, *theirs]))

    assert proxy.stats.injected_by_operation[(Fault.DENIED, "AssumeRole")] == 1
    assert report.imported == 1 and not report.skipped
    assert not report.complete and not report.ok
    assert sorted(report.undelivered_ids) == sorted(f.id for f in theirs)
    assert {(u.account_id, u.reason, u.operation, u.error_code) for u in report.undelivered} == {
        (OTHER, ASSUME_ROLE_FAILED, "AssumeRole", "AccessDenied")
    }
    # their previous findings could not be archived either: one entry per account and region
    assert sorted((u.region, u.archive) for u in report.undelivered if u.id == ARCHIVE_UNKNOWN) == [
        (EU, True),
        (HOME, True),
    ]
    assert stored(account_client, OTHER, HOME) == {} == stored(account_client, OTHER, EU)
    lines = report.undelivered_lines()
    assert len(lines) == 3  # the total, then one line per account/region/reason group
    assert all(OTHER in line and ASSUME_ROLE_FAILED in line for line in lines[1:])


def test_get_findings_failure_sends_nothing_there_and_leaves_it_undelivered(
    moto_endpoint: str, account_client: Callable[..., Any], fault_proxy: Callable[..., Any]
) -> None:
    enable(account_client, DEFAULT_ACCOUNT, HOME, EU)
    old = bucket(DEFAULT_ACCOUNT, EU, "gone", Status.FAIL)
    assert run_import(moto_endpoint, asff([old])).complete
    home = [bucket(DEFAULT_ACCOUNT, HOME, f"h{i}", Status.FAIL, collected_at=T1) for i in range(2)]
    eu = [bucket(DEFAULT_ACCOUNT, EU, f"e{i}", Status.FAIL, collected_at=T1) for i in range(3)]
    # GetFindings filters on the target's product ARN, which names its region
    denied = Rule(Fault.DENIED, frozenset({"securityhub:GetFindings"}), match=f":{EU}:")
    proxy = fault_proxy(rules=[denied])
    wire = Wire()
    report = run_import(proxy.endpoint, asff([*home, *eu]), wire=wire, now=NOW2)

    assert report.imported == 2 and wire.calls(region=EU) == 0
    assert not report.complete
    assert sorted(report.undelivered_ids) == sorted(f.id for f in eu)
    assert {(u.region, u.reason, u.operation) for u in report.undelivered} == {
        (EU, GET_FINDINGS_FAILED, "GetFindings")
    }
    # `old` should have been archived (absent from an evaluated scope): that is undelivered too
    assert [u.archive for u in report.undelivered if u.id == ARCHIVE_UNKNOWN] == [True]
    assert stored(account_client, DEFAULT_ACCOUNT, EU)[old.id]["RecordState"] == "ACTIVE"
    assert set(stored(account_client, DEFAULT_ACCOUNT, HOME)) == {f.id for f in home}
    record = report.to_dict()
    assert record["complete"] is False and record["undelivered_count"] == 3
    assert json.loads(json.dumps(record))["undelivered"][0]["operation"] == "GetFindings"

    # the same failure in a dry run: what cannot be delivered is known before sending
    dry = run_import(proxy.endpoint, asff(eu), dry_run=True, allow=False, now=NOW2)
    assert not dry.complete and sorted(dry.undelivered_ids) == sorted(f.id for f in eu)


def test_describe_hub_error_is_undelivered_but_not_enabled_is_a_skip(
    moto_endpoint: str, account_client: Callable[..., Any]
) -> None:
    enable(account_client, DEFAULT_ACCOUNT, HOME)  # eu-west-1: not enabled
    enable(account_client, OTHER, HOME)

    def deny_describe_hub(client: Any, service: str, region: str, account_id: str) -> None:
        if service != "securityhub" or account_id != OTHER:
            return

        def before_call(model: Any, **_: Any) -> Any:
            if model.name != "DescribeHub":
                return None
            from botocore.awsrequest import AWSResponse

            parsed = {
                "Error": {"Code": "AccessDeniedException", "Message": "not authorized"},
                "ResponseMetadata": {"HTTPStatusCode": 403},
            }
            return AWSResponse("http://127.0.0.1/", 403, {}, None), parsed

        client.meta.events.register("before-call.securityhub.*", before_call)

    findings = asff(
        [
            bucket(DEFAULT_ACCOUNT, HOME, "a", Status.FAIL),
            bucket(DEFAULT_ACCOUNT, EU, "skipped", Status.FAIL),
            bucket(OTHER, HOME, "b", Status.FAIL),
        ]
    )
    report = run_import(moto_endpoint, findings, hook=deny_describe_hub)
    assert report.imported == 1
    assert [(s.account_id, s.region) for s in report.skipped] == [(DEFAULT_ACCOUNT, EU)]
    assert report.undelivered_ids == [findings[2]["Id"]]
    assert {(u.reason, u.operation, u.error_code) for u in report.undelivered} == {
        (DESCRIBE_HUB_FAILED, "DescribeHub", "AccessDeniedException")
    }
    assert not report.complete


@pytest.mark.parametrize(
    ("code", "status", "reason", "requests"),
    [
        ("TooManyRequestsException", 429, THROTTLED, 6),  # 1 + 5 retries
        ("InternalException", 500, REQUEST_FAILED, 1),
    ],
)
def test_batch_call_that_fails_leaves_its_imports_and_archives_undelivered(
    code: str,
    status: int,
    reason: str,
    requests: int,
    moto_endpoint: str,
    account_client: Callable[..., Any],
) -> None:
    enable(account_client, DEFAULT_ACCOUNT, HOME)
    old = bucket(DEFAULT_ACCOUNT, HOME, "gone", Status.FAIL)
    assert run_import(moto_endpoint, asff([old])).complete

    def reply(batch: list[dict[str, Any]]) -> dict[str, Any]:
        return {
            "Error": {"Code": code, "Message": "injected"},
            "ResponseMetadata": {"HTTPStatusCode": status},
        }

    new = [bucket(DEFAULT_ACCOUNT, HOME, f"n{i}", Status.FAIL, collected_at=T1) for i in range(2)]
    report = run_import(moto_endpoint, asff(new), wire=Wire(reply=reply), now=NOW2)
    assert report.requests == requests and report.imported == 0 and report.archived == 0
    assert not report.complete
    assert {(u.id, u.archive) for u in report.undelivered} == {
        (new[0].id, False),
        (new[1].id, False),
        (old.id, True),
    }
    assert {(u.reason, u.operation, u.error_code) for u in report.undelivered} == {
        (reason, "BatchImportFindings", code)
    }
    assert stored(account_client, DEFAULT_ACCOUNT, HOME)[old.id]["RecordState"] == "ACTIVE"


def test_dry_run_reads_but_sends_nothing(
    moto_endpoint: str, account_client: Callable[..., Any]
) -> None:
    enable(account_client, DEFAULT_ACCOUNT, HOME)
    old = bucket(DEFAULT_ACCOUNT, HOME, "gone", Status.FAIL)
    assert run_import(moto_endpoint, asff([old])).ok
    wire = Wire()
    new = [bucket(DEFAULT_ACCOUNT, HOME, f"n{i}", Status.FAIL, collected_at=T1) for i in range(2)]
    report = run_import(moto_endpoint, asff(new), wire=wire, dry_run=True, allow=False, now=NOW2)
    assert report.ok and report.dry_run
    assert wire.calls() == 0 and report.requests == 0 and report.imported == 0
    target = report.plan.target(DEFAULT_ACCOUNT, HOME)
    assert target is not None
    assert {f["Id"] for f in target.to_import} == {f.id for f in new}
    assert [f["Id"] for f in target.to_archive] == [old.id]
    assert set(stored(account_client, DEFAULT_ACCOUNT, HOME)) == {old.id}
    assert stored(account_client, DEFAULT_ACCOUNT, HOME)[old.id]["RecordState"] == "ACTIVE"


def test_import_without_the_write_allowance_fails_loudly(
    moto_endpoint: str, account_client: Callable[..., Any]
) -> None:
    enable(account_client, DEFAULT_ACCOUNT, HOME)
    findings = asff([bucket(DEFAULT_ACCOUNT, HOME, "b", Status.FAIL)])
    report = run_import(moto_endpoint, findings, allow=False)
    assert not report.ok
    # refused by the read-only guard, or before it: the session's model has no such write
    assert [f.error_code for f in report.failed] in (["MutatingCallBlocked"], ["WriteNotKept"])
    assert stored(account_client, DEFAULT_ACCOUNT, HOME) == {}


def test_every_finding_sent_passes_botocore_validation_and_invalid_ones_are_reported(
    moto_endpoint: str, account_client: Callable[..., Any]
) -> None:
    from botocore.validate import ParamValidator

    enable(account_client, DEFAULT_ACCOUNT, HOME, EU)
    findings = asff(
        [
            bucket(DEFAULT_ACCOUNT, HOME, "a", Status.FAIL),
            bucket(DEFAULT_ACCOUNT, EU, "b", Status.WARNING),
            bucket(DEFAULT_ACCOUNT, HOME, "c", Status.PASS),
            account_error(DEFAULT_ACCOUNT, EU, "trail_check"),
        ]
    )
    broken = dict(findings[0], Id=findings[0]["Id"] + "-broken")
    del broken["Title"]
    wire = Wire()
    report = run_import(moto_endpoint, [*findings, broken], wire=wire, include_passed=True)
    assert not report.ok
    assert [(f.id, f.error_code) for f in report.failed] == [(broken["Id"], "InvalidInput")]
    assert [(u.id, u.reason, u.operation) for u in report.undelivered] == [
        (broken["Id"], INVALID, "")
    ]
    sent = wire.findings()
    assert len(sent) == 4 == report.imported
    shape = (
        account_client("securityhub")
        .meta.service_model.operation_model("BatchImportFindings")
        .input_shape
    )
    for doc in sent:
        assert not ParamValidator().validate({"Findings": [doc]}, shape).has_errors()
        assert validation_error(doc) is None
        assert "Region" not in doc  # populated by Security Hub itself


def test_org_scan_fix_and_rescan_leaves_exactly_the_current_truth(
    moto_endpoint: str, account_client: Callable[..., Any]
) -> None:
    from scanner.aws.collection import DEFAULT_ROLE, ScanOptions, collect_inventory
    from scanner.core.evaluate import evaluate
    from scanner.core.registry import all_checks, select_checks
    from tests.integration.helpers import good_trail, make_bucket

    orgs = account_client("organizations")
    orgs.create_organization(FeatureSet="ALL")
    member = orgs.create_account(Email="m@example.com", AccountName="member")[
        "CreateAccountStatus"
    ]["AccountId"]
    good_trail(account_client, name="org")
    logs = make_bucket(account_client, "member-logs", EU, member)
    member_ct = account_client("cloudtrail", EU, member)
    member_ct.create_trail(Name="own", S3BucketName=logs)
    member_ct.create_trail(Name="temp", S3BucketName=logs)
    for account in (DEFAULT_ACCOUNT, member):
        enable(account_client, account, HOME, EU)
    checks = select_checks(all_checks(), ["CloudTrail.4", "CloudTrail.3"])

    def scan_and_import() -> tuple[list[Finding], ImportReport]:
        sessions = make_sessions(moto_endpoint)
        options = ScanOptions(org=True, regions=(HOME, EU), endpoint_url=moto_endpoint)
        inventory = collect_inventory(options, checks, sessions=sessions).inventory
        findings = list(evaluate(inventory, checks))
        report = import_findings(
            asff(findings),
            session_factory(sessions, DEFAULT_ROLE, HOME),
            home_region=HOME,
            scopes_evaluated=evaluated_scopes(inventory, checks),
            sleep=lambda _s: None,
        )
        return findings, report

    first, report = scan_and_import()
    assert report.ok and not report.skipped, report.lines()
    own = f"arn:aws:cloudtrail:{EU}:{member}:trail/own"
    temp = f"arn:aws:cloudtrail:{EU}:{member}:trail/temp"
    failing = {f.resource.id: f for f in first if f.status is Status.FAIL}
    assert {own, temp} <= set(failing)

    member_ct.update_trail(Name="own", EnableLogFileValidation=True)  # fixed
    member_ct.delete_trail(Name="temp")  # gone
    second, report = scan_and_import()
    assert report.ok, report.lines()

    held: dict[str, dict[str, Any]] = {}
    for account in (DEFAULT_ACCOUNT, member):
        for region in (HOME, EU):
            docs = stored(account_client, account, region)
            assert not set(docs) & set(held)  # no Id twice anywhere
            held.update(docs)
    active = {fid: d for fid, d in held.items() if d["RecordState"] == "ACTIVE"}
    current = {f.id: f for f in second if f.status is not Status.PASS}
    assert set(active) == set(current)
    for fid, finding in current.items():
        assert active[fid]["Compliance"]["Status"] == finding.status.asff
    assert held[failing[own].id]["RecordState"] == "ARCHIVED"
    assert held[failing[own].id]["Compliance"]["Status"] == "PASSED"
    assert held[failing[temp].id]["RecordState"] == "ARCHIVED"
    assert held[failing[own].id]["CreatedAt"] == to_asff(failing[own])["CreatedAt"]


# --------------------------------------------------------------------------- pure parts


def test_token_bucket_allows_at_most_ten_requests_per_second() -> None:
    clock = FakeClock()
    bucket_ = TokenBucket(10.0, 1.0, clock.time, clock.sleep)
    times = []
    for _ in range(35):
        bucket_.acquire()
        times.append(clock.now)
    for start in times:
        assert sum(1 for t in times if start <= t < start + 1.0 - 1e-6) <= 10
    assert times[-1] - times[0] == pytest.approx(3.4)
    # after a pause the bucket does not hand out a burst
    clock.now += 5
    bucket_.acquire()
    assert bucket_.acquire() == pytest.approx(0.1)


def test_batches_respect_count_and_size() -> None:
    docs = [{"Id": str(i), "Blob": "x" * 100_000} for i in range(100)]
    split = batches(docs)
    assert sum(len(b) for b in split) == 100 and len(split) >= 2
    for b in split:
        assert len(b) <= MAX_BATCH_FINDINGS
        assert len(json.dumps(b, separators=(",", ":")).encode()) <= 6_000_000
    small = [{"Id": str(i)} for i in range(201)]
    assert [len(b) for b in batches(small)] == [100, 100, 1]
    assert batches([]) == []


def test_updated_at_is_strictly_after_the_stored_one() -> None:
    assert updated_after(NOW1, None) == "2026-03-01T13:00:00.000Z"
    later = "2026-03-01T14:00:00.123456789Z"
    assert updated_after(NOW1, later) == "2026-03-01T14:00:00.124Z"
    assert updated_after(NOW1, "2026-03-01T13:00:00Z") == "2026-03-01T13:00:00.001Z"
    assert updated_after(NOW1, "2026-03-01T07:00:00-0500") == "2026-03-01T13:00:00.000Z"
    assert updated_after(NOW1, "2026-03-01T08:00:00-0500") == "2026-03-01T13:00:00.001Z"


def test_plan_routes_account_findings_home_and_drops_new_passed_findings() -> None:
    docs = asff(
        [
            bucket(DEFAULT_ACCOUNT, EU, "eu", Status.FAIL),
            bucket(DEFAULT_ACCOUNT, EU, "ok", Status.PASS),
            account_error(DEFAULT_ACCOUNT, EU, "trail_check"),
        ]
    )
    plan = plan_import(docs, scopes_from_asff(docs), False, HOME, now=NOW1)
    eu = plan.target(DEFAULT_ACCOUNT, EU)
    home = plan.target(DEFAULT_ACCOUNT, HOME)
    assert eu is not None and home is not None
    assert [d["Id"] for d in eu.to_import] == [docs[0]["Id"]]
    assert eu.passed_not_sent == 1
    assert [d["Id"] for d in home.to_import] == [docs[2]["Id"]]
    assert home.to_import[0]["ProductArn"].startswith(f"arn:aws:securityhub:{HOME}:")
    assert (DEFAULT_ACCOUNT, EU, "trail_check") in plan.error_scopes


def test_plan_ignores_findings_of_other_products_and_foreign_ids() -> None:
    arn = f"arn:aws:securityhub:{HOME}:{DEFAULT_ACCOUNT}:product/{DEFAULT_ACCOUNT}/default"
    mine = to_asff(bucket(DEFAULT_ACCOUNT, HOME, "b", Status.FAIL))
    foreign = dict(mine, Id="other-tool/finding-1")
    aws_own = dict(mine, ProductArn=f"arn:aws:securityhub:{HOME}::product/aws/securityhub")
    plan = plan_import(
        [],
        {(DEFAULT_ACCOUNT, HOME, "s3_check")},
        False,
        HOME,
        existing={(DEFAULT_ACCOUNT, HOME): [mine, foreign, aws_own]},
        now=NOW1,
    )
    target = plan.target(DEFAULT_ACCOUNT, HOME)
    assert target is not None and target.product_arn == arn
    assert [d["Id"] for d in target.to_archive] == [mine["Id"]]


def test_archive_of_a_stored_finding_drops_service_fields_and_keeps_its_own_scope() -> None:
    # an account-level finding evaluated in eu-west-1, stored in the home region as Security
    # Hub returns it: Region set to the import region, aws/ ProductFields, a Workflow
    doc = to_asff(account_error(DEFAULT_ACCOUNT, EU, "trail_check"))
    doc["ProductArn"] = doc["ProductArn"].replace(EU, HOME)
    doc["Compliance"]["Status"] = "FAILED"
    stored_doc = dict(
        doc,
        Region=HOME,
        ProductName="Default",
        CompanyName="Personal",
        ProcessedAt=_asff_ts(NOW1),
        Workflow={"Status": "NOTIFIED"},
        ProductFields={**doc["ProductFields"], "aws/securityhub/FindingId": "arn:x"},
    )
    existing = {(DEFAULT_ACCOUNT, HOME): [stored_doc]}
    wrong_scope = {(DEFAULT_ACCOUNT, HOME, "trail_check")}
    plan = plan_import([], wrong_scope, False, HOME, existing=existing, now=NOW2)
    home = plan.target(DEFAULT_ACCOUNT, HOME)
    assert home is not None and home.to_archive == [] and home.kept_active == [doc["Id"]]

    plan = plan_import([], {(DEFAULT_ACCOUNT, EU, "trail_check")}, False, HOME, existing=existing)
    home = plan.target(DEFAULT_ACCOUNT, HOME)
    assert home is not None and len(home.to_archive) == 1
    archived = home.to_archive[0]
    assert archived["RecordState"] == "ARCHIVED" and archived["Id"] == doc["Id"]
    gone = {"Region", "ProductName", "CompanyName", "ProcessedAt", "Workflow"}
    assert not gone & set(archived)
    assert not [k for k in archived["ProductFields"] if k.startswith("aws/")]
    assert validation_error(archived) is None


def test_evaluated_scopes_cover_regions_and_skip_unreachable_accounts() -> None:
    from scanner.core.check import Check

    def check(cid: str, scope: Scope) -> Check:
        return Check(
            id=cid,
            title=cid,
            severity=Severity.LOW,
            resource_type="AwsAccount",
            scope=scope,
            requires=(),
            evaluate=lambda _v: [],
        )

    err = CollectionError(operation="AssumeRole", iam_action="sts:AssumeRole", code="X", message="")
    inventory = Inventory(
        scan_id="s",
        tool_version="0",
        partition="aws",
        caller_arn="arn:aws:iam::123456789012:root",
        caller_account=DEFAULT_ACCOUNT,
        started_at=T0,
        collected_at=T0,
        datasets=(),
        accounts=(
            AccountInventory(
                info=AccountInfo(account_id=DEFAULT_ACCOUNT), home_region=HOME, regions=(HOME, EU)
            ),
            AccountInventory(
                info=AccountInfo(account_id=OTHER), home_region=HOME, regions=(), access_error=err
            ),
        ),
    )
    scopes = evaluated_scopes(inventory, [check("reg", Scope.REGION), check("acct", Scope.ACCOUNT)])
    assert scopes == {
        (DEFAULT_ACCOUNT, HOME, "reg"),
        (DEFAULT_ACCOUNT, EU, "reg"),
        (DEFAULT_ACCOUNT, ALL_REGIONS, "acct"),
        (DEFAULT_ACCOUNT, HOME, "acct"),
        (DEFAULT_ACCOUNT, EU, "acct"),
    }


def test_account_scope_check_with_an_error_anywhere_archives_nothing() -> None:
    old_eu = to_asff(
        make_finding(
            DEFAULT_ACCOUNT,
            EU,
            "acct",
            f"arn:aws:cloudtrail:{EU}:{DEFAULT_ACCOUNT}:trail/x",
            Status.FAIL,
            resource_type="AwsCloudTrailTrail",
        )
    )
    scopes = {(DEFAULT_ACCOUNT, ALL_REGIONS, "acct"), (DEFAULT_ACCOUNT, EU, "acct")}
    error = asff([account_error(DEFAULT_ACCOUNT, HOME, "acct", collected_at=T1)])
    plan = plan_import(
        error, scopes, False, HOME, existing={(DEFAULT_ACCOUNT, EU): [old_eu]}, now=NOW2
    )
    target = plan.target(DEFAULT_ACCOUNT, EU)
    assert target is not None and target.to_archive == [] and target.kept_active == [old_eu["Id"]]
    clean = plan_import([], scopes, False, HOME, existing={(DEFAULT_ACCOUNT, EU): [old_eu]})
    cleared = clean.target(DEFAULT_ACCOUNT, EU)
    assert cleared is not None and [d["Id"] for d in cleared.to_archive] == [old_eu["Id"]]


def test_load_asff_reads_a_findings_file(tmp_path: Path) -> None:
    docs = asff([bucket(DEFAULT_ACCOUNT, HOME, "b", Status.FAIL)])
    path = tmp_path / "findings.asff.json"
    path.write_text(json.dumps(docs))
    assert load_asff(path) == docs
    (tmp_path / "bad.json").write_text('{"not": "a list"}')
    with pytest.raises(UsageError):
        load_asff(tmp_path / "bad.json")
    with pytest.raises(UsageError):
        load_asff(tmp_path / "missing.json")


def test_import_write_constant_matches_the_session_guard() -> None:
    settings = with_import_allowed(ClientSettings())
    assert IMPORT_WRITE in settings.allow_writes
    assert settings.endpoint_url is None


# --------------------------------------------------------------------------- helpers


def _ts(value: str) -> datetime:
    return datetime.fromisoformat(value)


def _asff_ts(moment: datetime) -> str:
    from reports.asff import asff_timestamp

    return asff_timestamp(moment)


def test_watch_event_whose_import_fails_exits_4_and_is_retryable(
    moto_endpoint: str, account_client: Callable[..., Any], fault_proxy: Callable[..., Any]
) -> None:
    from scanner.aws.collection import ScanOptions
    from scanner.realtime.api_calls import sample_event
    from scanner.realtime.watch import Outcome, Watcher, WatchOptions
    from tests.integration.helpers import good_trail

    good_trail(account_client)
    enable(account_client, DEFAULT_ACCOUNT, HOME, EU)
    account_client("cloudtrail").stop_logging(Name="main")
    denied = Rule(Fault.DENIED, frozenset({"securityhub:GetFindings"}))
    proxy = fault_proxy(rules=[denied])
    options = WatchOptions(
        scan=ScanOptions(regions=(HOME, EU), endpoint_url=proxy.endpoint, max_attempts=2),
        securityhub=True,
    )
    event = sample_event(
        "cloudtrail.amazonaws.com", "StopLogging", DEFAULT_ACCOUNT, HOME, {"name": "main"}
    )
    result = Watcher(options).handle(event)
    assert result.outcome is Outcome.DONE, result.message
    assert result.report is not None and not result.report.complete
    (ct1,) = [f for f in result.findings if f.control_id == "CloudTrail.1"]
    assert ct1.status is Status.FAIL and ct1.id in result.report.undelivered_ids
    assert result.exit_code == 4 and result.retryable
    assert stored(account_client, DEFAULT_ACCOUNT, HOME) == {}

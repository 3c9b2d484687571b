"""Real time against moto: replayed CloudTrail events re-evaluate the affected checks and flip the
findings in Security Hub (done-when of issue 11), with only the API calls those checks need."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from scanner.app.scan import ScanRequest, run_scan
from scanner.aws.collection import ScanOptions
from scanner.aws.session import ClientSettings, Sessions
from scanner.core.inventory import Inventory
from scanner.core.model import Status
from scanner.realtime import handler as lambda_handler
from scanner.realtime.api_calls import sample_event
from scanner.realtime.watch import Outcome, Watcher, WatchOptions
from tests.conftest import DEFAULT_ACCOUNT, REGIONS
from tests.integration.helpers import good_trail, make_bucket, run_cli

TRAIL = "cloudtrail.amazonaws.com"


def _options(endpoint: str, **extra: Any) -> WatchOptions:
    scan = ScanOptions(regions=REGIONS, endpoint_url=endpoint, max_attempts=2)
    return WatchOptions(scan=scan, securityhub=True, **extra)


def _ours(hub: Any, account: str = DEFAULT_ACCOUNT) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    for page in hub.get_paginator("get_findings").paginate():
        found.extend(
            f
            for f in page["Findings"]
            if f["Id"].startswith("trailwatch/") and f["AwsAccountId"] == account
        )
    return found


def _control(hub: Any, control: str, account: str = DEFAULT_ACCOUNT) -> list[tuple[str, str]]:
    """(Compliance.Status, RecordState) of each of the account's findings for the control."""
    return sorted(
        (f["Compliance"]["Status"], f["RecordState"])
        for f in _ours(hub, account)
        if f["Compliance"].get("SecurityControlId") == control
    )


@pytest.fixture
def scanned(
    account_client: Callable[..., Any], moto_endpoint: str, tmp_path: Path
) -> Iterator[Path]:
    """One account with a logging multi-Region trail, scanned and imported into Security Hub;
    yields the saved inventory."""
    good_trail(account_client)
    for region in REGIONS:
        account_client("securityhub", region).enable_security_hub()
    inventory = tmp_path / "inventory.json"
    outcome = run_scan(
        ScanRequest(
            options=ScanOptions(regions=REGIONS, endpoint_url=moto_endpoint, max_attempts=2),
            output_dir=tmp_path / "scan",
            securityhub=True,
            save_inventory=inventory,
        )
    )
    assert outcome.exit_code in (0, 1, 3)
    (ct1,) = [f for f in outcome.findings if f.control_id == "CloudTrail.1"]
    assert ct1.status is Status.PASS
    yield inventory


def _stop_logging(region: str = "us-east-1") -> dict[str, Any]:
    return sample_event(TRAIL, "StopLogging", DEFAULT_ACCOUNT, region, {"name": "main"})


def _start_logging(region: str = "us-east-1") -> dict[str, Any]:
    return sample_event(TRAIL, "StartLogging", DEFAULT_ACCOUNT, region, {"name": "main"})


def test_stop_and_start_logging_flip_cloudtrail_1_in_security_hub(
    scanned: Path, account_client: Callable[..., Any], moto_endpoint: str
) -> None:
    """Done when: StopLogging -> CloudTrail.1 FAILED in the account's Security Hub; StartLogging
    -> PASSED. PASSED findings are not imported by default (as `scan`), so the FAILED finding is
    re-imported as PASSED and ARCHIVED."""
    hub = account_client("securityhub")
    assert _control(hub, "CloudTrail.1") == []  # PASSED: not imported by the scan
    watcher = Watcher(_options(moto_endpoint))
    ct = account_client("cloudtrail")

    ct.stop_logging(Name="main")
    stopped = watcher.handle(_stop_logging())
    assert stopped.outcome is Outcome.DONE, stopped.message
    assert _control(hub, "CloudTrail.1") == [("FAILED", "ACTIVE")]
    # the latency is measured and reported (its target is checked by `make bench-watch`, not
    # here: a wall-clock bound fails on a loaded machine)
    assert stopped.latency_s is not None and stopped.latency_s > 0
    assert stopped.report is not None and stopped.report.ok
    changed = {f.control_id: (before, f.status) for f, before in stopped.changes}
    assert changed["CloudTrail.1"] == (None, Status.FAIL)  # first time this watcher sees it

    ct.start_logging(Name="main")
    started = watcher.handle(_start_logging())
    assert started.outcome is Outcome.DONE, started.message
    assert _control(hub, "CloudTrail.1") == [("PASSED", "ARCHIVED")]
    assert started.latency_s is not None and started.latency_s > 0
    changed = {f.control_id: (before, f.status) for f, before in started.changes}
    assert changed["CloudTrail.1"] == (Status.FAIL, Status.PASS)
    assert started.exit_code == 0


def test_with_passed_findings_the_restarted_trail_is_an_active_passed_finding(
    scanned: Path, account_client: Callable[..., Any], moto_endpoint: str
) -> None:
    hub = account_client("securityhub")
    watcher = Watcher(_options(moto_endpoint, securityhub_passed=True))
    ct = account_client("cloudtrail")
    ct.stop_logging(Name="main")
    assert watcher.handle(_stop_logging()).outcome is Outcome.DONE
    assert _control(hub, "CloudTrail.1") == [("FAILED", "ACTIVE")]
    ct.start_logging(Name="main")
    assert watcher.handle(_start_logging()).outcome is Outcome.DONE
    assert _control(hub, "CloudTrail.1") == [("PASSED", "ACTIVE")]


#: What the checks a StopLogging event affects read (CloudTrail.1/.3, S3.22/.23, Insights,
#: CloudWatch.1-14 alarm chain, critical API alerting), plus identity and the import.
STOP_LOGGING_OPERATIONS = {
    "cloudtrail:DescribeTrails",
    "cloudtrail:GetTrailStatus",
    "cloudtrail:GetEventSelectors",
    "cloudtrail:GetInsightSelectors",
    "logs:DescribeMetricFilters",
    "cloudwatch:DescribeAlarms",
    "sns:ListSubscriptionsByTopic",
    "events:ListRules",
    "events:ListTargetsByRule",
    "sts:GetCallerIdentity",
    "securityhub:DescribeHub",
    "securityhub:GetFindings",
    "securityhub:BatchImportFindings",
}


@pytest.mark.parametrize("with_inventory", [False, True])
def test_stop_logging_calls_only_what_the_affected_checks_need(
    scanned: Path, account_client: Callable[..., Any], moto_endpoint: str, with_inventory: bool
) -> None:
    baseline = Inventory.load(scanned) if with_inventory else None
    watcher = Watcher(_options(moto_endpoint), baseline=baseline)
    account_client("cloudtrail").stop_logging(Name="main")
    result = watcher.handle(_stop_logging())
    assert result.outcome is Outcome.DONE, result.message
    operations = set(result.calls_by_operation())
    assert "ec2:DescribeVpcs" not in operations and "ec2:DescribeFlowLogs" not in operations
    # the saved inventory knows the account's regions; without it, DescribeRegions once
    allowed = STOP_LOGGING_OPERATIONS | (set() if with_inventory else {"ec2:DescribeRegions"})
    assert operations <= allowed, operations - allowed
    assert {"cloudtrail:GetTrailStatus", "securityhub:BatchImportFindings"} <= operations
    assert result.api_calls == sum(result.calls.values()) > 0
    assert all(account in (DEFAULT_ACCOUNT, "caller") for account, *_ in result.calls)
    # every DescribeTrails ran once per region: the account's data is fresh, never reused
    assert result.calls_by_operation()["cloudtrail:DescribeTrails"] == len(REGIONS)


def test_irrelevant_events_make_no_calls(moto_endpoint: str) -> None:
    sessions = Sessions(None, ClientSettings(endpoint_url=moto_endpoint, max_attempts=1))
    watcher = Watcher(_options(moto_endpoint), sessions=sessions)
    events = [
        sample_event("ec2.amazonaws.com", "RunInstances", DEFAULT_ACCOUNT, "us-east-1"),
        sample_event("iam.amazonaws.com", "CreateUser", DEFAULT_ACCOUNT, "us-east-1"),
        {"detail-type": "AWS Console Sign In via CloudTrail", "detail": {}, "account": "x"},
        {**_stop_logging(), "detail": {**_stop_logging()["detail"], "errorCode": "AccessDenied"}},
    ]
    results = [watcher.handle(e) for e in events]
    assert [r.outcome for r in results] == [Outcome.IGNORED] * len(events)
    assert sessions.calls.total == 0


def test_malformed_events_are_clean_errors_and_do_not_stop_the_next(
    scanned: Path, account_client: Callable[..., Any], moto_endpoint: str
) -> None:
    sessions = Sessions(
        None, ClientSettings(endpoint_url=moto_endpoint, max_attempts=2, allow_writes=IMPORT)
    )
    watcher = Watcher(_options(moto_endpoint), sessions=sessions)
    bad = [
        {"detail-type": "AWS API Call via CloudTrail", "detail": "x"},
        {**_stop_logging(), "account": "not-an-account"},
        ["not", "an", "object"],
    ]
    results = [watcher.handle(e) for e in bad]
    assert [r.outcome for r in results] == [Outcome.MALFORMED] * len(bad)
    assert all(r.message and r.exit_code == 2 and not r.retryable for r in results)
    assert sessions.calls.total == 0
    account_client("cloudtrail").stop_logging(Name="main")
    assert watcher.handle(_stop_logging()).outcome is Outcome.DONE
    assert _control(account_client("securityhub"), "CloudTrail.1") == [("FAILED", "ACTIVE")]


IMPORT = frozenset({("securityhub", "BatchImportFindings")})


def test_a_local_event_reevaluates_its_region_only(
    scanned: Path, account_client: Callable[..., Any], moto_endpoint: str
) -> None:
    """CreateFlowLogs in eu-west-1: VPC data of eu-west-1 only; us-east-1's EC2.6 findings (from
    the scan) are neither re-evaluated nor archived."""
    hub_us, hub_eu = account_client("securityhub"), account_client("securityhub", "eu-west-1")
    assert _control(hub_us, "EC2.6") == [("FAILED", "ACTIVE")]
    assert _control(hub_eu, "EC2.6") == [("FAILED", "ACTIVE")]
    ec2 = account_client("ec2", "eu-west-1")
    (vpc,) = ec2.describe_vpcs()["Vpcs"]
    account_client("logs", "eu-west-1").create_log_group(logGroupName="/vpc/flow")
    ec2.create_flow_logs(
        ResourceIds=[vpc["VpcId"]],
        ResourceType="VPC",
        TrafficType="REJECT",
        LogGroupName="/vpc/flow",
        DeliverLogsPermissionArn=f"arn:aws:iam::{DEFAULT_ACCOUNT}:role/flow",
    )
    watcher = Watcher(_options(moto_endpoint), baseline=Inventory.load(scanned))
    result = watcher.handle(
        sample_event(
            "ec2.amazonaws.com", "CreateFlowLogs", DEFAULT_ACCOUNT, "eu-west-1",
            {"resourceIdSet": {"items": [{"resourceId": vpc["VpcId"]}]}},
        )
    )  # fmt: skip
    assert result.outcome is Outcome.DONE, result.message
    assert result.regions == result.collected_regions == ("eu-west-1",)
    assert {f.region for f in result.findings} == {"eu-west-1"}
    assert {region for _, region, service, _ in result.calls if service == "ec2"} == {"eu-west-1"}
    ec2_6 = [f for f in result.findings if f.control_id == "EC2.6"]
    assert [f.status for f in ec2_6] == [Status.PASS]
    assert [(before, f.status) for f, before in result.changes if f.control_id == "EC2.6"] == [
        (Status.FAIL, Status.PASS)  # last known from the saved inventory
    ]
    assert _control(hub_eu, "EC2.6") == [("PASSED", "ARCHIVED")]
    assert _control(hub_us, "EC2.6") == [("FAILED", "ACTIVE")]  # other region untouched


def test_events_of_unscanned_regions(
    scanned: Path, account_client: Callable[..., Any], moto_endpoint: str
) -> None:
    """A local change in a region out of scope is ignored; a trail change there (a multi-Region
    trail homed outside the scanned regions) still shows in the scanned ones."""
    watcher = Watcher(_options(moto_endpoint), baseline=Inventory.load(scanned))
    far = "ap-southeast-2"
    flow = watcher.handle(sample_event("ec2.amazonaws.com", "CreateFlowLogs", DEFAULT_ACCOUNT, far))
    assert flow.outcome is Outcome.IGNORED
    assert not any(service == "ec2" for _, _, service, _ in flow.calls)
    account_client("cloudtrail").stop_logging(Name="main")
    trail = watcher.handle(_stop_logging(far))
    assert trail.outcome is Outcome.DONE, trail.message
    assert trail.regions == REGIONS
    assert _control(account_client("securityhub"), "CloudTrail.1") == [("FAILED", "ACTIVE")]


@pytest.fixture
def org(account_client: Callable[..., Any], moto_endpoint: str, tmp_path: Path) -> dict[str, Any]:
    """An Organization whose management account has a logging organization trail; the member
    has none of its own. Scanned with --org and the inventory saved."""
    orgs = account_client("organizations")
    orgs.create_organization(FeatureSet="ALL")
    member = orgs.create_account(Email="m@example.com", AccountName="member")
    member_id = member["CreateAccountStatus"]["AccountId"]
    bucket = make_bucket(account_client, "org-trail-logs-watch")
    good_trail(account_client, name="org", S3BucketName=bucket, IsOrganizationTrail=True)
    for account in (None, member_id):
        account_client("securityhub", "us-east-1", account).enable_security_hub()
    inventory = tmp_path / "org-inventory.json"
    outcome = run_scan(
        ScanRequest(
            options=ScanOptions(
                org=True, regions=("us-east-1",), endpoint_url=moto_endpoint, max_attempts=2
            ),
            checks=("CloudTrail.1",),
            output_dir=tmp_path / "org-scan",
            securityhub=True,
            securityhub_passed=True,
            save_inventory=inventory,
        )
    )
    statuses = {f.account_id: f.status for f in outcome.findings}
    assert statuses == {DEFAULT_ACCOUNT: Status.PASS, member_id: Status.PASS}
    return {"member": member_id, "inventory": inventory}


def test_member_events_are_evaluated_in_the_organization_of_the_saved_inventory(
    org: dict[str, Any], account_client: Callable[..., Any], moto_endpoint: str
) -> None:
    """The member's CloudTrail.1 passes through the management account's organization trail,
    which only the saved inventory shows (moto lists no organization trail in members). Without
    it, the member is evaluated alone (as `scan --accounts <member>`) and fails."""
    member = org["member"]
    event = sample_event(TRAIL, "PutEventSelectors", member, "us-east-1", {"trailName": "x"})
    scan = ScanOptions(regions=("us-east-1",), endpoint_url=moto_endpoint, max_attempts=2)
    options = WatchOptions(
        scan=scan, checks=("CloudTrail.1",), securityhub=True, securityhub_passed=True
    )
    hub = account_client("securityhub", "us-east-1", member)

    in_org = Watcher(options, baseline=Inventory.load(org["inventory"])).handle(event)
    assert in_org.outcome is Outcome.DONE, in_org.message
    assert [(f.account_id, f.status) for f in in_org.findings] == [(member, Status.PASS)]
    assert _control(hub, "CloudTrail.1", member) == [("PASSED", "ACTIVE")]
    # only the member's own data was collected (through AssumeRole), nothing of the management
    assert {account for account, _, service, _ in in_org.calls if service != "sts"} == {member}

    alone = Watcher(options).handle(event)
    assert [(f.account_id, f.status) for f in alone.findings] == [(member, Status.FAIL)]


def test_cli_watch_replays_a_file(
    scanned: Path, account_client: Callable[..., Any], moto_endpoint: str, tmp_path: Path
) -> None:
    account_client("cloudtrail").stop_logging(Name="main")
    events = tmp_path / "events.jsonl"
    events.write_text(
        "\n".join(
            [
                json.dumps(sample_event("ec2.amazonaws.com", "RunInstances", DEFAULT_ACCOUNT,
                                        "us-east-1")),
                "{this is not json",
                json.dumps(_stop_logging()),
            ]
        )
        + "\n"
    )  # fmt: skip
    hub = account_client("securityhub")
    dry = run_cli(
        "watch", "--events", str(events), "--securityhub", "--dry-run",
        "--regions", ",".join(REGIONS), endpoint=moto_endpoint, cwd=tmp_path,
    )  # fmt: skip
    assert dry.returncode == 2, dry.stderr  # a malformed line; the others were handled
    assert _control(hub, "CloudTrail.1") == []  # a dry run sends nothing
    proc = run_cli(
        "watch", "--events", str(events), "--securityhub", "--inventory", str(scanned),
        endpoint=moto_endpoint, cwd=tmp_path,
    )  # fmt: skip
    assert proc.returncode == 2, proc.stderr
    assert _control(hub, "CloudTrail.1") == [("FAILED", "ACTIVE")]
    assert len([line for line in proc.stdout.splitlines() if line.startswith("[line ")]) == 3
    missing = run_cli("watch", "--events", str(tmp_path / "nope.jsonl"),
                      endpoint=moto_endpoint, cwd=tmp_path)  # fmt: skip
    assert missing.returncode == 2 and "Traceback" not in missing.stderr


def test_lambda_handler_single_event_and_sqs_batch(
    scanned: Path,
    account_client: Callable[..., Any],
    moto_endpoint: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(lambda_handler, "_STATE", lambda_handler._State())
    monkeypatch.setenv("TRAILWATCH_ENDPOINT_URL", moto_endpoint)
    monkeypatch.setenv("TRAILWATCH_REGIONS", ",".join(REGIONS))
    # the saved inventory, read from S3 as the deployed function does
    make_bucket(account_client, "trailwatch-inventory-watch")
    account_client("s3").put_object(
        Bucket="trailwatch-inventory-watch", Key="org/inventory.json", Body=scanned.read_bytes()
    )
    monkeypatch.setenv("TRAILWATCH_INVENTORY", "s3://trailwatch-inventory-watch/org/inventory.json")
    hub = account_client("securityhub")
    ct = account_client("cloudtrail")

    ct.stop_logging(Name="main")
    summary = lambda_handler.handler(_stop_logging(), None)
    assert summary["outcome"] == "done" and summary["securityhub"]["failed"] == 0
    watcher = lambda_handler._STATE.watcher
    assert watcher is not None and watcher.baseline is not None  # the inventory was read
    assert "ec2:DescribeRegions" not in {f"{s}:{o}" for _, _, s, o in watcher.sessions.calls.calls}
    assert _control(hub, "CloudTrail.1") == [("FAILED", "ACTIVE")]

    ct.start_logging(Name="main")
    batch = {
        "Records": [
            {"messageId": "m1", "eventSource": "aws:sqs", "body": json.dumps(_start_logging())},
            {"messageId": "m2", "eventSource": "aws:sqs", "body": "{broken"},
        ]
    }
    out = lambda_handler.handler(batch, None)
    # the malformed message fails alone; the valid one is processed and deleted
    assert out["batchItemFailures"] == [{"itemIdentifier": "m2"}]
    assert [r["outcome"] for r in out["results"]] == ["done", "malformed"]
    assert _control(hub, "CloudTrail.1") == [("PASSED", "ARCHIVED")]


def test_suppressions_apply_to_re_evaluated_findings(
    scanned: Path, account_client: Callable[..., Any], moto_endpoint: str
) -> None:
    """An accepted risk in trailwatch.yaml applies on the event path as in a scan."""
    from datetime import date, timedelta

    from scanner.core.suppressions import SuppressionRule

    rule = SuppressionRule(
        check="CloudTrail.1",
        reason="trail paused for a migration",
        owner="secops@example.com",
        expires=date.today() + timedelta(days=30),
    )
    watcher = Watcher(_options(moto_endpoint, suppressions=(rule,)))
    account_client("cloudtrail").stop_logging(Name="main")
    stopped = watcher.handle(_stop_logging())
    assert stopped.outcome is Outcome.DONE, stopped.message
    (ct1,) = [f for f in stopped.findings if f.control_id == "CloudTrail.1"]
    assert ct1.status is Status.SUPPRESSED
    assert ct1.suppressed_status is Status.FAIL
    assert ct1.suppression is not None and ct1.suppression.owner == "secops@example.com"


# --------------------------------------------------------------------------- organization trails

REPORTS = "trailwatch-reports-watch"


def _org_with_trail(account_client: Callable[..., Any]) -> str:
    """An Organization whose management account has a logging organization trail and Security
    Hub on in both accounts; the member has no trail of its own. Returns the member id."""
    orgs = account_client("organizations")
    orgs.create_organization(FeatureSet="ALL")
    member = orgs.create_account(Email="m@example.com", AccountName="member")
    member_id: str = member["CreateAccountStatus"]["AccountId"]
    bucket = make_bucket(account_client, "org-trail-logs-fanout")
    good_trail(account_client, name="org", S3BucketName=bucket, IsOrganizationTrail=True)
    for account in (None, member_id):
        account_client("securityhub", "us-east-1", account).enable_security_hub()
    return member_id


def _org_scan(endpoint: str, out: Path, **extra: Any) -> list[Any]:
    from scanner.core.shard import parse_shard

    upload = extra.pop("upload", None)
    options = ScanOptions(
        org=True,
        regions=("us-east-1",),
        endpoint_url=endpoint,
        max_attempts=2,
        shard=parse_shard("1/1") if upload else None,
    )
    outcome = run_scan(
        ScanRequest(
            options=options,
            checks=("CloudTrail.1",),
            output_dir=out,
            formats=("json",),
            upload=upload,
            **extra,
        )
    )
    return list(outcome.findings)


def _lambda_env(monkeypatch: pytest.MonkeyPatch, endpoint: str, **extra: str) -> None:
    monkeypatch.setattr(lambda_handler, "_STATE", lambda_handler._State())
    env = {
        "TRAILWATCH_ENDPOINT_URL": endpoint,
        "TRAILWATCH_REGIONS": "us-east-1",
        "TRAILWATCH_CHECKS": "CloudTrail.1",
        "TRAILWATCH_SECURITYHUB_PASSED": "true",
        **extra,
    }
    for key, value in env.items():
        monkeypatch.setenv(key, value)


def test_a_stopped_organization_trail_fails_every_member_as_a_full_scan_would(
    account_client: Callable[..., Any],
    moto_endpoint: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The scheduled scan's output in the report bucket gives the Lambda the Organization; a
    StopLogging on the organization trail in the management account re-evaluates the member,
    which fails exactly as a full scan after the change says, in the member's Security Hub."""
    from scanner.publish.s3 import S3Location

    member = _org_with_trail(account_client)
    make_bucket(account_client, REPORTS)
    before = _org_scan(
        moto_endpoint,
        tmp_path / "scheduled",
        upload=S3Location(REPORTS, "shards/run-1/"),
        securityhub=True,
        securityhub_passed=True,
    )
    assert {(f.account_id, f.status) for f in before} == {
        (DEFAULT_ACCOUNT, Status.PASS),
        (member, Status.PASS),
    }
    _lambda_env(monkeypatch, moto_endpoint, TRAILWATCH_INVENTORY=f"s3://{REPORTS}/shards/")
    member_hub = account_client("securityhub", "us-east-1", member)
    assert _control(member_hub, "CloudTrail.1", member) == [("PASSED", "ACTIVE")]

    account_client("cloudtrail").stop_logging(Name="org")
    stop = sample_event(TRAIL, "StopLogging", DEFAULT_ACCOUNT, "us-east-1", {"name": "org"})
    summary = lambda_handler.handler(stop, None)
    assert summary["outcome"] == "done", summary
    assert summary["members"] == [member]
    assert summary["organization_context"]  # the scheduled scan's inventory
    assert not summary["securityhub"]["delivery_failed"]
    assert _control(member_hub, "CloudTrail.1", member) == [("FAILED", "ACTIVE")]
    assert _control(account_client("securityhub"), "CloudTrail.1") == [("FAILED", "ACTIVE")]
    # the member's data came from the inventory: nothing was collected in the member account
    watcher = lambda_handler._STATE.watcher
    assert watcher is not None
    assert not any(
        account == member and service != "securityhub"
        for account, _, service, _ in watcher.sessions.calls.calls
    )

    # a full scan after the change gives the same verdicts (same finding ids), all FAILED
    full = _org_scan(moto_endpoint, tmp_path / "full")
    assert {(f.account_id, f.status) for f in full} == {
        (DEFAULT_ACCOUNT, Status.FAIL),
        (member, Status.FAIL),
    }
    assert summary["findings"] == len(full)
    assert {(f.id, f.status) for f in full} == {
        (c["id"], Status(c["after"])) for c in summary["changed"]
    }

    # the same event without any inventory: the member is not known, and the result says so
    alone = Watcher(_options(moto_endpoint, checks=("CloudTrail.1",))).handle(stop)
    assert alone.outcome is Outcome.DONE and alone.members == () and alone.context is None
    assert alone.message  # "organization trail changed: ... evaluated alone"
    assert {f.account_id for f in alone.findings} == {DEFAULT_ACCOUNT}


def test_last_inventory_skips_a_doctored_output_and_respects_the_size_bound(
    account_client: Callable[..., Any], moto_endpoint: str, tmp_path: Path
) -> None:
    from scanner.publish.s3 import S3Location
    from scanner.realtime.last_inventory import InventoryUnavailable, load_last_inventory

    member = _org_with_trail(account_client)
    make_bucket(account_client, REPORTS)
    _org_scan(moto_endpoint, tmp_path / "scan", upload=S3Location(REPORTS, "shards/run-1/"))
    s3 = account_client("s3")
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=REPORTS)["Contents"]]
    names = {k.rsplit("/", 1)[1] for k in keys}
    assert {"findings.json", "inventory.json", "manifest.json"} <= names
    # a newer run whose inventory was changed after the manifest was written
    for key in sorted(keys, key=lambda k: k.endswith("manifest.json")):
        body = s3.get_object(Bucket=REPORTS, Key=key)["Body"].read()
        if key.endswith("inventory.json"):
            body = body.replace(member.encode(), b"999999999999")
        s3.put_object(Bucket=REPORTS, Key=key.replace("/run-1/", "/run-2/"), Body=body)

    last = load_last_inventory(s3, S3Location(REPORTS, "shards/"), max_bytes=64 << 20)
    assert {a.account_id for a in last.inventory.accounts} == {DEFAULT_ACCOUNT, member}
    assert [url.split("/")[4] for url in last.folders] == ["run-1"]
    with pytest.raises(InventoryUnavailable):
        load_last_inventory(s3, S3Location(REPORTS, "shards/"), max_bytes=1000)
    with pytest.raises(InventoryUnavailable):
        load_last_inventory(s3, S3Location(REPORTS, "nothing-here/"), max_bytes=64 << 20)


def test_an_event_whose_findings_are_not_delivered_is_retried_alone(
    scanned: Path,
    account_client: Callable[..., Any],
    moto_endpoint: str,
    fault_proxy: Callable[..., Any],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Security Hub refuses to be read (GetFindings denied): the findings are not delivered, so
    the message is in batchItemFailures; an irrelevant message of the same batch is not."""
    from tests.faults import Fault, Rule

    proxy = fault_proxy(rules=[Rule(Fault.DENIED, frozenset({"securityhub:GetFindings"}))])
    monkeypatch.setattr(lambda_handler, "_STATE", lambda_handler._State())
    monkeypatch.setenv("TRAILWATCH_ENDPOINT_URL", proxy.endpoint)
    monkeypatch.setenv("TRAILWATCH_REGIONS", ",".join(REGIONS))
    monkeypatch.setenv("TRAILWATCH_MAX_WORKERS", "2")
    account_client("cloudtrail").stop_logging(Name="main")
    batch = {
        "Records": [
            {"messageId": "stop", "eventSource": "aws:sqs", "body": json.dumps(_stop_logging())},
            {"messageId": "noise", "eventSource": "aws:sqs",
             "body": json.dumps(sample_event("ec2.amazonaws.com", "RunInstances",
                                             DEFAULT_ACCOUNT, "us-east-1"))},
        ]
    }  # fmt: skip
    out = lambda_handler.handler(batch, None)
    assert out["batchItemFailures"] == [{"itemIdentifier": "stop"}]
    (stop, noise) = out["results"]
    assert stop["outcome"] == "done" and stop["securityhub"]["delivery_failed"]
    assert noise["outcome"] == "ignored"
    with pytest.raises(lambda_handler.RetryableEventError):  # a single event raises: retried
        lambda_handler.handler(_stop_logging(), None)

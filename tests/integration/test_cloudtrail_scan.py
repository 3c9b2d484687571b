"""CloudTrail controls end to end against a moto server: CLI subprocess and in-process scans."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from scanner.app.scan import ScanRequest, run_scan
from scanner.aws.collection import ScanOptions
from scanner.aws.session import ClientSettings, Sessions
from scanner.core.model import Status
from tests.conftest import DEFAULT_ACCOUNT, Faults
from tests.integration.helpers import asff_statuses, good_trail, make_bucket, run_cli

ACCOUNT = f"AWS::::Account:{DEFAULT_ACCOUNT}"


def test_no_trail_fails_account_controls_and_exits_1(moto_endpoint: str, tmp_path: Path) -> None:
    out = tmp_path / "out"
    proc = run_cli(
        "scan",
        "--regions",
        "us-east-1,eu-west-1",
        "--checks",
        "CloudTrail.1,CloudTrail.3",
        "--output-dir",
        str(out),
        endpoint=moto_endpoint,
        cwd=tmp_path,
    )
    assert proc.returncode == 1, proc.stderr
    statuses = asff_statuses(out)
    assert statuses[("CloudTrail.1", "us-east-1", ACCOUNT)] == "FAILED"
    assert statuses[("CloudTrail.3", "us-east-1", ACCOUNT)] == "FAILED"
    assert statuses[("CloudTrail.3", "eu-west-1", ACCOUNT)] == "FAILED"
    assert (out / "report.html").is_file() and (out / "findings.json").is_file()


def test_good_multi_region_trail_passes_once_per_trail(
    account_client: Callable[..., Any], moto_endpoint: str, tmp_path: Path
) -> None:
    arn = good_trail(account_client)
    account_client("cloudtrail").put_insight_selectors(
        TrailName="main", InsightSelectors=[{"InsightType": "ApiCallRateInsight"}]
    )
    out = tmp_path / "out"
    proc = run_cli(
        "scan",
        "--regions",
        "us-east-1,eu-west-1",
        "--checks",
        "CloudTrail.1,CloudTrail.2,CloudTrail.3,CloudTrail.4,CloudTrail.5,"
        "cloudtrail_logging_delivering,cloudtrail_insights",
        "--output-dir",
        str(out),
        endpoint=moto_endpoint,
        cwd=tmp_path,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    statuses = asff_statuses(out)
    for control in (
        "CloudTrail.2",
        "CloudTrail.4",
        "CloudTrail.5",
        "cloudtrail_logging_delivering",
    ):
        assert statuses[(control, "us-east-1", arn)] == "PASSED", control
        # the shadow copy seen from eu-west-1 is the same trail: no second finding
        assert (control, "eu-west-1", arn) not in statuses
    assert statuses[("CloudTrail.1", "us-east-1", ACCOUNT)] == "PASSED"
    assert statuses[("CloudTrail.3", "eu-west-1", ACCOUNT)] == "PASSED"
    assert statuses[("cloudtrail_insights", "us-east-1", ACCOUNT)] == "PASSED"


def test_stopped_readonly_and_single_region_trails(
    account_client: Callable[..., Any], moto_endpoint: str, tmp_path: Path
) -> None:
    arn = good_trail(account_client, name="readonly")
    ct = account_client("cloudtrail")
    ct.put_event_selectors(
        TrailName="readonly",
        EventSelectors=[{"ReadWriteType": "ReadOnly", "IncludeManagementEvents": True}],
    )
    bucket = make_bucket(account_client, "single-region-bucket", "eu-west-1")
    eu = account_client("cloudtrail", "eu-west-1")
    single = eu.create_trail(Name="single", S3BucketName=bucket)["TrailARN"]  # never started
    out = tmp_path / "out"
    proc = run_cli(
        "scan",
        "--regions",
        "us-east-1,eu-west-1",
        "--checks",
        "CloudTrail.1,CloudTrail.2,CloudTrail.3,CloudTrail.4,cloudtrail_logging_delivering",
        "--output-dir",
        str(out),
        endpoint=moto_endpoint,
        cwd=tmp_path,
    )
    assert proc.returncode == 1
    statuses = asff_statuses(out)
    assert statuses[("CloudTrail.1", "us-east-1", ACCOUNT)] == "FAILED"  # read-only
    assert statuses[("CloudTrail.3", "us-east-1", ACCOUNT)] == "PASSED"  # logging trail
    assert statuses[("CloudTrail.2", "eu-west-1", single)] == "FAILED"
    assert statuses[("CloudTrail.4", "eu-west-1", single)] == "FAILED"
    assert statuses[("cloudtrail_logging_delivering", "eu-west-1", single)] == "FAILED"
    assert statuses[("cloudtrail_logging_delivering", "us-east-1", arn)] == "PASSED"


def test_access_denied_gives_not_available_never_a_verdict(
    account_client: Callable[..., Any], moto_endpoint: str, tmp_path: Path, faults: Faults
) -> None:
    good_trail(account_client)
    faults.deny("GetEventSelectors")
    sessions = Sessions(
        None, ClientSettings(endpoint_url=moto_endpoint, max_attempts=1, client_hook=faults.hook)
    )
    request = ScanRequest(
        options=ScanOptions(regions=("us-east-1", "eu-west-1"), endpoint_url=moto_endpoint),
        checks=("CloudTrail.1", "CloudTrail.4"),
        output_dir=tmp_path / "out",
    )
    outcome = run_scan(request, sessions=sessions)
    by_check = {(f.control_id, f.region): f for f in outcome.findings}
    denied = by_check[("CloudTrail.1", "us-east-1")]
    assert denied.status is Status.ERROR
    assert any(e.operation == "GetEventSelectors" for e in denied.errors)
    assert any(e.iam_action == "cloudtrail:GetEventSelectors" for e in denied.errors)
    # CloudTrail.4 does not need event selectors: it still gets a verdict
    assert by_check[("CloudTrail.4", "us-east-1")].status is Status.PASS
    assert outcome.exit_code == 3
    asff = asff_statuses(tmp_path / "out")
    assert asff[("CloudTrail.1", "us-east-1", ACCOUNT)] == "NOT_AVAILABLE"


def test_saved_inventory_re_evaluates_offline(
    account_client: Callable[..., Any], moto_endpoint: str, tmp_path: Path
) -> None:
    good_trail(account_client)
    inv = tmp_path / "inventory.json"
    first = run_cli(
        "scan",
        "--regions",
        "us-east-1",
        "--checks",
        "CloudTrail.4",
        "--save-inventory",
        str(inv),
        "--output-dir",
        str(tmp_path / "a"),
        endpoint=moto_endpoint,
        cwd=tmp_path,
    )
    assert first.returncode == 0, first.stderr
    offline = run_cli(
        "scan",
        "--from-inventory",
        str(inv),
        "--checks",
        "CloudTrail.4",
        "--output-dir",
        str(tmp_path / "b"),
        endpoint="http://127.0.0.1:9",
        cwd=tmp_path,
    )
    assert offline.returncode == 0, offline.stderr
    assert asff_statuses(tmp_path / "a") == asff_statuses(tmp_path / "b")


def test_trail_tags_are_read_in_batches_of_20_per_home_region(
    account_client: Callable[..., Any], scan_inventory: Callable[..., Any], moto_endpoint: str
) -> None:
    from scanner.core.datasets.cloudtrail import TRAIL_TAGS
    from scanner.core.evaluate import evaluate
    from scanner.core.frameworks import Frameworks
    from scanner.core.registry import all_checks, select_checks

    bucket = make_bucket(account_client, "many-trails-logs")
    us = account_client("cloudtrail", "us-east-1")
    for n in range(21):
        tags = [{"Key": "owner", "Value": "sec"}] if n % 2 == 0 else []
        us.create_trail(Name=f"trail-{n:02d}", S3BucketName=bucket, TagsList=tags)
    eu_bucket = make_bucket(account_client, "eu-trail-logs", "eu-west-1")
    account_client("cloudtrail", "eu-west-1").create_trail(
        Name="eu-trail", S3BucketName=eu_bucket, TagsList=[{"Key": "aws:system", "Value": "x"}]
    )
    sessions = Sessions(None, ClientSettings(endpoint_url=moto_endpoint, max_attempts=1))
    inv = scan_inventory(("CloudTrail.9",), sessions=sessions)
    list_tags = {
        region: n
        for (_, region, service, op), n in sessions.calls.calls.items()
        if (service, op) == ("cloudtrail", "ListTags")
    }
    assert list_tags == {"us-east-1": 2, "eu-west-1": 1}
    assert sessions.calls.repeated == 0
    acct = inv.account(DEFAULT_ACCOUNT)
    assert acct is not None
    rec = acct.record(TRAIL_TAGS.name, None)
    assert rec is not None and rec.error is None
    assert len(TRAIL_TAGS.load(rec.data)) == 22
    findings = list(evaluate(inv, select_checks(all_checks(), ["CloudTrail.9"]), Frameworks(())))
    by_name = {(f.resource.id.rsplit("/", 1)[-1], f.region): f.status.value for f in findings}
    assert by_name[("trail-00", "us-east-1")] == "PASS"
    assert by_name[("trail-01", "us-east-1")] == "FAIL"
    assert by_name[("trail-20", "us-east-1")] == "PASS"
    assert by_name[("eu-trail", "eu-west-1")] == "FAIL"  # only a system tag
    assert len(by_name) == 22


def test_denied_list_tags_is_not_available_for_cloudtrail_9(
    account_client: Callable[..., Any], moto_endpoint: str, tmp_path: Path, faults: Faults
) -> None:
    good_trail(account_client)
    faults.deny("ListTags")
    sessions = Sessions(
        None, ClientSettings(endpoint_url=moto_endpoint, max_attempts=1, client_hook=faults.hook)
    )
    request = ScanRequest(
        options=ScanOptions(regions=("us-east-1",), endpoint_url=moto_endpoint),
        checks=("CloudTrail.9", "CloudTrail.4"),
        output_dir=tmp_path / "out",
    )
    outcome = run_scan(request, sessions=sessions)
    by_check = {f.control_id: f for f in outcome.findings}
    denied = by_check["CloudTrail.9"]
    assert denied.status is Status.ERROR
    assert any(e.iam_action == "cloudtrail:ListTags" for e in denied.errors)
    assert by_check["CloudTrail.4"].status is Status.PASS
    assert outcome.exit_code == 3

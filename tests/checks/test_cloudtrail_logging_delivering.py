"""cloudtrail_logging_delivering: logging, and no S3 / CloudWatch Logs delivery error."""

from __future__ import annotations

import pytest

from checks.cloudtrail_logging_delivering import CHECK
from scanner.core.datasets.cloudtrail import TRAIL_STATUS, TrailStatus
from tests.builders import MEMBER, MGMT, by_resource, run
from tests.checks.test_cloudtrail_lib import HOME, OTHER, inventory, seed, stopped, trail

GROUP = f"arn:aws:logs:{HOME}:{MGMT}:log-group:cloudtrail:*"
CW_ERROR = TrailStatus(is_logging=True, latest_cloudwatch_logs_delivery_error="AccessDenied")

CASES = {
    "logging": (TrailStatus(is_logging=True, latest_delivery_time="2026-11-01T11:55:00Z"), "PASS"),
    "stopped": (stopped(), "FAIL"),
    "S3 delivery error": (
        TrailStatus(is_logging=True, latest_delivery_error="NoSuchBucket"),
        "FAIL",
    ),
    "CloudWatch Logs delivery error": (CW_ERROR, "FAIL"),
}


@pytest.mark.parametrize("case", CASES)
def test_status(case: str) -> None:
    status, expected = CASES[case]
    b = inventory()
    t = trail(cloudwatch_logs_log_group_arn=GROUP)
    seed(b.account(MGMT), t, status={t.arn: status})
    assert by_resource(run(CHECK, b)) == {(MGMT, HOME, t.arn): expected}


def test_stale_cloudwatch_error_without_a_log_group_is_ignored() -> None:
    b = inventory()
    t = trail()
    seed(b.account(MGMT), t, status={t.arn: CW_ERROR})
    assert by_resource(run(CHECK, b)) == {(MGMT, HOME, t.arn): "PASS"}


def test_evidence_has_every_status_field() -> None:
    b = inventory()
    t = trail()
    seed(b.account(MGMT), t, status={t.arn: stopped()})
    [f] = run(CHECK, b)
    for key in (
        "IsLogging",
        "LatestDeliveryError",
        "LatestDeliveryTime",
        "LatestCloudWatchLogsDeliveryError",
        "LatestCloudWatchLogsDeliveryTime",
        "LatestNotificationError",
        "LatestDigestDeliveryError",
        "StartLoggingTime",
        "StopLoggingTime",
    ):
        assert key in f.evidence
    assert f.evidence["IsLogging"] is False


def test_shadow_copies_and_member_org_trails_give_one_finding_per_trail() -> None:
    b = inventory()
    org = trail("org", MGMT, home=OTHER, org=True)
    seed(b.account(MGMT), org)
    seed(b.account(MEMBER), org)
    assert by_resource(run(CHECK, b)) == {(MGMT, OTHER, org.arn): "PASS"}


def test_trail_without_collected_status_is_error() -> None:
    b = inventory()
    t = trail()
    seed(b.account(MGMT), t)
    b.account(MGMT).put(TRAIL_STATUS, {})
    assert by_resource(run(CHECK, b)) == {(MGMT, HOME, t.arn): "ERROR"}


def test_failed_status_dataset_is_error() -> None:
    b = inventory()
    seed(b.account(MGMT), trail())
    b.account(MGMT).fail(TRAIL_STATUS, operation="GetTrailStatus")
    assert {f.status.value for f in run(CHECK, b)} == {"ERROR"}

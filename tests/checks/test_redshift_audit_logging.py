"""Redshift.4: audit logging enabled per cluster (S3 or CloudWatch), per-cluster ERROR."""

from __future__ import annotations

from checks.redshift_audit_logging import CHECK
from scanner.core.datasets.redshift import REDSHIFT_CLUSTERS, RedshiftCluster
from scanner.core.model import CollectionError
from tests.builders import MGMT, InventoryBuilder, run

HOME = "us-east-1"
ARN = f"arn:aws:redshift:{HOME}:{MGMT}:cluster:"


def rs(name: str, **kw: object) -> RedshiftCluster:
    return RedshiftCluster(
        identifier=name, arn=ARN + name, status=str(kw.pop("status", "available")), **kw
    )


def statuses(clusters: list[RedshiftCluster]) -> dict[str, str]:
    b = InventoryBuilder(regions=(HOME,))
    b.account(MGMT).put(REDSHIFT_CLUSTERS, clusters)
    return {f.resource.id.removeprefix(ARN): f.status.value for f in run(CHECK, b)}


def test_enabled_to_s3_or_cloudwatch_passes_disabled_fails() -> None:
    clusters = [
        rs("s3", logging_enabled=True, bucket_name="audit-logs", s3_key_prefix="rs/"),
        rs("cw", logging_enabled=True, destination_type="cloudwatch", log_exports=("userlog",)),
        rs("off"),
    ]
    assert statuses(clusters) == {"s3": "PASS", "cw": "PASS", "off": "FAIL"}


def test_cloudwatch_destination_without_log_types_fails() -> None:
    assert statuses([rs("cw", logging_enabled=True, destination_type="cloudwatch")]) == {
        "cw": "FAIL"
    }


def test_deleting_cluster_and_no_cluster_give_no_finding() -> None:
    assert statuses([rs("gone", status="deleting")]) == {}
    assert statuses([]) == {}


def test_denied_logging_status_is_error_on_that_cluster_only() -> None:
    denied = CollectionError(
        operation="DescribeLoggingStatus",
        iam_action="redshift:DescribeLoggingStatus",
        code="AccessDenied",
        message="denied",
        region=HOME,
    )
    clusters = [
        RedshiftCluster(
            identifier="secret",
            arn=ARN + "secret",
            status="available",
            errors=RedshiftCluster.failed(denied, "logging_enabled", "destination_type"),
        ),
        rs("on", logging_enabled=True, bucket_name="b"),
    ]
    b = InventoryBuilder(regions=(HOME,))
    b.account(MGMT).put(REDSHIFT_CLUSTERS, clusters)
    findings = {f.resource.id.removeprefix(ARN): f for f in run(CHECK, b)}
    assert {k: f.status.value for k, f in findings.items()} == {"secret": "ERROR", "on": "PASS"}
    assert findings["secret"].errors[0].iam_action == "redshift:DescribeLoggingStatus"


def test_denied_listing_is_error() -> None:
    b = InventoryBuilder(regions=(HOME,))
    b.account(MGMT).fail(
        REDSHIFT_CLUSTERS, operation="DescribeClusters", iam_action="redshift:DescribeClusters"
    )
    assert [f.status.value for f in run(CHECK, b)] == ["ERROR"]

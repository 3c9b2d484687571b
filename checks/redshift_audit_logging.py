"""Redshift.4: Amazon Redshift clusters have audit logging enabled.

Security Hub control Redshift.4 "Amazon Redshift clusters should have audit logging enabled"
(severity Medium, resource AWS::Redshift::Cluster, custom Config rule
redshift-cluster-audit-logging-enabled, parameter loggingEnabled = true, not customizable).
A cluster PASSes when DescribeLoggingStatus answers LoggingEnabled true (to S3 or, with
LogDestinationType cloudwatch, to CloudWatch Logs).

Edge cases, as decided here:
- LoggingEnabled true with destination cloudwatch and no LogExports delivers nothing, so it
  FAILs (stricter than the rule's loggingEnabled flag: no PASS for a log that is not written).
- A cluster being deleted (ClusterStatus `deleting`) gets no finding.
- DescribeLoggingStatus denied for one cluster: ERROR on that cluster only; DescribeClusters
  denied: ERROR on the account and region. No cluster in the region: no finding.
"""

from __future__ import annotations

from collections.abc import Iterator

from scanner.core.check import Check
from scanner.core.dataset import Scope
from scanner.core.datasets.redshift import REDSHIFT_CLUSTERS, RedshiftCluster
from scanner.core.model import Resource, Result, Severity, Status
from scanner.core.view import View


def judge(cluster: RedshiftCluster, resource: Resource) -> Result:
    enabled = cluster.logging_enabled  # DescribeLoggingStatus failed: ERROR (View.judge)
    destination = cluster.destination_type or ("s3" if cluster.bucket_name else None)
    evidence = {
        "api": ["redshift:DescribeClusters", "redshift:DescribeLoggingStatus"],
        "ClusterStatus": cluster.status,
        "LoggingEnabled": enabled,
        "LogDestinationType": cluster.destination_type,
        "BucketName": cluster.bucket_name,
        "S3KeyPrefix": cluster.s3_key_prefix,
        "LogExports": list(cluster.log_exports),
    }
    if not enabled:
        return Result(
            status=Status.FAIL,
            resource=resource,
            reason="Audit logging is not enabled on the Redshift cluster.",
            evidence=evidence,
        )
    if destination == "cloudwatch" and not cluster.log_exports:
        return Result(
            status=Status.FAIL,
            resource=resource,
            reason="Audit logging to CloudWatch Logs is on but exports no log type "
            "(connectionlog, userlog, useractivitylog): nothing is delivered.",
            evidence=evidence,
        )
    where = "CloudWatch Logs" if destination == "cloudwatch" else f"S3 ({cluster.bucket_name})"
    return Result(
        status=Status.PASS,
        resource=resource,
        reason=f"Audit logging is enabled, delivering to {where}.",
        evidence=evidence,
    )


def evaluate(view: View) -> Iterator[Result]:
    """One result per Redshift cluster of the region (none being deleted)."""
    for cluster in view.get(REDSHIFT_CLUSTERS):
        if cluster.status == "deleting":
            continue
        resource = Resource(
            type="AwsRedshiftCluster",
            id=cluster.arn,
            region=view.region,
            account_id=view.account_id,
        )
        result = view.judge(resource, lambda: judge(cluster, resource))  # noqa: B023
        if result is not None:
            yield result


CHECK = Check(
    id="redshift_audit_logging",
    control_id="Redshift.4",
    title="Amazon Redshift clusters should have audit logging enabled",
    severity=Severity.MEDIUM,
    resource_type="AwsRedshiftCluster",
    scope=Scope.REGION,
    requires=(REDSHIFT_CLUSTERS,),
    evaluate=evaluate,
    rationale="Redshift audit logs record connections, users and queries; without them a "
    "security investigation cannot tell who did what in the warehouse.",
    remediation="aws redshift enable-logging --cluster-identifier <id> --bucket-name <bucket> "
    "(or --log-destination-type cloudwatch --log-exports connectionlog userlog useractivitylog)",
    remediation_url="https://docs.aws.amazon.com/securityhub/latest/userguide/redshift-controls.html#redshift-4",
)

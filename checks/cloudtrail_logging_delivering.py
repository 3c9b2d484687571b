"""Every trail is logging and delivering: no S3 or CloudWatch Logs delivery error.

Not a Security Hub control. FAIL if IsLogging is false, LatestDeliveryError is set, or the trail
has a log group and LatestCloudWatchLogsDeliveryError is set. A trail whose status was not
collected is ERROR, never PASS/FAIL.
"""

from __future__ import annotations

from collections.abc import Iterator

from checks.lib.trails import owned_trails_homed_here, status_evidence, trail_resource
from scanner.core.check import Check
from scanner.core.dataset import Scope
from scanner.core.datasets.cloudtrail import TRAIL_STATUS, TRAILS, Trail, TrailStatus
from scanner.core.model import CollectionError, Result, Severity, Status
from scanner.core.view import View, error_result


def problems(trail: Trail, status: TrailStatus) -> list[str]:
    out = []
    if not status.is_logging:
        out.append("logging is stopped")
    if status.latest_delivery_error:
        out.append(f"S3 delivery fails: {status.latest_delivery_error}")
    if trail.cloudwatch_logs_log_group_arn and status.latest_cloudwatch_logs_delivery_error:
        out.append(
            f"CloudWatch Logs delivery fails: {status.latest_cloudwatch_logs_delivery_error}"
        )
    return out


def evaluate(view: View) -> Iterator[Result]:
    statuses = view.get(TRAIL_STATUS)
    for trail in owned_trails_homed_here(view):
        evidence = {"api": ["cloudtrail:DescribeTrails", "cloudtrail:GetTrailStatus"]}
        status = statuses.get(trail.arn)
        if status is None:
            error = CollectionError.not_collected(
                f"no status was collected for {trail.arn}",
                operation="GetTrailStatus",
                iam_action="cloudtrail:GetTrailStatus",
                region=trail.home_region,
            )
            yield error_result(trail_resource(trail), (error,), evidence)
            continue
        found = problems(trail, status)
        yield Result(
            status=Status.FAIL if found else Status.PASS,
            resource=trail_resource(trail),
            reason=("; ".join(found) if found else "Logging, with no delivery error") + ".",
            evidence={
                **evidence,
                "CloudWatchLogsLogGroupArn": trail.cloudwatch_logs_log_group_arn,
                **status_evidence(status),
            },
        )


CHECK = Check(
    id="cloudtrail_logging_delivering",
    title="CloudTrail trails should be logging and delivering without errors",
    severity=Severity.HIGH,
    resource_type="AwsCloudTrailTrail",
    scope=Scope.REGION,
    requires=(TRAILS, TRAIL_STATUS),
    evaluate=evaluate,
    rationale="A trail that is stopped, or whose bucket or log group rejects delivery (deleted "
    "bucket, changed bucket or key policy, broken role), silently records nothing.",
    remediation="Start logging (aws cloudtrail start-logging --name <trail>) and fix the "
    "destination named in LatestDeliveryError / LatestCloudWatchLogsDeliveryError: bucket "
    "policy, KMS key policy, or the CloudWatch Logs role.",
    remediation_url="https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-troubleshooting.html",
)

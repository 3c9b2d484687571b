"""CloudTrail.5: every trail delivers to CloudWatch Logs (CloudWatchLogsLogGroupArn set)."""

from __future__ import annotations

from collections.abc import Iterator

from checks.lib.trails import log_group_resource, owned_trails_homed_here, trail_resource
from scanner.core.check import Check
from scanner.core.dataset import Scope
from scanner.core.datasets.cloudtrail import TRAILS
from scanner.core.model import Result, Severity, Status
from scanner.core.view import View


def evaluate(view: View) -> Iterator[Result]:
    """One result per owned trail, in its home region (shadow and others' org trails skipped)."""
    for trail in owned_trails_homed_here(view):
        group = trail.cloudwatch_logs_log_group_arn
        yield Result(
            status=Status.PASS if group else Status.FAIL,
            resource=trail_resource(trail),
            reason=(
                f"The trail delivers to CloudWatch Logs group {group}."
                if group
                else "CloudWatchLogsLogGroupArn is empty: events are not sent to CloudWatch Logs."
            ),
            evidence={
                "api": "cloudtrail:DescribeTrails",
                "CloudWatchLogsLogGroupArn": group,
                "CloudWatchLogsRoleArn": trail.cloudwatch_logs_role_arn,
            },
            related_resources=log_group_resource(trail),
        )


CHECK = Check(
    id="cloudtrail_cloudwatch_logs",
    control_id="CloudTrail.5",
    title="CloudTrail trails should be integrated with Amazon CloudWatch Logs",
    severity=Severity.LOW,
    resource_type="AwsCloudTrailTrail",
    scope=Scope.REGION,
    requires=(TRAILS,),
    evaluate=evaluate,
    rationale="Sending trail events to CloudWatch Logs enables real-time metric filters and "
    "alarms on sensitive API activity.",
    remediation="aws cloudtrail update-trail --name <trail> --cloud-watch-logs-log-group-arn "
    "<log-group-arn> --cloud-watch-logs-role-arn <role-arn>",
    remediation_url="https://docs.aws.amazon.com/securityhub/latest/userguide/cloudtrail-controls.html#cloudtrail-5",
)

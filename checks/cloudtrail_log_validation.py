"""CloudTrail.4: log file integrity validation is enabled on every trail."""

from __future__ import annotations

from collections.abc import Iterator

from checks.lib.trails import owned_trails_homed_here, trail_resource
from scanner.core.check import Check
from scanner.core.dataset import Scope
from scanner.core.datasets.cloudtrail import TRAILS
from scanner.core.model import Result, Severity, Status
from scanner.core.view import View


def evaluate(view: View) -> Iterator[Result]:
    """One result per trail the account owns, in the trail's home region (shadows skipped)."""
    for trail in owned_trails_homed_here(view):
        ok = trail.log_file_validation_enabled
        yield Result(
            status=Status.PASS if ok else Status.FAIL,
            resource=trail_resource(trail),
            reason=(
                "Log file validation is enabled."
                if ok
                else "Log file validation is disabled: log files can be altered undetected."
            ),
            evidence={
                "api": "cloudtrail:DescribeTrails",
                "LogFileValidationEnabled": trail.log_file_validation_enabled,
            },
        )


CHECK = Check(
    id="cloudtrail_log_file_validation",
    control_id="CloudTrail.4",
    title="CloudTrail log file validation should be enabled",
    severity=Severity.LOW,
    resource_type="AwsCloudTrailTrail",
    scope=Scope.REGION,
    requires=(TRAILS,),
    evaluate=evaluate,
    rationale="Digest files let you prove that delivered log files were not modified or deleted.",
    remediation="aws cloudtrail update-trail --name <trail> --enable-log-file-validation",
    remediation_url="https://docs.aws.amazon.com/securityhub/latest/userguide/cloudtrail-controls.html#cloudtrail-4",
)

"""CloudTrail.2: every trail encrypts its log files with a KMS key (KmsKeyId defined)."""

from __future__ import annotations

from collections.abc import Iterator

from checks.lib.trails import key_resource, owned_trails_homed_here, trail_resource
from scanner.core.check import Check
from scanner.core.dataset import Scope
from scanner.core.datasets.cloudtrail import TRAILS
from scanner.core.model import Result, Severity, Status
from scanner.core.view import View


def evaluate(view: View) -> Iterator[Result]:
    """One result per owned trail, in its home region (shadow and others' org trails skipped)."""
    for trail in owned_trails_homed_here(view):
        ok = bool(trail.kms_key_id)
        yield Result(
            status=Status.PASS if ok else Status.FAIL,
            resource=trail_resource(trail),
            reason=(
                "Log files are encrypted with SSE-KMS."
                if ok
                else "KmsKeyId is not defined: log files are only encrypted with SSE-S3."
            ),
            evidence={"api": "cloudtrail:DescribeTrails", "KmsKeyId": trail.kms_key_id},
            related_resources=key_resource(trail),
        )


CHECK = Check(
    id="cloudtrail_kms_encryption",
    control_id="CloudTrail.2",
    title="CloudTrail should have encryption at-rest enabled",
    severity=Severity.MEDIUM,
    resource_type="AwsCloudTrailTrail",
    scope=Scope.REGION,
    requires=(TRAILS,),
    evaluate=evaluate,
    rationale="SSE-KMS adds a key policy between the log files and anyone who can read the "
    "bucket, and records every decryption in CloudTrail.",
    remediation="aws cloudtrail update-trail --name <trail> --kms-key-id <key-arn> (the key "
    "policy must allow cloudtrail.amazonaws.com to use it)",
    remediation_url="https://docs.aws.amazon.com/securityhub/latest/userguide/cloudtrail-controls.html#cloudtrail-2",
)

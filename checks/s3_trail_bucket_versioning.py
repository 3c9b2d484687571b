"""S3.14 on the trails' buckets: versioning is enabled on every bucket a trail delivers to.

Security Hub evaluates S3.14 on every general purpose bucket; trailwatch covers the logging
posture, so it evaluates the buckets CloudTrail trails deliver to (the log buckets), with the
ownership rules of CloudTrail.6/.7: once, in the account and region that own the bucket, and a
WARNING where the bucket is outside the scan. Security Hub's page says the control fails when
versioning is suspended; the Config rule s3-bucket-versioning-enabled is NON_COMPLIANT whenever
versioning is not enabled, so a bucket whose versioning was never enabled FAILs too.
"""

from __future__ import annotations

from collections.abc import Iterator

from checks.lib.buckets import error_result, fact, trail_bucket_results
from scanner.core.check import Check
from scanner.core.dataset import Scope
from scanner.core.datasets.cloudtrail import TRAILS
from scanner.core.datasets.s3 import S3_BUCKET_VERSIONING, S3_BUCKETS, Bucket
from scanner.core.model import Resource, Result, Severity, Status
from scanner.core.view import View


def judge(view: View, bucket: Bucket, resource: Resource) -> Result:
    ver = fact(view.org, view.account_id, S3_BUCKET_VERSIONING, bucket.name)
    if ver.value is None:
        return error_result(resource, ver.errors)
    status = ver.value.status  # unreadable: FieldUnavailable, so ERROR (View.judge)
    evidence = {"api": "s3:GetBucketVersioning", "Versioning.Status": status}
    if status == "Enabled":
        return Result(
            status=Status.PASS,
            resource=resource,
            reason="Versioning is enabled on the log bucket.",
            evidence=evidence,
        )
    return Result(
        status=Status.FAIL,
        resource=resource,
        reason=f"Versioning is {status or 'not enabled'} on the log bucket: an overwritten or "
        "deleted log file cannot be recovered.",
        evidence=evidence,
    )


def evaluate(view: View) -> Iterator[Result]:
    """One result per trail bucket owned here (plus WARNINGs for buckets outside the scan)."""
    yield from trail_bucket_results(view, judge)


CHECK = Check(
    id="s3_trail_bucket_versioning",
    control_id="S3.14",
    title="S3 general purpose buckets should have versioning enabled (CloudTrail log buckets)",
    severity=Severity.LOW,
    resource_type="AwsS3Bucket",
    scope=Scope.REGION,
    requires=(TRAILS, S3_BUCKETS, S3_BUCKET_VERSIONING),
    evaluate=evaluate,
    rationale="Versioning keeps earlier versions of overwritten or deleted log files, so the "
    "record of what happened can be restored.",
    remediation="aws s3api put-bucket-versioning --bucket <name> "
    "--versioning-configuration Status=Enabled",
    remediation_url="https://docs.aws.amazon.com/securityhub/latest/userguide/s3-controls.html#s3-14",
)

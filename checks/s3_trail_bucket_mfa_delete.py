"""S3.20 on the trails' buckets: MFA delete is enabled on every bucket a trail delivers to.

Security Hub evaluates S3.20 on every general purpose bucket; trailwatch evaluates the buckets
CloudTrail trails deliver to (the log buckets), with the ownership rules of CloudTrail.6/.7.
As in Security Hub: PASS only when MFADelete is Enabled; no finding for a bucket that has a
lifecycle configuration (MFA delete cannot be used with one). A lifecycle configuration that
could not be read makes the bucket ERROR unless MFA delete is known to be on. moto cannot
enable MFA delete (it ignores MFADelete), so the PASS case is covered by pure tests only.
"""

from __future__ import annotations

from collections.abc import Iterator

from checks.lib.buckets import error_result, fact, trail_bucket_results
from scanner.core.check import Check
from scanner.core.dataset import Scope
from scanner.core.datasets.cloudtrail import TRAILS
from scanner.core.datasets.s3 import S3_BUCKET_LIFECYCLE, S3_BUCKET_VERSIONING, S3_BUCKETS, Bucket
from scanner.core.model import Resource, Result, Severity, Status, peek
from scanner.core.view import View


def judge(view: View, bucket: Bucket, resource: Resource) -> Result | None:
    ver = fact(view.org, view.account_id, S3_BUCKET_VERSIONING, bucket.name)
    life = fact(view.org, view.account_id, S3_BUCKET_LIFECYCLE, bucket.name)
    configured = peek(life.value, "configured") if life.value is not None else None
    if configured:
        return None  # Security Hub: no finding for a bucket with a lifecycle configuration
    if ver.value is None:
        return error_result(resource, ver.errors)
    mfa_delete = ver.value.mfa_delete  # unreadable: FieldUnavailable, so ERROR (View.judge)
    evidence = {
        "api": ["s3:GetBucketVersioning", "s3:GetBucketLifecycleConfiguration"],
        "Versioning.Status": peek(ver.value, "status"),
        "Versioning.MFADelete": mfa_delete,
        "LifecycleConfiguration": None if configured is None else "none",
    }
    if mfa_delete == "Enabled":
        return Result(
            status=Status.PASS,
            resource=resource,
            reason="MFA delete is enabled on the log bucket.",
            evidence=evidence,
        )
    if life.value is None:
        return error_result(resource, life.errors, evidence)
    _ = life.value.configured  # unreadable lifecycle: ERROR (View.judge), never FAIL
    return Result(
        status=Status.FAIL,
        resource=resource,
        reason=f"MFA delete is {mfa_delete or 'not enabled'} on the log bucket: "
        "object versions can be deleted without a second factor.",
        evidence=evidence,
    )


def evaluate(view: View) -> Iterator[Result]:
    """One result per trail bucket owned here without a lifecycle configuration."""
    yield from trail_bucket_results(view, judge)


CHECK = Check(
    id="s3_trail_bucket_mfa_delete",
    control_id="S3.20",
    title="S3 general purpose buckets should have MFA delete enabled (CloudTrail log buckets)",
    severity=Severity.LOW,
    resource_type="AwsS3Bucket",
    scope=Scope.REGION,
    requires=(TRAILS, S3_BUCKETS, S3_BUCKET_VERSIONING, S3_BUCKET_LIFECYCLE),
    evaluate=evaluate,
    rationale="With MFA delete, deleting a version of a log file or changing the bucket's "
    "versioning state needs the root user's MFA device, so stolen credentials alone cannot "
    "erase the logs.",
    remediation="As the root user with its MFA device: aws s3api put-bucket-versioning "
    "--bucket <name> --versioning-configuration Status=Enabled,MFADelete=Enabled "
    '--mfa "<mfa-device-arn> <code>"',
    remediation_url="https://docs.aws.amazon.com/securityhub/latest/userguide/s3-controls.html#s3-20",
)

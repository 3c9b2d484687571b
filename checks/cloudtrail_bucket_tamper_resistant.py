"""Trail buckets resist deletion of log files: Object Lock, or versioning with MFA delete.

Our own check (no Security Hub control). PASS when Object Lock is enabled on the bucket, or
versioning is Enabled with MFADelete Enabled; FAIL otherwise (versioning alone lets anyone who
may delete versions remove the logs). Same ownership rules as CloudTrail.6.
"""

from __future__ import annotations

from collections.abc import Iterator

from checks.lib.buckets import error_result, fact, trail_bucket_results
from scanner.core.check import Check
from scanner.core.dataset import Scope
from scanner.core.datasets.cloudtrail import TRAILS
from scanner.core.datasets.s3 import S3_BUCKET_VERSIONING, S3_BUCKETS, Bucket
from scanner.core.model import Resource, Result, Severity, Status, peek
from scanner.core.view import View


def judge(view: View, bucket: Bucket, resource: Resource) -> Result:
    ver = fact(view.org, view.account_id, S3_BUCKET_VERSIONING, bucket.name)
    if ver.value is None:
        return error_result(resource, ver.errors)
    value = ver.value
    evidence = {
        "api": ["s3:GetObjectLockConfiguration", "s3:GetBucketVersioning"],
        "ObjectLockEnabled": peek(value, "object_lock_enabled"),
        "Versioning.Status": peek(value, "status"),
        "Versioning.MFADelete": peek(value, "mfa_delete"),
    }
    if value.object_lock_enabled:  # unreadable: FieldUnavailable, so ERROR (View.judge)
        return Result(
            status=Status.PASS,
            resource=resource,
            reason="Object Lock is enabled on the trail bucket.",
            evidence=evidence,
        )
    if value.status == "Enabled" and value.mfa_delete == "Enabled":
        return Result(
            status=Status.PASS,
            resource=resource,
            reason="Versioning is enabled with MFA delete on the trail bucket.",
            evidence=evidence,
        )
    if value.status == "Enabled":
        why = "versioning is enabled but MFA delete is not, and Object Lock is off"
    else:
        why = f"Object Lock is off and versioning is {value.status or 'not enabled'}"
    return Result(
        status=Status.FAIL,
        resource=resource,
        reason=f"Log files in the trail bucket can be deleted or overwritten: {why}.",
        evidence=evidence,
    )


def evaluate(view: View) -> Iterator[Result]:
    """One result per trail bucket owned here (plus WARNINGs for buckets outside the scan)."""
    yield from trail_bucket_results(view, judge)


CHECK = Check(
    id="cloudtrail_bucket_tamper_resistant",
    title="CloudTrail S3 buckets should protect log files with Object Lock or MFA delete",
    severity=Severity.MEDIUM,
    resource_type="AwsS3Bucket",
    scope=Scope.REGION,
    requires=(TRAILS, S3_BUCKETS, S3_BUCKET_VERSIONING),
    evaluate=evaluate,
    rationale="An intruder who can delete or overwrite log files can erase the record of what "
    "they did; Object Lock (or versioning with MFA delete) keeps earlier log files.",
    remediation="Enable versioning and Object Lock on the trail bucket (aws s3api "
    "put-object-lock-configuration --bucket <name> --object-lock-configuration "
    "ObjectLockEnabled=Enabled), or enable MFA delete with the root user's MFA device.",
    remediation_url="https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-lock.html",
)

"""S3.8: every bucket has all four bucket-level block public access settings enabled.

Config rule s3-bucket-level-public-access-prohibited looks at the bucket-level settings only;
a bucket without a configuration FAILs even when the account-level settings are on.
"""

from __future__ import annotations

from collections.abc import Iterator

from checks.lib.buckets import each_bucket, error_result, fact
from scanner.core.check import Check
from scanner.core.dataset import Scope
from scanner.core.datasets.s3 import S3_BUCKET_PUBLIC_ACCESS_BLOCKS, S3_BUCKETS, Bucket
from scanner.core.model import Resource, Result, Severity, Status
from scanner.core.view import View


def judge(view: View, bucket: Bucket, resource: Resource) -> Result:
    pab = fact(view.org, view.account_id, S3_BUCKET_PUBLIC_ACCESS_BLOCKS, bucket.name)
    if pab.value is None:
        return error_result(resource, pab.errors)
    settings = pab.value.settings
    evidence = {
        "api": "s3:GetPublicAccessBlock",
        "PublicAccessBlockConfiguration": settings.api_fields() if settings else None,
    }
    if settings is None:
        return Result(
            status=Status.FAIL,
            resource=resource,
            reason="The bucket has no block public access configuration.",
            evidence=evidence,
        )
    off = settings.disabled()
    return Result(
        status=Status.FAIL if off else Status.PASS,
        resource=resource,
        reason=(
            "Bucket-level block public access settings are off: " + ", ".join(off) + "."
            if off
            else "All four bucket-level block public access settings are enabled."
        ),
        evidence=evidence,
    )


def evaluate(view: View) -> Iterator[Result]:
    """One result per bucket in the view's region."""
    yield from each_bucket(view, lambda b, r: judge(view, b, r))


CHECK = Check(
    id="s3_bucket_public_access_block",
    control_id="S3.8",
    title="S3 general purpose buckets should block public access",
    severity=Severity.HIGH,
    resource_type="AwsS3Bucket",
    scope=Scope.REGION,
    requires=(S3_BUCKETS, S3_BUCKET_PUBLIC_ACCESS_BLOCKS),
    evaluate=evaluate,
    rationale="Bucket-level block public access keeps the bucket private even if a later "
    "policy or ACL change tries to open it.",
    remediation="aws s3api put-public-access-block --bucket <name> "
    "--public-access-block-configuration BlockPublicAcls=true,IgnorePublicAcls=true,"
    "BlockPublicPolicy=true,RestrictPublicBuckets=true",
    remediation_url="https://docs.aws.amazon.com/securityhub/latest/userguide/s3-controls.html#s3-8",
)

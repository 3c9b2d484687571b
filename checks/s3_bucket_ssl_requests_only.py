"""S3.5: bucket policies deny requests that do not use TLS.

Accepted shape (Config rule s3-bucket-ssl-requests-only, AWS example policy): Deny statement(s)
with Principal "*" (or {"AWS": "*"}), Action s3:* (or *), a single condition Bool (or
BoolIfExists) aws:SecureTransport "false", together covering the bucket ARN and its objects
(bucket/* or a wider pattern). Anything narrower (fewer actions, some principals, only the
objects, extra conditions) FAILs with the reason: it leaves some plain-HTTP requests allowed.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from checks.lib.buckets import bucket_arn, each_bucket, error_result, fact, load_policy
from checks.lib.policy import tls_required
from scanner.core.check import Check
from scanner.core.dataset import Scope
from scanner.core.datasets.s3 import S3_BUCKET_POLICIES, S3_BUCKETS, Bucket
from scanner.core.model import Resource, Result, Severity, Status
from scanner.core.view import View


def judge(view: View, bucket: Bucket, resource: Resource) -> Result:
    bp = fact(view.org, view.account_id, S3_BUCKET_POLICIES, bucket.name)
    if bp.value is None:
        return error_result(resource, bp.errors)
    policy, error = load_policy(bp.value, bucket.region)
    if error is not None:
        return error_result(resource, (error,))
    evidence: dict[str, Any] = {"api": "s3:GetBucketPolicy"}
    if policy is None:
        return Result(
            status=Status.FAIL,
            resource=resource,
            reason="The bucket has no policy, so requests over plain HTTP are not denied.",
            evidence={**evidence, "Policy": None},
        )
    verdict = tls_required(policy, bucket_arn(view, bucket.name))
    evidence["statements"] = [s.describe() for s in verdict.statements] or [
        s.describe() for s in policy.statements
    ]
    if verdict.ok:
        reason = "The bucket policy denies every request made without TLS."
    else:
        reason = f"The bucket policy does not deny all plain-HTTP requests: {verdict.why}."
    return Result(
        status=Status.PASS if verdict.ok else Status.FAIL,
        resource=resource,
        reason=reason,
        evidence=evidence,
    )


def evaluate(view: View) -> Iterator[Result]:
    """One result per bucket in the view's region."""
    yield from each_bucket(view, lambda b, r: judge(view, b, r))


CHECK = Check(
    id="s3_bucket_ssl_requests_only",
    control_id="S3.5",
    title="S3 general purpose buckets should require requests to use SSL",
    severity=Severity.MEDIUM,
    resource_type="AwsS3Bucket",
    scope=Scope.REGION,
    requires=(S3_BUCKETS, S3_BUCKET_POLICIES),
    evaluate=evaluate,
    rationale="Without a TLS-only policy, data and credentials can travel in clear text.",
    remediation='Add a statement {"Effect":"Deny","Principal":"*","Action":"s3:*","Resource":'
    '["arn:aws:s3:::<name>","arn:aws:s3:::<name>/*"],"Condition":{"Bool":'
    '{"aws:SecureTransport":"false"}}} to the bucket policy.',
    remediation_url="https://docs.aws.amazon.com/securityhub/latest/userguide/s3-controls.html#s3-5",
)

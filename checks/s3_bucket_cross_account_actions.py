"""S3.6: bucket policies do not grant policy/ACL/encryption changes to other AWS accounts.

Config rule s3-bucket-blacklisted-actions-prohibited: FAIL when an Allow statement grants any of
s3:DeleteBucketPolicy, s3:PutBucketAcl, s3:PutBucketPolicy, s3:PutEncryptionConfiguration,
s3:PutObjectAcl (directly, through wildcards such as s3:Put*, s3:* or *, or through a NotAction
that does not exclude them) to a principal outside the bucket owner's account: "*", another
account's id or ARN, or any NotPrincipal. Conditions are ignored (the rule checks only the
Principal). Service principals are not accounts. Principals that cannot be tied to the owner
(CanonicalUser, Federated without the owner's ARN) count as external (avoids a false PASS).
"""

from __future__ import annotations

from collections.abc import Iterator

from checks.lib.buckets import each_bucket, error_result, fact, load_policy
from checks.lib.policy import cross_account_grants
from scanner.core.check import Check
from scanner.core.dataset import Scope
from scanner.core.datasets.s3 import S3_BUCKET_POLICIES, S3_BUCKETS, Bucket
from scanner.core.model import Resource, Result, Severity, Status
from scanner.core.view import View

BLACKLISTED = (
    "s3:DeleteBucketPolicy",
    "s3:PutBucketAcl",
    "s3:PutBucketPolicy",
    "s3:PutEncryptionConfiguration",
    "s3:PutObjectAcl",
)


def judge(view: View, bucket: Bucket, resource: Resource) -> Result:
    bp = fact(view.org, view.account_id, S3_BUCKET_POLICIES, bucket.name)
    if bp.value is None:
        return error_result(resource, bp.errors)
    policy, error = load_policy(bp.value, bucket.region)
    if error is not None:
        return error_result(resource, (error,))
    if policy is None:
        return Result(
            status=Status.PASS,
            resource=resource,
            reason="The bucket has no policy, so it grants nothing to other accounts.",
            evidence={"api": "s3:GetBucketPolicy", "Policy": None},
        )
    grants = cross_account_grants(policy, view.account_id, BLACKLISTED)
    evidence = {
        "api": "s3:GetBucketPolicy",
        "owner_account": view.account_id,
        "grants": [
            {
                "statement": g.statement.describe(),
                "actions": list(g.actions),
                "principals": list(g.principals),
            }
            for g in grants
        ],
    }
    if not grants:
        return Result(
            status=Status.PASS,
            resource=resource,
            reason="The bucket policy grants none of the restricted actions to other accounts.",
            evidence=evidence,
        )
    details = "; ".join(
        f"{g.statement.label} allows {', '.join(g.actions)} to {', '.join(g.principals)}"
        for g in grants
    )
    return Result(
        status=Status.FAIL,
        resource=resource,
        reason=f"The bucket policy lets other accounts change its access controls: {details}.",
        evidence=evidence,
    )


def evaluate(view: View) -> Iterator[Result]:
    """One result per bucket in the view's region."""
    yield from each_bucket(view, lambda b, r: judge(view, b, r))


CHECK = Check(
    id="s3_bucket_cross_account_actions",
    control_id="S3.6",
    title="S3 general purpose bucket policies should restrict access to other AWS accounts",
    severity=Severity.HIGH,
    resource_type="AwsS3Bucket",
    scope=Scope.REGION,
    requires=(S3_BUCKETS, S3_BUCKET_POLICIES),
    evaluate=evaluate,
    rationale="Another account that can rewrite the policy or ACLs, or change encryption, can "
    "take the bucket over: read or delete its logs, or lock its owner out.",
    remediation="Remove s3:DeleteBucketPolicy, s3:PutBucketAcl, s3:PutBucketPolicy, "
    "s3:PutEncryptionConfiguration and s3:PutObjectAcl (and wildcards covering them) from "
    "statements that allow principals of other accounts.",
    remediation_url="https://docs.aws.amazon.com/securityhub/latest/userguide/s3-controls.html#s3-6",
)

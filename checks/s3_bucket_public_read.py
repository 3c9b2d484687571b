"""S3.2: buckets do not allow public read access (policy or ACL, honouring block public access).

Read actions are s3:Get* and s3:List*; ACL permissions READ, READ_ACP and FULL_CONTROL granted
to AllUsers or AuthenticatedUsers. See checks.lib.buckets.exposure for the exact rule.
"""

from __future__ import annotations

from collections.abc import Iterator

from checks.lib.buckets import each_bucket, public_result
from scanner.core.check import Check
from scanner.core.dataset import Scope
from scanner.core.datasets.s3 import (
    S3_ACCOUNT_PUBLIC_ACCESS_BLOCK,
    S3_BUCKET_ACLS,
    S3_BUCKET_POLICIES,
    S3_BUCKET_PUBLIC_ACCESS_BLOCKS,
    S3_BUCKETS,
)
from scanner.core.model import Result, Severity
from scanner.core.view import View


def evaluate(view: View) -> Iterator[Result]:
    """One result per bucket in the view's region."""
    yield from each_bucket(view, lambda b, r: public_result(view, b, r, "read"))


CHECK = Check(
    id="s3_bucket_public_read",
    control_id="S3.2",
    title="S3 general purpose buckets should block public read access",
    severity=Severity.CRITICAL,
    resource_type="AwsS3Bucket",
    scope=Scope.REGION,
    requires=(
        S3_BUCKETS,
        S3_ACCOUNT_PUBLIC_ACCESS_BLOCK,
        S3_BUCKET_PUBLIC_ACCESS_BLOCKS,
        S3_BUCKET_POLICIES,
        S3_BUCKET_ACLS,
    ),
    evaluate=evaluate,
    rationale="A bucket readable by anyone on the internet discloses whatever it holds.",
    remediation="Remove the public statements and ACL grants, and enable block public access "
    "(aws s3api put-public-access-block --bucket <name> ...).",
    remediation_url="https://docs.aws.amazon.com/securityhub/latest/userguide/s3-controls.html#s3-2",
)

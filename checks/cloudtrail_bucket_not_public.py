"""CloudTrail.6: the S3 bucket a trail delivers to is not publicly accessible.

Public means a bucket policy statement or an ACL grant (AllUsers/AuthenticatedUsers) gives
anyone any access that block public access (bucket or account level) does not neutralise; see
checks.lib.buckets.exposure. A centralised bucket is evaluated once, in the account and region
that own it (it is in that account's ListBuckets), with every scanned trail writing to it as a
related resource. A trail whose bucket is in no scanned account gets a WARNING in the trail
owner's account instead (see checks.lib.buckets.trail_bucket_results).
"""

from __future__ import annotations

from collections.abc import Iterator

from checks.lib.buckets import public_result, trail_bucket_results
from scanner.core.check import Check
from scanner.core.dataset import Scope
from scanner.core.datasets.cloudtrail import TRAILS
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
    """One result per trail bucket owned here (plus WARNINGs for buckets outside the scan)."""
    yield from trail_bucket_results(view, lambda v, b, r: public_result(v, b, r, "any"))


CHECK = Check(
    id="cloudtrail_bucket_not_public",
    control_id="CloudTrail.6",
    title="Ensure the S3 bucket used to store CloudTrail logs is not publicly accessible",
    severity=Severity.CRITICAL,
    resource_type="AwsS3Bucket",
    scope=Scope.REGION,
    requires=(
        TRAILS,
        S3_BUCKETS,
        S3_ACCOUNT_PUBLIC_ACCESS_BLOCK,
        S3_BUCKET_PUBLIC_ACCESS_BLOCKS,
        S3_BUCKET_POLICIES,
        S3_BUCKET_ACLS,
    ),
    evaluate=evaluate,
    rationale="Public access to CloudTrail logs helps an adversary find weaknesses in the "
    "account's use or configuration.",
    remediation="Remove public statements and AllUsers/AuthenticatedUsers ACL grants from the "
    "trail bucket and enable block public access on it.",
    remediation_url="https://docs.aws.amazon.com/securityhub/latest/userguide/cloudtrail-controls.html#cloudtrail-6",
)

"""CloudTrail.7: server access logging is enabled on the S3 bucket a trail delivers to.

Same ownership rules as CloudTrail.6: evaluated once, in the account and region that own the
bucket; a bucket outside the scan gives a WARNING in the trail owner's account.
"""

from __future__ import annotations

from collections.abc import Iterator

from checks.lib.buckets import logging_result, trail_bucket_results
from scanner.core.check import Check
from scanner.core.dataset import Scope
from scanner.core.datasets.cloudtrail import TRAILS
from scanner.core.datasets.s3 import S3_BUCKET_LOGGING, S3_BUCKETS
from scanner.core.model import Result, Severity
from scanner.core.view import View


def evaluate(view: View) -> Iterator[Result]:
    """One result per trail bucket owned here (plus WARNINGs for buckets outside the scan)."""
    yield from trail_bucket_results(view, lambda v, b, r: logging_result(v, v.account_id, b, r))


CHECK = Check(
    id="cloudtrail_bucket_access_logging",
    control_id="CloudTrail.7",
    title="Ensure S3 bucket access logging is enabled on the CloudTrail S3 bucket",
    severity=Severity.LOW,
    resource_type="AwsS3Bucket",
    scope=Scope.REGION,
    requires=(TRAILS, S3_BUCKETS, S3_BUCKET_LOGGING),
    evaluate=evaluate,
    rationale="Access logs on the trail bucket show who read, changed or deleted log files.",
    remediation="aws s3api put-bucket-logging --bucket <trail-bucket> --bucket-logging-status "
    '\'{"LoggingEnabled":{"TargetBucket":"<log-bucket>","TargetPrefix":"<trail-bucket>/"}}\'',
    remediation_url="https://docs.aws.amazon.com/securityhub/latest/userguide/cloudtrail-controls.html#cloudtrail-7",
)

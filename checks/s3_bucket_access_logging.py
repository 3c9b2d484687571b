"""S3.9: every bucket has server access logging enabled.

Security Hub suggests suppressing the finding for the log target buckets themselves; the
evidence names the buckets that log into this one so such findings are easy to recognise.
"""

from __future__ import annotations

from collections.abc import Iterator

from checks.lib.buckets import each_bucket, logging_result
from scanner.core.check import Check
from scanner.core.dataset import Scope
from scanner.core.datasets.s3 import S3_BUCKET_LOGGING, S3_BUCKETS
from scanner.core.model import Result, Severity, peek
from scanner.core.view import View


def evaluate(view: View) -> Iterator[Result]:
    """One result per bucket in the view's region (linear in the number of buckets)."""
    sources_of: dict[str, list[str]] = {}
    for source, log in view.get(S3_BUCKET_LOGGING).items():
        target = peek(log, "target_bucket")  # evidence only: an unread target is left out
        if target is not None and target != source:
            sources_of.setdefault(target, []).append(source)
    for result in each_bucket(view, lambda b, r: logging_result(view, view.account_id, b, r)):
        sources = sorted(sources_of.get(result.resource.id.rsplit(":", 1)[-1], ()))
        if sources:
            result = result.model_copy(
                update={"evidence": {**result.evidence, "receives_access_logs_from": sources}}
            )
        yield result


CHECK = Check(
    id="s3_bucket_access_logging",
    control_id="S3.9",
    title="S3 general purpose buckets should have server access logging enabled",
    severity=Severity.MEDIUM,
    resource_type="AwsS3Bucket",
    scope=Scope.REGION,
    requires=(S3_BUCKETS, S3_BUCKET_LOGGING),
    evaluate=evaluate,
    rationale="Server access logs record every request to the bucket, for investigations and "
    "audits of who read or changed its objects.",
    remediation="aws s3api put-bucket-logging --bucket <name> --bucket-logging-status "
    '\'{"LoggingEnabled":{"TargetBucket":"<log-bucket>","TargetPrefix":"<name>/"}}\' (the '
    "target bucket must be in the same Region and allow logging.s3.amazonaws.com)",
    remediation_url="https://docs.aws.amazon.com/securityhub/latest/userguide/s3-controls.html#s3-9",
)

"""CloudFront.5: CloudFront distributions have standard logging (legacy) enabled.

Security Hub control CloudFront.5 "CloudFront distributions should have logging enabled"
(severity Medium, category Identify > Logging, no parameters), backed by the AWS Config rule
cloudfront-accesslogs-enabled: a distribution FAILs when its DistributionConfig.Logging is not
enabled. As the control, only standard logging (legacy, to an S3 bucket) counts: a distribution
that only has standard logging v2 (CloudWatch Logs / Firehose / S3 vended logs) FAILs. Every
distribution is evaluated, disabled ones included (the rule makes no exception).

CloudFront is global: the distributions are collected once per account and the findings are
reported in the account's home region. No distributions: no finding. A GetDistributionConfig
that failed makes that distribution ERROR; a failed ListDistributions makes the account ERROR.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import partial

from scanner.core.check import Check
from scanner.core.dataset import Scope
from scanner.core.datasets.cloudfront import CLOUDFRONT_DISTRIBUTIONS, Distribution
from scanner.core.model import Resource, Result, Severity, Status
from scanner.core.view import View


def _judge(dist: Distribution, resource: Resource) -> Result:
    enabled = dist.logging_enabled  # raises FieldUnavailable: ERROR on this distribution
    evidence = {
        "api": "cloudfront:GetDistributionConfig",
        "distribution_enabled": dist.enabled,
        "Logging": {
            "Enabled": enabled,
            "Bucket": dist.logging_bucket,
            "Prefix": dist.logging_prefix,
        },
    }
    if enabled:
        return Result(
            status=Status.PASS,
            resource=resource,
            reason=f"Distribution {dist.id} writes standard logs to {dist.logging_bucket}.",
            evidence=evidence,
        )
    return Result(
        status=Status.FAIL,
        resource=resource,
        reason=f"Distribution {dist.id} has standard logging (legacy) disabled.",
        evidence=evidence,
    )


def evaluate(view: View) -> Iterator[Result]:
    """One result per distribution of the account."""
    for dist in view.get(CLOUDFRONT_DISTRIBUTIONS):
        resource = Resource(type="AwsCloudFrontDistribution", id=dist.arn, region=view.home_region)
        result = view.judge(resource, partial(_judge, dist, resource))
        if result is not None:
            yield result


CHECK = Check(
    id="cloudfront_logging_enabled",
    control_id="CloudFront.5",
    title="CloudFront distributions should have logging enabled",
    severity=Severity.MEDIUM,
    resource_type="AwsCloudFrontDistribution",
    scope=Scope.ACCOUNT,
    requires=(CLOUDFRONT_DISTRIBUTIONS,),
    evaluate=evaluate,
    rationale="CloudFront access logs record every viewer request (time, viewer IP, request, "
    "edge location), for security and access audits and forensic investigations.",
    remediation="Edit the distribution (aws cloudfront get-distribution-config / "
    "update-distribution) with Logging.Enabled=true and Logging.Bucket=<bucket>.s3.amazonaws.com",
    remediation_url="https://docs.aws.amazon.com/securityhub/latest/userguide/cloudfront-controls.html#cloudfront-5",
)

"""CloudFront.5: standard logging (legacy) per distribution, once per account."""

from __future__ import annotations

from checks.cloudfront_logging_enabled import CHECK
from scanner.core.datasets.cloudfront import CLOUDFRONT_DISTRIBUTIONS, Distribution
from scanner.core.model import CollectionError
from tests.builders import MEMBER, MGMT, InventoryBuilder, by_resource, run

HOME, OTHER = "us-east-1", "eu-west-1"


def dist(dist_id: str, logging: bool, enabled: bool = True) -> Distribution:
    return Distribution(
        id=dist_id,
        arn=f"arn:aws:cloudfront::{MGMT}:distribution/{dist_id}",
        enabled=enabled,
        logging_enabled=logging,
        logging_bucket="logs.s3.amazonaws.com" if logging else None,
    )


def arn(dist_id: str) -> str:
    return f"arn:aws:cloudfront::{MGMT}:distribution/{dist_id}"


def test_logging_passes_no_logging_fails_disabled_distributions_included() -> None:
    b = InventoryBuilder(regions=(HOME, OTHER))
    b.account(MGMT).put(
        CLOUDFRONT_DISTRIBUTIONS, [dist("ON", True), dist("OFF", False), dist("IDLE", False, False)]
    )
    findings = run(CHECK, b)
    # one finding per distribution (global: not one per region), in the home region
    assert by_resource(findings) == {
        (MGMT, HOME, arn("ON")): "PASS",
        (MGMT, HOME, arn("OFF")): "FAIL",
        (MGMT, HOME, arn("IDLE")): "FAIL",
    }
    assert {f.resource.type for f in findings} == {"AwsCloudFrontDistribution"}


def test_no_distribution_no_finding() -> None:
    b = InventoryBuilder(regions=(HOME,))
    b.account(MGMT).put(CLOUDFRONT_DISTRIBUTIONS, [])
    b.account(MEMBER).put(CLOUDFRONT_DISTRIBUTIONS, [dist("M", False)])
    assert [(f.account_id, f.status.value) for f in run(CHECK, b)] == [(MEMBER, "FAIL")]


def test_denied_config_is_error_on_that_distribution_only() -> None:
    denied = CollectionError(
        operation="GetDistributionConfig",
        iam_action="cloudfront:GetDistributionConfig",
        code="AccessDenied",
        message="denied",
        region=HOME,
    )
    unread = Distribution(
        id="X",
        arn=arn("X"),
        errors=Distribution.failed(denied, "logging_enabled", "logging_bucket", "logging_prefix"),
    )
    b = InventoryBuilder(regions=(HOME,))
    b.account(MGMT).put(CLOUDFRONT_DISTRIBUTIONS, [unread, dist("ON", True)])
    findings = run(CHECK, b)
    assert by_resource(findings) == {
        (MGMT, HOME, arn("X")): "ERROR",
        (MGMT, HOME, arn("ON")): "PASS",
    }


def test_denied_listing_is_error_never_fail() -> None:
    b = InventoryBuilder(regions=(HOME,))
    b.account(MGMT).fail(
        CLOUDFRONT_DISTRIBUTIONS,
        operation="ListDistributions",
        iam_action="cloudfront:ListDistributions",
    )
    findings = run(CHECK, b)
    assert [f.status.value for f in findings] == ["ERROR"]
    assert findings[0].errors[0].iam_action == "cloudfront:ListDistributions"

"""CloudFront collector: the account's distributions and their standard logging (legacy)
configuration, once per account (a global service, through its global endpoint).

A GetDistributionConfig call that fails is recorded on that distribution (its logging fields are
unavailable), so one unreadable distribution does not hide the others.
"""

from __future__ import annotations

from typing import Any

from scanner.aws.collector import Collector, on
from scanner.aws.engine import CollectContext
from scanner.aws.services._resource_call import FAILED, resource_call
from scanner.core.datasets.cloudfront import CLOUDFRONT_DISTRIBUTIONS, Distribution
from scanner.core.model import CollectionError


def fetch_distributions(ctx: CollectContext) -> list[Distribution]:
    cloudfront = ctx.client("cloudfront", ctx.home_region)
    summaries: list[dict[str, Any]] = []
    for page in cloudfront.get_paginator("list_distributions").paginate():
        summaries.extend(page.get("DistributionList", {}).get("Items") or ())
    out: list[Distribution] = []
    for item in summaries:
        dist_id = str(item["Id"])
        errors: dict[str, CollectionError] = {}
        raw = resource_call(
            errors,
            ("logging_enabled", "logging_bucket", "logging_prefix"),
            ctx.home_region,
            lambda: cloudfront.get_distribution_config(Id=dist_id),  # noqa: B023 - called at once
        )
        log: dict[str, Any] = {}
        if raw is not FAILED:
            log = raw.get("DistributionConfig", {}).get("Logging") or {}
        out.append(
            Distribution(
                id=dist_id,
                arn=str(
                    item.get("ARN")
                    or f"arn:{ctx.partition}:cloudfront::{ctx.account_id}:distribution/{dist_id}"
                ),
                domain_name=item.get("DomainName") or None,
                enabled=item.get("Enabled"),
                logging_enabled=bool(log.get("Enabled", False)),
                logging_bucket=log.get("Bucket") or None,
                logging_prefix=log.get("Prefix") or None,
                errors=errors,
            )
        )
    return sorted(out, key=lambda d: d.id)


COLLECTORS = (
    Collector(
        CLOUDFRONT_DISTRIBUTIONS,
        ("cloudfront:ListDistributions", "cloudfront:GetDistributionConfig"),
        fetch_distributions,
        events=on(
            "cloudfront.amazonaws.com",
            "CreateDistribution",
            "CreateDistributionWithTags",
            "CopyDistribution",
            "UpdateDistribution",
            "DeleteDistribution",
        ),
    ),
)

"""AWS Config aggregators collector: the configuration aggregators of each region."""

from __future__ import annotations

from typing import Any

from scanner.aws.collector import Collector, on
from scanner.aws.engine import CollectContext
from scanner.core.datasets.config_aggregators import (
    CONFIG_AGGREGATORS,
    AggregationSource,
    Aggregator,
)


def _source(raw: dict[str, Any]) -> AggregationSource:
    return AggregationSource(
        all_aws_regions=bool(raw.get("AllAwsRegions", False)),
        aws_regions=tuple(sorted(raw.get("AwsRegions") or ())),
        account_ids=tuple(sorted(raw.get("AccountIds") or ())),
    )


def fetch_aggregators(ctx: CollectContext) -> list[Aggregator]:
    raw_list = ctx.paginate(
        "config", "describe_configuration_aggregators", "ConfigurationAggregators"
    )
    out = [
        Aggregator(
            name=str(raw["ConfigurationAggregatorName"]),
            arn=raw.get("ConfigurationAggregatorArn") or None,
            organization_source=(
                _source(raw["OrganizationAggregationSource"])
                if raw.get("OrganizationAggregationSource")
                else None
            ),
            account_sources=tuple(_source(s) for s in raw.get("AccountAggregationSources") or ()),
        )
        for raw in raw_list
    ]
    return sorted(out, key=lambda a: a.name)


COLLECTORS = (
    Collector(
        CONFIG_AGGREGATORS,
        ("config:DescribeConfigurationAggregators",),
        fetch_aggregators,
        events=on(
            "config.amazonaws.com",
            "PutConfigurationAggregator",
            "DeleteConfigurationAggregator",
        ),
    ),
)

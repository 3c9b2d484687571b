"""AWS Config configuration aggregators per region (DescribeConfigurationAggregators)."""

from __future__ import annotations

from scanner.core.dataset import Dataset, Scope
from scanner.core.model import Frozen


class AggregationSource(Frozen):
    """An aggregator's source: the Organization, or a list of accounts; which regions it reads."""

    all_aws_regions: bool = False
    aws_regions: tuple[str, ...] = ()
    account_ids: tuple[str, ...] = ()

    def covers(self, regions: frozenset[str]) -> bool:
        return self.all_aws_regions or regions <= set(self.aws_regions)


class Aggregator(Frozen):
    """One configuration aggregator: at most one Organization source, or account sources."""

    name: str
    arn: str | None = None
    organization_source: AggregationSource | None = None
    account_sources: tuple[AggregationSource, ...] = ()


CONFIG_AGGREGATORS: Dataset[list[Aggregator]] = Dataset(
    "config.aggregators",
    Scope.REGION,
    list[Aggregator],
    "DescribeConfigurationAggregators in each region",
)

"""CloudWatch Logs metric filters per region (the first link of the CloudTrail alerting chain)."""

from __future__ import annotations

from scanner.core.dataset import Dataset, Scope
from scanner.core.model import Frozen


class MetricTransformation(Frozen):
    """Where a metric filter publishes: the metric an alarm must watch."""

    metric_name: str
    metric_namespace: str
    metric_value: str = "1"
    default_value: float | None = None
    unit: str | None = None


class MetricFilter(Frozen):
    """A metric filter as DescribeMetricFilters returns it (pattern verbatim)."""

    filter_name: str
    log_group_name: str
    filter_pattern: str = ""
    metric_transformations: tuple[MetricTransformation, ...] = ()
    creation_time: int | None = None


METRIC_FILTERS: Dataset[list[MetricFilter]] = Dataset(
    "logs.metric_filters",
    Scope.REGION,
    list[MetricFilter],
    "DescribeMetricFilters in each region (one entry per log group and filter name)",
)

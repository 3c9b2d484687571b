"""CloudWatch Logs metric filter collector: DescribeMetricFilters in each region."""

from __future__ import annotations

from typing import Any

from scanner.aws.collector import Collector, on
from scanner.aws.engine import CollectContext
from scanner.core.datasets.metric_filters import METRIC_FILTERS, MetricFilter, MetricTransformation


def _transformation(raw: dict[str, Any]) -> MetricTransformation:
    default = raw.get("defaultValue")
    return MetricTransformation(
        metric_name=raw["metricName"],
        metric_namespace=raw["metricNamespace"],
        metric_value=str(raw.get("metricValue", "1")),
        default_value=float(default) if default is not None else None,
        unit=raw.get("unit") or None,
    )


def fetch_metric_filters(ctx: CollectContext) -> list[MetricFilter]:
    """Every metric filter of the region, once per (log group, filter name).

    AWS replaces a filter that is put again under the same name; the last listed copy wins
    (some emulators append duplicates instead).
    """
    found: dict[tuple[str, str], MetricFilter] = {}
    for raw in ctx.paginate("logs", "describe_metric_filters", "metricFilters"):
        mf = MetricFilter(
            filter_name=raw["filterName"],
            log_group_name=raw["logGroupName"],
            filter_pattern=raw.get("filterPattern") or "",
            metric_transformations=tuple(
                _transformation(t) for t in raw.get("metricTransformations") or ()
            ),
            creation_time=raw.get("creationTime"),
        )
        found[(mf.log_group_name, mf.filter_name)] = mf
    return sorted(found.values(), key=lambda f: (f.log_group_name, f.filter_name))


COLLECTORS = (
    Collector(
        METRIC_FILTERS,
        ("logs:DescribeMetricFilters",),
        fetch_metric_filters,
        # deleting a log group deletes its metric filters
        events=on("logs.amazonaws.com", "PutMetricFilter", "DeleteMetricFilter", "DeleteLogGroup"),
    ),
)

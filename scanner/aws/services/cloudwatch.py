"""CloudWatch alarm collector: DescribeAlarms (metric alarms) in each region."""

from __future__ import annotations

from typing import Any

from scanner.aws.collector import Collector, on
from scanner.aws.engine import CollectContext
from scanner.core.datasets.cloudwatch import ALARMS, MetricAlarm, MetricRef


def _metric_refs(raw: list[dict[str, Any]]) -> tuple[MetricRef, ...]:
    out: list[MetricRef] = []
    for query in raw:
        metric = (query.get("MetricStat") or {}).get("Metric") or {}
        if metric.get("Namespace") and metric.get("MetricName"):
            out.append(MetricRef(namespace=metric["Namespace"], metric_name=metric["MetricName"]))
    return tuple(out)


def _alarm(raw: dict[str, Any]) -> MetricAlarm:
    threshold = raw.get("Threshold")
    return MetricAlarm(
        alarm_name=raw["AlarmName"],
        alarm_arn=raw["AlarmArn"],
        namespace=raw.get("Namespace") or None,
        metric_name=raw.get("MetricName") or None,
        metrics=_metric_refs(raw.get("Metrics") or []),
        actions_enabled=bool(raw.get("ActionsEnabled", True)),
        alarm_actions=tuple(raw.get("AlarmActions") or ()),
        ok_actions=tuple(raw.get("OKActions") or ()),
        insufficient_data_actions=tuple(raw.get("InsufficientDataActions") or ()),
        state_value=raw.get("StateValue"),
        statistic=raw.get("Statistic") or raw.get("ExtendedStatistic"),
        period=raw.get("Period"),
        evaluation_periods=raw.get("EvaluationPeriods"),
        threshold=float(threshold) if threshold is not None else None,
        comparison_operator=raw.get("ComparisonOperator"),
    )


def fetch_alarms(ctx: CollectContext) -> list[MetricAlarm]:
    raw = ctx.paginate("cloudwatch", "describe_alarms", "MetricAlarms")
    alarms = {a.alarm_arn: a for a in (_alarm(r) for r in raw)}
    return sorted(alarms.values(), key=lambda a: a.alarm_arn)


COLLECTORS = (
    Collector(
        ALARMS,
        ("cloudwatch:DescribeAlarms",),
        fetch_alarms,
        events=on(
            "monitoring.amazonaws.com",
            "PutMetricAlarm",
            "DeleteAlarms",
            "EnableAlarmActions",
            "DisableAlarmActions",
        ),
    ),
)

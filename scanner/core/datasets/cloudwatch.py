"""CloudWatch metric alarms per region."""

from __future__ import annotations

from scanner.core.dataset import Dataset, Scope
from scanner.core.model import Frozen


class MetricRef(Frozen):
    """A metric an alarm watches (namespace and name; dimensions are not compared)."""

    namespace: str
    metric_name: str


class MetricAlarm(Frozen):
    """A metric alarm as DescribeAlarms returns it (MetricAlarms only)."""

    alarm_name: str
    alarm_arn: str
    namespace: str | None = None
    metric_name: str | None = None
    metrics: tuple[MetricRef, ...] = ()
    """Metrics of a metric-math alarm (Metrics[].MetricStat.Metric)."""
    actions_enabled: bool = True
    alarm_actions: tuple[str, ...] = ()
    ok_actions: tuple[str, ...] = ()
    insufficient_data_actions: tuple[str, ...] = ()
    state_value: str | None = None
    statistic: str | None = None
    period: int | None = None
    evaluation_periods: int | None = None
    threshold: float | None = None
    comparison_operator: str | None = None

    def watches(self) -> tuple[MetricRef, ...]:
        """Every metric the alarm evaluates."""
        own = (
            (MetricRef(namespace=self.namespace, metric_name=self.metric_name),)
            if self.namespace and self.metric_name
            else ()
        )
        return own + self.metrics


ALARMS: Dataset[list[MetricAlarm]] = Dataset(
    "cloudwatch.metric_alarms",
    Scope.REGION,
    list[MetricAlarm],
    "DescribeAlarms (metric alarms) in each region",
)

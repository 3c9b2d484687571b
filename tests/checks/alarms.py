"""The trail -> metric filter -> alarm -> SNS chain as hand-built inventories for check tests."""

from __future__ import annotations

from typing import Any

from checks.cloudwatch_alarms import CHECKS, CONTROLS
from scanner.core.check import Check
from scanner.core.datasets.cloudtrail import Trail
from scanner.core.datasets.cloudwatch import ALARMS, MetricAlarm, MetricRef
from scanner.core.datasets.eventbridge import EVENT_RULES
from scanner.core.datasets.metric_filters import METRIC_FILTERS, MetricFilter, MetricTransformation
from scanner.core.datasets.sns import (
    TOPIC_SUBSCRIPTIONS,
    Subscription,
    TopicState,
    TopicSubscriptions,
)
from scanner.core.findings import Finding
from tests.builders import MGMT, AccountBuilder, InventoryBuilder, run
from tests.checks.trails import HOME, seed, trail

BY_ID = {c.control_id: c for c in CONTROLS}
CHECK_BY_ID: dict[str, Check] = {c.control_id or c.id: c for c in CHECKS}
ROOT = CHECK_BY_ID["CloudWatch.1"]
GROUP = "/cloudtrail/main"
NAMESPACE = "LogMetrics"
ROOT_PATTERN = BY_ID["CloudWatch.1"].patterns[0].text


def group_arn(account: str = MGMT, region: str = HOME, name: str = GROUP) -> str:
    return f"arn:aws:logs:{region}:{account}:log-group:{name}:*"


def topic_arn(account: str = MGMT, name: str = "alerts", region: str = HOME) -> str:
    return f"arn:aws:sns:{region}:{account}:{name}"


def logging_trail(
    name: str = "main", account: str = MGMT, home: str = HOME, **fields: Any
) -> Trail:
    fields.setdefault("cloudwatch_logs_log_group_arn", group_arn(account, home))
    return trail(name, account, home, **fields)


def metric_filter(
    pattern: str = ROOT_PATTERN,
    *,
    metric: str = "RootUsage",
    namespace: str = NAMESPACE,
    name: str | None = None,
    group: str = GROUP,
) -> MetricFilter:
    return MetricFilter(
        filter_name=name or f"filter-{metric}",
        log_group_name=group,
        filter_pattern=pattern,
        metric_transformations=(
            MetricTransformation(metric_name=metric, metric_namespace=namespace),
        ),
    )


def alarm(
    metric: str = "RootUsage",
    *,
    namespace: str = NAMESPACE,
    actions: tuple[str, ...] | None = None,
    enabled: bool = True,
    account: str = MGMT,
    region: str = HOME,
    name: str | None = None,
    math: bool = False,
) -> MetricAlarm:
    alarm_name = name or f"alarm-{metric}"
    ref = MetricRef(namespace=namespace, metric_name=metric)
    return MetricAlarm(
        alarm_name=alarm_name,
        alarm_arn=f"arn:aws:cloudwatch:{region}:{account}:alarm:{alarm_name}",
        namespace=None if math else namespace,
        metric_name=None if math else metric,
        metrics=(ref,) if math else (),
        actions_enabled=enabled,
        alarm_actions=(topic_arn(account, region=region),) if actions is None else actions,
    )


def subscribed(arn: str, *subscription_arns: str) -> TopicSubscriptions:
    subs = subscription_arns if subscription_arns else (f"{arn}:0f1e2d3c",)
    return TopicSubscriptions(
        topic_arn=arn,
        state=TopicState.LISTED,
        subscriptions=tuple(
            Subscription(subscription_arn=s, protocol="email", owner=arn.split(":")[4])
            for s in subs
        ),
    )


def alerting(
    acct: AccountBuilder,
    *,
    filters: list[MetricFilter] | None = None,
    alarms: list[MetricAlarm] | None = None,
    topics: dict[str, TopicSubscriptions] | None = None,
    region: str = HOME,
    rules: list[Any] | None = None,
) -> AccountBuilder:
    """Metric filters, alarms and topic subscriptions in `region` (empty in the others)."""
    account = acct.account_id
    if filters is None:
        filters = [metric_filter()]
    if alarms is None:
        alarms = [alarm(account=account, region=region)]
    if topics is None:
        arn = topic_arn(account, region=region)
        topics = {arn: subscribed(arn)}
    for r in acct.regions:
        here = r == region
        acct.put(METRIC_FILTERS, filters if here else [], r)
        acct.put(ALARMS, alarms if here else [], r)
        acct.put(TOPIC_SUBSCRIPTIONS, topics if here else {}, r)
        acct.put(EVENT_RULES, (rules or []) if here else [], r)
    return acct


def complete(b: InventoryBuilder, account: str = MGMT, **kwargs: Any) -> AccountBuilder:
    """A complete CloudWatch.1 chain on the account's own multi-Region trail."""
    acct = b.account(account)
    seed(acct, logging_trail(account=account))
    return alerting(acct, **kwargs)


def findings_for(check: Check, b: InventoryBuilder) -> dict[tuple[str, str], Finding]:
    out: dict[tuple[str, str], Finding] = {}
    for f in run(check, b):
        assert (f.account_id, f.region) not in out
        out[(f.account_id, f.region)] = f
    return out


def one(check: Check, b: InventoryBuilder, account: str = MGMT, region: str = HOME) -> Finding:
    return findings_for(check, b)[(account, region)]

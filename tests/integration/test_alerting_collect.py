"""Alerting collectors (metric filters, alarms, SNS subscriptions, EventBridge rules) against moto,
and the alerting checks on what they collect."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from scanner.aws.iam import iam_action
from scanner.aws.permissions import scan_actions
from scanner.aws.session import ClientSettings, Sessions
from scanner.core.datasets.cloudwatch import ALARMS
from scanner.core.datasets.eventbridge import EVENT_RULES
from scanner.core.datasets.metric_filters import METRIC_FILTERS
from scanner.core.datasets.sns import TOPIC_SUBSCRIPTIONS, TopicState
from scanner.core.evaluate import evaluate
from scanner.core.findings import Finding
from scanner.core.frameworks import Frameworks
from scanner.core.inventory import Inventory
from scanner.core.registry import all_checks, select_checks
from scanner.core.view import OrgView
from tests.conftest import DEFAULT_ACCOUNT, Faults
from tests.integration.helpers import good_trail

ClientFactory = Callable[..., Any]
HOME, OTHER = "us-east-1", "eu-west-1"
ACCOUNT = f"AWS::::Account:{DEFAULT_ACCOUNT}"
CHECKS = (
    "CloudWatch.1",
    "CloudWatch.15",
    "CloudWatch.17",
    "critical_api_alerting",
    "securityhub_findings_to_siem",
)
# Equivalent to CloudWatch.1's pattern: reordered, re-spaced, re-quoted.
ROOT = (
    "{ $.eventType != AwsServiceEvent && ($.userIdentity.type = Root) "
    "&& $.userIdentity.invokedBy NOT EXISTS }"
)


def _root_filter(client: ClientFactory, group: str = "/main/trail", times: int = 1) -> None:
    for _ in range(times):  # moto appends a copy on every put; AWS replaces
        client("logs").put_metric_filter(
            logGroupName=group,
            filterName="root-usage",
            filterPattern=ROOT,
            metricTransformations=[
                {"metricName": "RootUsage", "metricNamespace": "LogMetrics", "metricValue": "1"}
            ],
        )


def _alarm(client: ClientFactory, actions: list[str], *, enabled: bool = True) -> str:
    cw = client("cloudwatch")
    cw.put_metric_alarm(
        AlarmName="root-usage",
        MetricName="RootUsage",
        Namespace="LogMetrics",
        Statistic="Sum",
        Period=300,
        EvaluationPeriods=1,
        Threshold=1,
        ComparisonOperator="GreaterThanOrEqualToThreshold",
        ActionsEnabled=enabled,
        AlarmActions=actions,
    )
    arn: str = cw.describe_alarms(AlarmNames=["root-usage"])["MetricAlarms"][0]["AlarmArn"]
    return arn


def _topic(client: ClientFactory, subscribe: bool = True) -> str:
    sns = client("sns")
    arn: str = sns.create_topic(Name="security-alerts")["TopicArn"]
    if subscribe:
        sns.subscribe(TopicArn=arn, Protocol="email", Endpoint="soc@example.com")
    return arn


def _rule(client: ClientFactory, name: str, pattern: dict[str, Any], target: str | None) -> None:
    events = client("events")
    events.put_rule(Name=name, EventPattern=json.dumps(pattern), State="ENABLED")
    if target:
        events.put_targets(Rule=name, Targets=[{"Id": "1", "Arn": target}])


def _statuses(inv: Inventory) -> dict[tuple[str, str, str], str]:
    checks = select_checks(all_checks(), list(CHECKS))
    out: dict[tuple[str, str, str], str] = {}
    for f in evaluate(inv, checks, Frameworks(())):
        out[(f.control_id or f.check_id, f.region, f.resource.id)] = f.status.value
    return out


def _findings(inv: Inventory, check: str) -> list[Finding]:
    checks = select_checks(all_checks(), [check])
    return list(evaluate(inv, checks, Frameworks(())))


def test_collects_the_chain_and_the_checks_pass(
    account_client: ClientFactory,
    scan_inventory: Callable[..., Inventory],
    moto_endpoint: str,
    faults: Faults,
) -> None:
    good_trail(account_client)
    _root_filter(account_client, times=3)
    topic = _topic(account_client)
    alarm_arn = _alarm(account_client, [topic])
    _rule(
        account_client,
        "siem",
        {"source": ["aws.securityhub"], "detail-type": ["Security Hub Findings - Imported"]},
        topic,
    )
    _rule(account_client, "no-target", {"source": ["aws.iam"]}, None)
    sessions = Sessions(
        None, ClientSettings(endpoint_url=moto_endpoint, max_attempts=2, client_hook=faults.hook)
    )
    inv = scan_inventory(CHECKS, sessions=sessions)
    org = OrgView(inv)

    filters = org.get(DEFAULT_ACCOUNT, METRIC_FILTERS, HOME)
    assert [(f.log_group_name, f.filter_name, f.filter_pattern) for f in filters] == [
        ("/main/trail", "root-usage", ROOT)
    ]
    assert filters[0].metric_transformations[0].metric_name == "RootUsage"
    assert org.get(DEFAULT_ACCOUNT, METRIC_FILTERS, OTHER) == []
    (alarm,) = org.get(DEFAULT_ACCOUNT, ALARMS, HOME)
    assert (alarm.alarm_arn, alarm.actions_enabled, alarm.alarm_actions) == (
        alarm_arn,
        True,
        (topic,),
    )
    subs = org.get(DEFAULT_ACCOUNT, TOPIC_SUBSCRIPTIONS, HOME)
    assert subs[topic].state is TopicState.LISTED
    assert [s.confirmed for s in subs[topic].subscriptions] == [True]
    rules = {r.name: r for r in org.get(DEFAULT_ACCOUNT, EVENT_RULES, HOME)}
    assert [t.arn for t in rules["siem"].targets] == [topic]
    assert rules["no-target"].targets == () and rules["siem"].enabled
    assert org.get(DEFAULT_ACCOUNT, EVENT_RULES, OTHER) == []

    statuses = _statuses(inv)
    assert statuses[("CloudWatch.1", HOME, ACCOUNT)] == "PASS"
    assert ("CloudWatch.1", OTHER, ACCOUNT) not in statuses  # the trail is homed in us-east-1
    assert statuses[("CloudWatch.15", HOME, alarm_arn)] == "PASS"
    assert statuses[("CloudWatch.17", HOME, alarm_arn)] == "PASS"
    assert statuses[("securityhub_findings_to_siem", HOME, ACCOUNT)] == "PASS"
    assert statuses[("securityhub_findings_to_siem", OTHER, ACCOUNT)] == "FAIL"
    assert statuses[("critical_api_alerting", HOME, ACCOUNT)] == "FAIL"  # only root is covered

    # Every call the scan made is declared by a collector (or discovery), and none repeated.
    checks = select_checks(all_checks(), list(CHECKS))
    declared = set(scan_actions(checks))
    made = {iam_action(service, op) for (_, _, service, op) in sessions.calls.calls}
    made.discard("sts:GetCallerIdentity")  # needs no permission
    assert made <= declared, made - declared
    assert {"logs:DescribeMetricFilters", "cloudwatch:DescribeAlarms"} <= made
    assert {"sns:ListSubscriptionsByTopic", "events:ListRules", "events:ListTargetsByRule"} <= made
    assert sessions.calls.repeated == 0


def test_access_denied_on_describe_alarms_is_error_never_a_verdict(
    account_client: ClientFactory, scan_inventory: Callable[..., Inventory], faults: Faults
) -> None:
    good_trail(account_client)
    _root_filter(account_client)
    _alarm(account_client, [_topic(account_client)])
    faults.deny("DescribeAlarms")
    inv = scan_inventory(CHECKS)
    acct = inv.accounts[0]
    alarms = acct.record(ALARMS.name, HOME)
    assert alarms is not None and alarms.error is not None
    assert (alarms.error.operation, alarms.error.iam_action, alarms.error.code) == (
        "DescribeAlarms",
        "cloudwatch:DescribeAlarms",
        "AccessDenied",
    )
    subs = acct.record(TOPIC_SUBSCRIPTIONS.name, HOME)
    assert subs is not None and subs.error is not None  # depends on the alarms
    statuses = _statuses(inv)
    assert statuses[("CloudWatch.1", HOME, ACCOUNT)] == "ERROR"
    assert statuses[("CloudWatch.15", HOME, ACCOUNT)] == "ERROR"
    assert statuses[("CloudWatch.17", OTHER, ACCOUNT)] == "ERROR"
    assert statuses[("critical_api_alerting", HOME, ACCOUNT)] == "ERROR"
    assert statuses[("securityhub_findings_to_siem", HOME, ACCOUNT)] == "FAIL"  # needs no alarms
    (cw1,) = [f for f in _findings(inv, "CloudWatch.1") if f.region == HOME]
    assert "DescribeAlarms" in {e.operation for e in cw1.errors}


def test_topic_of_another_account_is_not_listed_and_warns(
    account_client: ClientFactory, scan_inventory: Callable[..., Inventory], faults: Faults
) -> None:
    good_trail(account_client)
    _root_filter(account_client)
    central = f"arn:aws:sns:{HOME}:999999999999:central-alerts"
    _alarm(account_client, [central])
    faults.deny("ListSubscriptionsByTopic")  # proves the collector does not call it
    inv = scan_inventory(["CloudWatch.1"])
    subs = OrgView(inv).get(DEFAULT_ACCOUNT, TOPIC_SUBSCRIPTIONS, HOME)
    assert subs[central].state is TopicState.CROSS_ACCOUNT
    (f,) = [f for f in _findings(inv, "CloudWatch.1") if f.region == HOME]
    assert (f.status.value, f.reason_code) == ("WARNING", "SNS_TOPIC_CROSS_ACCOUNT")


def test_missing_topic_and_disabled_actions(
    account_client: ClientFactory, scan_inventory: Callable[..., Inventory]
) -> None:
    good_trail(account_client)
    _root_filter(account_client)
    gone = f"arn:aws:sns:{HOME}:{DEFAULT_ACCOUNT}:deleted-topic"
    alarm_arn = _alarm(account_client, [gone])
    inv = scan_inventory(CHECKS)
    subs = OrgView(inv).get(DEFAULT_ACCOUNT, TOPIC_SUBSCRIPTIONS, HOME)
    assert subs[gone].state is TopicState.NOT_FOUND
    (f,) = [f for f in _findings(inv, "CloudWatch.1") if f.region == HOME]
    assert (f.status.value, f.reason_code) == ("FAIL", "SNS_TOPIC_INVALID")

    _alarm(account_client, [_topic(account_client)], enabled=False)  # replaces the alarm
    inv = scan_inventory(CHECKS)
    statuses = _statuses(inv)
    assert statuses[("CloudWatch.17", HOME, alarm_arn)] == "FAIL"
    assert statuses[("CloudWatch.15", HOME, alarm_arn)] == "PASS"
    (f,) = [f for f in _findings(inv, "CloudWatch.1") if f.region == HOME]
    assert (f.status.value, f.reason_code) == ("FAIL", "CLOUDWATCH_ALARM_ACTIONS_NOT_VALID")


def test_narrower_filter_fails_and_eventbridge_rules_cover_critical_calls(
    account_client: ClientFactory, scan_inventory: Callable[..., Inventory]
) -> None:
    good_trail(account_client)
    account_client("logs").put_metric_filter(
        logGroupName="/main/trail",
        filterName="root-logins",
        filterPattern='{ $.userIdentity.type = "Root" && $.eventName = "ConsoleLogin" }',
        metricTransformations=[
            {"metricName": "RootUsage", "metricNamespace": "LogMetrics", "metricValue": "1"}
        ],
    )
    topic = _topic(account_client)
    _alarm(account_client, [topic])
    names = ["ScheduleKeyDeletion", "DisableKey", "AuthorizeSecurityGroupIngress"]
    names += ["StopLogging", "DeleteTrail", "UpdateTrail"]
    regional = {"source": ["aws.kms", "aws.ec2", "aws.cloudtrail"], "detail": {"eventName": names}}
    for region in (HOME, OTHER):
        _rule(lambda s, r=region: account_client(s, r), "regional", regional, topic)
    _rule(
        account_client,
        "iam",
        {
            "source": ["aws.iam"],
            "detail": {"eventName": [{"suffix": "Role"}, {"suffix": "Policy"}]},
        },
        topic,
    )
    inv = scan_inventory(CHECKS)
    (cw1,) = [f for f in _findings(inv, "CloudWatch.1") if f.region == HOME]
    assert (cw1.status.value, cw1.reason_code) == ("FAIL", "CLOUDTRAIL_METRIC_FILTER_NOT_VALID")
    (crit,) = _findings(inv, "critical_api_alerting")
    assert crit.status.value == "PASS", crit.reason
    covered = {e["event"]: e["covered_by"] for e in crit.evidence["events"]}
    assert covered["signin:ConsoleLogin (root)"] == ["metric filter"]
    assert covered["iam:DeleteRole"] == ["EventBridge"]
    assert covered["kms:DisableKey"] == ["EventBridge"]

"""CloudWatch.15 (alarm has an ALARM action) and CloudWatch.17 (alarm actions enabled), per alarm.

Both are evaluated on every metric alarm of the region (DescribeAlarms, MetricAlarms), with
Security Hub's defaults: CloudWatch.15 requires at least one AlarmActions entry (OK and
INSUFFICIENT_DATA actions are not required); CloudWatch.17 requires ActionsEnabled true.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from scanner.core.check import Check
from scanner.core.dataset import Scope
from scanner.core.datasets.cloudwatch import ALARMS, MetricAlarm
from scanner.core.model import Resource, Result, Severity, Status
from scanner.core.view import View

URL = "https://docs.aws.amazon.com/securityhub/latest/userguide/cloudwatch-controls.html"


def alarm_resource(alarm: MetricAlarm, view: View) -> Resource:
    parts = alarm.alarm_arn.split(":")
    return Resource(
        type="AwsCloudWatchAlarm",
        id=alarm.alarm_arn,
        region=parts[3] if len(parts) > 4 else view.region,
        account_id=parts[4] if len(parts) > 4 else view.account_id,
    )


def _has_alarm_action(alarm: MetricAlarm) -> tuple[bool, str]:
    if alarm.alarm_actions:
        return True, f"The alarm has {len(alarm.alarm_actions)} action(s) for the ALARM state."
    return False, "The alarm has no action for the ALARM state: nobody is notified."


def _actions_enabled(alarm: MetricAlarm) -> tuple[bool, str]:
    if alarm.actions_enabled:
        return True, "Alarm actions are enabled."
    return False, "Alarm actions are disabled: the alarm changes state but triggers nothing."


def evaluator(
    rule: Callable[[MetricAlarm], tuple[bool, str]],
) -> Callable[[View], Iterator[Result]]:
    def evaluate(view: View) -> Iterator[Result]:
        for alarm in view.get(ALARMS):
            ok, reason = rule(alarm)
            yield Result(
                status=Status.PASS if ok else Status.FAIL,
                resource=alarm_resource(alarm, view),
                reason=reason,
                evidence={
                    "api": "cloudwatch:DescribeAlarms",
                    "AlarmName": alarm.alarm_name,
                    "ActionsEnabled": alarm.actions_enabled,
                    "AlarmActions": list(alarm.alarm_actions),
                    "OKActions": list(alarm.ok_actions),
                    "InsufficientDataActions": list(alarm.insufficient_data_actions),
                },
            )

    return evaluate


CHECKS = (
    Check(
        id="cloudwatch_alarm_has_action",
        control_id="CloudWatch.15",
        title="CloudWatch alarms should have specified actions configured",
        severity=Severity.HIGH,
        resource_type="AwsCloudWatchAlarm",
        scope=Scope.REGION,
        requires=(ALARMS,),
        evaluate=evaluator(_has_alarm_action),
        rationale="An alarm without an action for the ALARM state changes colour in the console "
        "and notifies no one.",
        remediation="aws cloudwatch put-metric-alarm ... --alarm-actions <sns-topic-arn> "
        "(re-put the alarm with its settings and an action)",
        remediation_url=f"{URL}#cloudwatch-15",
    ),
    Check(
        id="cloudwatch_alarm_actions_enabled",
        control_id="CloudWatch.17",
        title="CloudWatch alarm actions should be activated",
        severity=Severity.HIGH,
        resource_type="AwsCloudWatchAlarm",
        scope=Scope.REGION,
        requires=(ALARMS,),
        evaluate=evaluator(_actions_enabled),
        rationale="With actions disabled an alarm triggers none of its actions, whatever they are.",
        remediation="aws cloudwatch enable-alarm-actions --alarm-names <alarm>",
        remediation_url=f"{URL}#cloudwatch-17",
    ),
)

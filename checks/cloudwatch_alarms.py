"""CloudWatch.1-14: a metric filter, alarm and subscribed SNS topic for each CIS monitoring pattern.

One data table (CONTROLS) drives fourteen checks. Each verifies the whole chain of
checks.lib.alarm_chain for the multi-Region trails the account owns and that are homed in the
evaluated region: logging, all management events, a CloudWatch Logs group; a metric filter on
that group whose pattern covers the control's; an alarm on the filter's metric with actions
enabled and an SNS action; the topic with a confirmed subscription.

Decisions (controls.md 1.7 / 4.1, avoiding a false PASS):

- Semantic coverage, not string equality: a filter is valid when it matches every event of the
  representative CloudTrail corpus (checks.lib.cloudtrail_events) that the control requires, so
  whitespace, term order, quoting and redundant parentheses do not matter. A narrower filter
  FAILs naming the events it misses; an unparsable one FAILs with the parse error.
- The required events are those that EVERY accepted pattern of the control matches (their
  intersection). Accepted: Security Hub's pattern (current, and the 2023 one where it differs)
  and the CIS patterns of controls.md 6.3 (v1.2.0 and v5.0.0; the UNCONFIRMED v1.4.0 4.1
  transcription is broader than Security Hub's and would not change the intersection). So for
  CloudWatch.4/.13 the eventSource-scoped Security Hub pattern is the yardstick (it is narrower
  than the CIS one, which also matches e.g. Organizations/IoT `CreatePolicy` or API Gateway
  `CreateRoute`): both pass. For CloudWatch.2 the CIS 5.0.0 pattern (which drops `HeadBucket`
  and log-delivery denials) and Security Hub's both pass. `&&` binds tighter than `||`.
- A filter that matches more than required (even every event) is accepted: it still alerts on
  every required event. Security Hub's own matcher is an exact string comparison and would
  FAIL such filters and the equivalent rewrites alike (controls.md 4.1); the issue asks for
  semantic coverage, which is what we give.
- "No data" (no finding) where Security Hub gives none: the account's multi-Region trails are
  all homed in another region, or owned by another account (an organization trail seen from a
  member). Security Hub's reason-code table alternatively lists CLOUDTRAIL_REGION_INVAILD
  (WARNING) for the other-region case; we follow the control pages (no data).
- FAIL CLOUDTRAIL_MULTI_REGION_NOT_PRESENT when the account uses no multi-Region trail at all;
  WARNING SNS_TOPIC_CROSS_ACCOUNT when the only usable alarms notify another account's topic.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from checks.lib.alarm_chain import (
    MULTI_REGION_NOT_PRESENT,
    Outcome,
    best,
    coverage,
    required_labels,
    trail_chain,
)
from checks.lib.cloudtrail_events import (
    CLOUDTRAIL_EVENTS,
    CONFIG_EVENTS,
    GATEWAY_EVENTS,
    IAM_POLICY_EVENTS,
    NACL_EVENTS,
    ROUTE_TABLE_EVENTS,
    S3_POLICY_EVENTS,
    SECURITY_GROUP_EVENTS,
    VPC_EVENTS,
)
from checks.lib.trails import visible_trails
from scanner.core.check import Check
from scanner.core.dataset import Scope
from scanner.core.datasets.cloudtrail import TRAIL_SELECTORS, TRAIL_STATUS, TRAILS
from scanner.core.datasets.cloudwatch import ALARMS
from scanner.core.datasets.metric_filters import METRIC_FILTERS
from scanner.core.datasets.sns import TOPIC_SUBSCRIPTIONS
from scanner.core.model import Result, Severity, Status
from scanner.core.view import EVIDENCE_CALLS, View, error_result

URL = "https://docs.aws.amazon.com/securityhub/latest/userguide/cloudwatch-controls.html"
APIS = (
    "cloudtrail:DescribeTrails",
    "cloudtrail:GetTrailStatus",
    "cloudtrail:GetEventSelectors",
    "logs:DescribeMetricFilters",
    "cloudwatch:DescribeAlarms",
    "sns:ListSubscriptionsByTopic",
)


@dataclass(frozen=True)
class Pattern:
    source: str
    text: str


@dataclass(frozen=True)
class AlarmControl:
    """One row of the table: the control, its check id and its accepted patterns (the first is
    Security Hub's current remediation pattern)."""

    control_id: str
    check_id: str
    title: str
    subject: str
    patterns: tuple[Pattern, ...]


def _names(*names: str) -> str:
    return " || ".join(f"($.eventName={n})" for n in names)


def _spaced(*names: str) -> str:
    return " || ".join(f"($.eventName = {n})" for n in names)


def _sh_cis(sh: str, cis5: str) -> tuple[Pattern, ...]:
    return (Pattern("Security Hub", sh), Pattern("CIS v5.0.0", cis5))


# Event names from the corpus module (one list per CIS monitoring item).
_IAM = IAM_POLICY_EVENTS
_TRAIL = CLOUDTRAIL_EVENTS
_S3 = S3_POLICY_EVENTS
_CONFIG = CONFIG_EVENTS
_SG = tuple(e for e in SECURITY_GROUP_EVENTS if e != "ModifySecurityGroupRules")  # CIS v5 only
_NACL = NACL_EVENTS
_GW = GATEWAY_EVENTS
_ROUTE = ROUTE_TABLE_EVENTS
_VPC = VPC_EVENTS

_ROOT = (
    '{$.userIdentity.type="Root" && $.userIdentity.invokedBy NOT EXISTS && '
    '$.eventType !="AwsServiceEvent"}'
)
_UNAUTHORIZED = '{($.errorCode="*UnauthorizedOperation") || ($.errorCode="AccessDenied*")}'
_NO_MFA = (
    '{ ($.eventName = "ConsoleLogin") && ($.additionalEventData.MFAUsed != "Yes") && '
    '($.userIdentity.type = "IAMUser") && ($.responseElements.ConsoleLogin = "Success") }'
)

CONTROLS: tuple[AlarmControl, ...] = (
    AlarmControl(
        "CloudWatch.1",
        "cloudwatch_alarm_root_usage",
        'A log metric filter and alarm should exist for usage of the "root" user',
        "usage of the root user",
        _sh_cis(
            _ROOT,
            '{ $.userIdentity.type = "Root" && $.userIdentity.invokedBy NOT EXISTS && '
            '$.eventType != "AwsServiceEvent" }',
        ),
    ),
    AlarmControl(
        "CloudWatch.2",
        "cloudwatch_alarm_unauthorized_api_calls",
        "Ensure a log metric filter and alarm exist for unauthorized API calls",
        "unauthorized API calls",
        (
            Pattern("Security Hub", _UNAUTHORIZED),
            Pattern(
                "CIS v1.2.0",
                '{ ($.errorCode = "*UnauthorizedOperation") || ($.errorCode = "AccessDenied*") }',
            ),
            Pattern(
                "CIS v5.0.0",
                '{ ($.errorCode ="*UnauthorizedOperation") || ($.errorCode ="AccessDenied*") && '
                '($.sourceIPAddress!="delivery.logs.amazonaws.com") && '
                '($.eventName!="HeadBucket") }',
            ),
        ),
    ),
    AlarmControl(
        "CloudWatch.3",
        "cloudwatch_alarm_console_signin_without_mfa",
        "Ensure a log metric filter and alarm exist for Management Console sign-in without MFA",
        "console sign-in without MFA",
        (
            Pattern("Security Hub", _NO_MFA),
            Pattern(
                "CIS v1.2.0",
                '{ ($.eventName = "ConsoleLogin") && ($.additionalEventData.MFAUsed != "Yes") }',
            ),
            Pattern("CIS v5.0.0 (SSO variant)", _NO_MFA),
        ),
    ),
    AlarmControl(
        "CloudWatch.4",
        "cloudwatch_alarm_iam_policy_changes",
        "Ensure a log metric filter and alarm exist for IAM policy changes",
        "IAM policy changes",
        (
            Pattern("Security Hub", f"{{($.eventSource=iam.amazonaws.com) && ({_names(*_IAM)})}}"),
            Pattern("Security Hub (2023)", f"{{{_names(*_IAM)}}}"),
            Pattern("CIS v5.0.0", "{" + "||".join(f"($.eventName={n})" for n in _IAM) + "}"),
        ),
    ),
    AlarmControl(
        "CloudWatch.5",
        "cloudwatch_alarm_cloudtrail_changes",
        "Ensure a log metric filter and alarm exist for CloudTrail configuration changes",
        "CloudTrail configuration changes",
        _sh_cis(f"{{{_names(*_TRAIL)}}}", f"{{ {_spaced(*_TRAIL)} }}"),
    ),
    AlarmControl(
        "CloudWatch.6",
        "cloudwatch_alarm_console_auth_failures",
        "Ensure a log metric filter and alarm exist for AWS Management Console authentication "
        "failures",
        "console authentication failures",
        _sh_cis(
            '{($.eventName=ConsoleLogin) && ($.errorMessage="Failed authentication")}',
            '{ ($.eventName = ConsoleLogin) && ($.errorMessage = "Failed authentication") }',
        ),
    ),
    AlarmControl(
        "CloudWatch.7",
        "cloudwatch_alarm_cmk_disable_or_deletion",
        "Ensure a log metric filter and alarm exist for disabling or scheduled deletion of "
        "customer managed keys",
        "disabling or scheduled deletion of customer managed keys",
        _sh_cis(
            "{($.eventSource=kms.amazonaws.com) && "
            "(($.eventName=DisableKey) || ($.eventName=ScheduleKeyDeletion))}",
            "{($.eventSource = kms.amazonaws.com) && "
            "(($.eventName=DisableKey)||($.eventName=ScheduleKeyDeletion)) }",
        ),
    ),
    AlarmControl(
        "CloudWatch.8",
        "cloudwatch_alarm_s3_bucket_policy_changes",
        "Ensure a log metric filter and alarm exist for S3 bucket policy changes",
        "S3 bucket policy changes",
        _sh_cis(
            f"{{($.eventSource=s3.amazonaws.com) && ({_names(*_S3)})}}",
            f"{{ ($.eventSource = s3.amazonaws.com) && ({_spaced(*_S3)}) }}",
        ),
    ),
    AlarmControl(
        "CloudWatch.9",
        "cloudwatch_alarm_config_changes",
        "Ensure a log metric filter and alarm exist for AWS Config configuration changes",
        "AWS Config configuration changes",
        _sh_cis(
            f"{{($.eventSource=config.amazonaws.com) && ({_names(*_CONFIG)})}}",
            "{ ($.eventSource = config.amazonaws.com) && ("
            + "||".join(f"($.eventName={n})" for n in _CONFIG)
            + ") }",
        ),
    ),
    AlarmControl(
        "CloudWatch.10",
        "cloudwatch_alarm_security_group_changes",
        "Ensure a log metric filter and alarm exist for security group changes",
        "security group changes",
        _sh_cis(f"{{{_names(*_SG)}}}", f"{{ {_spaced(*_SG, 'ModifySecurityGroupRules')} }}"),
    ),
    AlarmControl(
        "CloudWatch.11",
        "cloudwatch_alarm_nacl_changes",
        "Ensure a log metric filter and alarm exist for changes to Network Access Control Lists "
        "(NACL)",
        "changes to network ACLs",
        _sh_cis(f"{{{_names(*_NACL)}}}", f"{{ {_spaced(*_NACL)} }}"),
    ),
    AlarmControl(
        "CloudWatch.12",
        "cloudwatch_alarm_network_gateway_changes",
        "Ensure a log metric filter and alarm exist for changes to network gateways",
        "changes to network gateways",
        _sh_cis(f"{{{_names(*_GW)}}}", f"{{ {_spaced(*_GW)} }}"),
    ),
    AlarmControl(
        "CloudWatch.13",
        "cloudwatch_alarm_route_table_changes",
        "Ensure a log metric filter and alarm exist for route table changes",
        "route table changes",
        (
            Pattern(
                "Security Hub", f"{{($.eventSource=ec2.amazonaws.com) && ({_names(*_ROUTE)})}}"
            ),
            Pattern("Security Hub (2023)", f"{{{_names(*_ROUTE)}}}"),
            Pattern(
                "CIS v5.0.0 (audit)",
                f"{{($.eventSource = ec2.amazonaws.com) && {_spaced(*_ROUTE)} }}",
            ),
            Pattern("CIS v5.0.0 (remediation)", f"{{ {_spaced(*_ROUTE)} }}"),
        ),
    ),
    AlarmControl(
        "CloudWatch.14",
        "cloudwatch_alarm_vpc_changes",
        "Ensure a log metric filter and alarm exist for VPC changes",
        "VPC changes",
        _sh_cis(f"{{{_names(*_VPC)}}}", f"{{ {_spaced(*_VPC)} }}"),
    ),
)


def _result(
    view: View, outcome: Outcome, control: AlarmControl, evidence: dict[str, Any]
) -> Result:
    if outcome.path:
        evidence["covered_by"] = outcome.path
    if outcome.status is Status.ERROR:
        return error_result(view.account_resource(), outcome.errors, evidence)
    if outcome.status is Status.PASS:
        reason = f"Alarms fire on {control.subject}: " + ", ".join(
            f"{k} {v}" for k, v in outcome.path.items()
        )
    else:
        reason = f"No working alarm on {control.subject}: {outcome.why}."
    if outcome.errors:
        evidence["failed_calls"] = [e.model_dump() for e in outcome.errors[:EVIDENCE_CALLS]]
    return Result(
        status=outcome.status,
        resource=view.account_resource(),
        reason=reason,
        evidence=evidence,
        reason_code=outcome.reason_code if outcome.status is not Status.PASS else None,
    )


def evaluator(control: AlarmControl) -> Callable[[View], Iterator[Result]]:
    def evaluate(view: View) -> Iterator[Result]:
        evidence: dict[str, Any] = {
            "api": list(APIS),
            "required_pattern": control.patterns[0].text,
            "accepted_patterns": [
                {"source": p.source, "pattern": p.text} for p in control.patterns
            ],
        }
        here = [
            t
            for t in view.get(TRAILS)
            if t.is_multi_region
            and t.owner_account == view.account_id
            and t.home_region == view.region
        ]
        if not here:
            visible = visible_trails(view, view.region)
            if any(vt.trail.is_multi_region for vt in visible.trails):
                return  # Security Hub: no data (trail homed elsewhere or another account's)
            if visible.errors:
                outcome = Outcome(
                    Status.ERROR, "organization trails unknown", errors=visible.errors
                )
            else:
                outcome = Outcome(
                    Status.FAIL,
                    "the account uses no multi-Region CloudTrail trail",
                    MULTI_REGION_NOT_PRESENT,
                )
            evidence["trails"] = []
            yield _result(view, outcome, control, evidence)
            return
        required = required_labels(tuple(p.text for p in control.patterns), view.account_id)
        accept = coverage(required, view.account_id)
        outcomes = [trail_chain(view, t, accept) for t in here]
        evidence["required_events"] = len(required)
        evidence["trails"] = [{**o.facts, "status": o.status.value, "why": o.why} for o in outcomes]
        yield _result(view, best(outcomes), control, evidence)

    return evaluate


def _check(control: AlarmControl) -> Check:
    number = control.control_id.split(".")[1]
    return Check(
        id=control.check_id,
        control_id=control.control_id,
        title=control.title,
        severity=Severity.LOW,
        resource_type="AwsAccount",
        scope=Scope.REGION,
        requires=(
            TRAILS,
            TRAIL_STATUS,
            TRAIL_SELECTORS,
            METRIC_FILTERS,
            ALARMS,
            TOPIC_SUBSCRIPTIONS,
        ),
        evaluate=evaluator(control),
        rationale=f"Real-time alerting on {control.subject} lets responders act within minutes "
        "instead of discovering the activity in a later log review. An alarm only helps if "
        "its filter matches the events, its actions are enabled and someone is subscribed.",
        remediation="On the log group of the multi-Region trail: aws logs put-metric-filter "
        f"--log-group-name <trail-log-group> --filter-name <name> --filter-pattern "
        f"'{control.patterns[0].text}' --metric-transformations metricName=<metric>,"
        "metricNamespace=LogMetrics,metricValue=1; then aws cloudwatch put-metric-alarm "
        "--alarm-name <name> --metric-name <metric> --namespace LogMetrics --statistic Sum "
        "--period 300 --threshold 1 --comparison-operator GreaterThanOrEqualToThreshold "
        "--evaluation-periods 1 --alarm-actions <sns-topic-arn>; and subscribe (and confirm) "
        "an endpoint to the topic.",
        remediation_url=f"{URL}#cloudwatch-{number}",
    )


CHECKS = tuple(_check(c) for c in CONTROLS)

"""Demo alerting: CIS metric filters + alarms on the organization trail's log group, and rules.

In the management account (us-east-1, the organization trail's log group):

- complete chains, with patterns that are equivalent to the controls' but written differently
  (spacing, term order, quoting, extra parentheses, the CIS variants): CloudWatch.1, 2, 4, 5,
  7, 13 and the CIS 4.15 Organizations filter (every Organizations call) -> a topic with an
  email subscription;
- broken chains: CloudWatch.3 (filter, no alarm), .6 (alarm actions disabled), .8 (unparsable
  pattern: single quotes), .9 (alarm notifies a topic of the log-archive account: WARNING),
  .10 (narrower filter: misses two event names), .11 (alarm without actions), .12 (topic
  without subscribers), .14 (no filter at all);
- EventBridge rules for some critical API calls (IAM role changes, root sign-in in us-east-1;
  key deletion in us-east-1 only; a disabled one for security groups) and the Security Hub
  findings rule in us-east-1.

The sandbox account gets a rule for DeleteRole without a target.
"""

from __future__ import annotations

import json
from typing import Any

from scanner.demo.world import DemoAccount, DemoOrg

ORDER = 50
REGION = "us-east-1"
NAMESPACE = "LogMetrics"

# (control, filter pattern): equivalent to the control's pattern unless said otherwise.
FILTERS: tuple[tuple[str, str], ...] = (
    (
        "CloudWatch.1",
        '{ $.eventType != "AwsServiceEvent" && $.userIdentity.type = "Root" '
        "&& $.userIdentity.invokedBy NOT EXISTS }",
    ),
    (
        "CloudWatch.2",
        '{ ($.errorCode ="*UnauthorizedOperation") || ($.errorCode ="AccessDenied*") && '
        '($.sourceIPAddress!="delivery.logs.amazonaws.com") && ($.eventName!="HeadBucket") }',
    ),
    (
        "CloudWatch.3",
        '{ $.eventName = "ConsoleLogin" && $.additionalEventData.MFAUsed != "Yes" }',
    ),
    (
        "CloudWatch.4",
        "{ ($.eventName = AttachRolePolicy) || ($.eventName = DetachRolePolicy) || "
        "($.eventName = PutRolePolicy) || ($.eventName = DeleteRolePolicy) || "
        "($.eventName = AttachUserPolicy) || ($.eventName = DetachUserPolicy) || "
        "($.eventName = PutUserPolicy) || ($.eventName = DeleteUserPolicy) || "
        "($.eventName = AttachGroupPolicy) || ($.eventName = DetachGroupPolicy) || "
        "($.eventName = PutGroupPolicy) || ($.eventName = DeleteGroupPolicy) || "
        "($.eventName = CreatePolicy) || ($.eventName = DeletePolicy) || "
        "($.eventName = CreatePolicyVersion) || ($.eventName = DeletePolicyVersion) }",
    ),
    (
        "CloudWatch.5",
        '{ (($.eventName = "StopLogging") || ($.eventName = "DeleteTrail")) || '
        '(($.eventName = "UpdateTrail") || ($.eventName = "CreateTrail") || '
        '($.eventName = "StartLogging")) }',
    ),
    (
        "CloudWatch.6",
        '{ ($.errorMessage = "Failed authentication") && ($.eventName = "ConsoleLogin") }',
    ),
    (
        "CloudWatch.7",
        '{ $.eventSource = "kms.amazonaws.com" && '
        '($.eventName = "ScheduleKeyDeletion" || $.eventName = "DisableKey") }',
    ),
    (  # unparsable: single quotes
        "CloudWatch.8",
        "{ ($.eventSource = 's3.amazonaws.com') && (($.eventName = 'PutBucketPolicy') || "
        "($.eventName = 'DeleteBucketPolicy')) }",
    ),
    (
        "CloudWatch.9",
        "{($.eventSource=config.amazonaws.com) && (($.eventName=StopConfigurationRecorder) || "
        "($.eventName=DeleteDeliveryChannel) || ($.eventName=PutDeliveryChannel) || "
        "($.eventName=PutConfigurationRecorder))}",
    ),
    (  # narrower: no RevokeSecurityGroupEgress, no DeleteSecurityGroup
        "CloudWatch.10",
        "{ ($.eventName = AuthorizeSecurityGroupIngress) || "
        "($.eventName = AuthorizeSecurityGroupEgress) || "
        "($.eventName = RevokeSecurityGroupIngress) || ($.eventName = CreateSecurityGroup) }",
    ),
    (
        "CloudWatch.11",
        "{($.eventName=CreateNetworkAcl) || ($.eventName=CreateNetworkAclEntry) || "
        "($.eventName=DeleteNetworkAcl) || ($.eventName=DeleteNetworkAclEntry) || "
        "($.eventName=ReplaceNetworkAclEntry) || ($.eventName=ReplaceNetworkAclAssociation)}",
    ),
    (
        "CloudWatch.12",
        "{($.eventName=CreateCustomerGateway) || ($.eventName=DeleteCustomerGateway) || "
        "($.eventName=AttachInternetGateway) || ($.eventName=CreateInternetGateway) || "
        "($.eventName=DeleteInternetGateway) || ($.eventName=DetachInternetGateway)}",
    ),
    (  # the CIS v5.0.0 audit text, with its unusual grouping
        "CloudWatch.13",
        "{($.eventSource = ec2.amazonaws.com) && ($.eventName = CreateRoute) || "
        "($.eventName = CreateRouteTable) || ($.eventName = ReplaceRoute) || "
        "($.eventName = ReplaceRouteTableAssociation) || ($.eventName = DeleteRouteTable) || "
        "($.eventName = DeleteRoute) || ($.eventName = DisassociateRouteTable) }",
    ),
    (  # CIS 4.15 (no Security Hub control): every Organizations call, a broader filter
        "Organizations",
        '{ $.eventSource = "organizations.amazonaws.com" }',
    ),
)
NO_ALARM = {"CloudWatch.3"}
ACTIONS_DISABLED = {"CloudWatch.6"}
NO_ACTIONS = {"CloudWatch.11"}
SILENT_TOPIC = {"CloudWatch.12"}
CROSS_ACCOUNT_TOPIC = {"CloudWatch.9"}


def _metric(control: str) -> str:
    return "CIS-" + control.replace(".", "")


def _topic(account: DemoAccount, name: str, email: str | None) -> str:
    sns = account.client("sns", REGION)
    arn: str = sns.create_topic(Name=name)["TopicArn"]
    if email:
        sns.subscribe(TopicArn=arn, Protocol="email", Endpoint=email)
    return arn


def _alarms(org: DemoOrg) -> None:
    mgmt = org.management
    group = org.names["org_trail_log_group"]
    logs = mgmt.client("logs", REGION)
    cw = mgmt.client("cloudwatch", REGION)
    alerts = _topic(mgmt, "security-alerts", "security-team@example.com")
    silent = _topic(mgmt, "alerts-nobody-reads", None)
    central = _topic(org.log_archive, "central-security-alerts", "soc@example.com")
    org.names["alerts_topic"] = alerts
    for control, pattern in FILTERS:
        metric = _metric(control)
        logs.put_metric_filter(
            logGroupName=group,
            filterName=f"cis-{control.lower().replace('.', '-')}",
            filterPattern=pattern,
            metricTransformations=[
                {
                    "metricName": metric,
                    "metricNamespace": NAMESPACE,
                    "metricValue": "1",
                    "defaultValue": 0,
                }
            ],
        )
        if control in NO_ALARM:
            continue
        topic = (
            central
            if control in CROSS_ACCOUNT_TOPIC
            else silent
            if control in SILENT_TOPIC
            else alerts
        )
        cw.put_metric_alarm(
            AlarmName=f"{control} {metric}",
            MetricName=metric,
            Namespace=NAMESPACE,
            Statistic="Sum",
            Period=300,
            EvaluationPeriods=1,
            Threshold=1,
            ComparisonOperator="GreaterThanOrEqualToThreshold",
            ActionsEnabled=control not in ACTIONS_DISABLED,
            AlarmActions=[] if control in NO_ACTIONS else [topic],
        )


def _rule(
    account: DemoAccount,
    region: str,
    name: str,
    pattern: dict[str, Any],
    target: str | None,
    *,
    enabled: bool = True,
) -> None:
    events = account.client("events", region)
    events.put_rule(
        Name=name,
        EventPattern=json.dumps(pattern),
        State="ENABLED" if enabled else "DISABLED",
        Description="trailwatch demo",
    )
    if target:
        events.put_targets(Rule=name, Targets=[{"Id": "alerts", "Arn": target}])


def _rules(org: DemoOrg) -> None:
    mgmt = org.management
    alerts = org.names["alerts_topic"]
    api_call = "AWS API Call via CloudTrail"
    _rule(
        mgmt,
        REGION,
        "iam-role-changes",
        {
            "source": ["aws.iam"],
            "detail-type": [api_call],
            "detail": {"eventName": ["DeleteRole", "AttachRolePolicy", "PutRolePolicy"]},
        },
        alerts,
    )
    _rule(
        mgmt,
        REGION,
        "root-sign-in",
        {
            "detail-type": ["AWS Console Sign In via CloudTrail"],
            "detail": {"userIdentity": {"type": ["Root"]}, "eventName": ["ConsoleLogin"]},
        },
        alerts,
    )
    _rule(  # us-east-1 only: eu-west-1 key deletions are not covered by this path
        mgmt,
        REGION,
        "kms-key-deletion",
        {
            "source": ["aws.kms"],
            "detail": {
                "eventName": [{"prefix": "ScheduleKey"}, "DisableKey"],
                "errorCode": [{"exists": False}],
            },
        },
        alerts,
    )
    _rule(
        mgmt,
        REGION,
        "security-group-ingress",
        {"source": ["aws.ec2"], "detail": {"eventName": ["AuthorizeSecurityGroupIngress"]}},
        alerts,
        enabled=False,
    )
    _rule(
        mgmt,
        REGION,
        "securityhub-to-siem",
        {
            "source": ["aws.securityhub"],
            "detail-type": ["Security Hub Findings - Imported"],
            "detail": {"findings": {"Severity": {"Label": ["HIGH", "CRITICAL"]}}},
        },
        alerts,
    )
    _rule(
        org.sandbox,
        REGION,
        "delete-role-watch",
        {"source": ["aws.iam"], "detail": {"eventName": ["DeleteRole"]}},
        None,
    )


def seed(org: DemoOrg) -> None:
    _alarms(org)
    _rules(org)

"""CIS v3.0.0 / v5.0.0 4.15: AWS Organizations changes are monitored (filter -> alarm -> SNS).

No Security Hub control covers this item; the check is the CloudWatch.x chain of
checks.cloudwatch_alarms with the CIS v5.0.0 4.15 pattern, evaluated semantically against the
representative CloudTrail corpus (checks.lib.cloudtrail_events): a filter passes when it matches
every Organizations event the CIS pattern matches (reformatted, re-quoted or broader filters
pass; a filter on some of the 18 calls, or on `CreatePolicy` from any service only, fails).
Same "no data" rules as CloudWatch.1-14. An EventBridge rule alone does not satisfy it here
(as CIS audits the metric filter); `critical_api_alerting` credits EventBridge rules.
"""

from __future__ import annotations

from checks.cloudwatch_alarms import APIS, AlarmControl, Pattern, evaluator
from checks.lib.cloudtrail_events import ORGANIZATIONS_EVENTS
from scanner.core.check import Check
from scanner.core.dataset import Scope
from scanner.core.datasets.cloudtrail import TRAIL_SELECTORS, TRAIL_STATUS, TRAILS
from scanner.core.datasets.cloudwatch import ALARMS
from scanner.core.datasets.metric_filters import METRIC_FILTERS
from scanner.core.datasets.sns import TOPIC_SUBSCRIPTIONS
from scanner.core.model import Severity

CIS_PATTERN = (
    "{ ($.eventSource = organizations.amazonaws.com) && ("
    + " || ".join(f'($.eventName = "{n}")' for n in ORGANIZATIONS_EVENTS)
    + ") }"
)
"""The CIS v5.0.0 4.15 filter pattern (controls.md 6.3), verbatim."""

CONTROL = AlarmControl(
    "CIS 4.15",
    "cloudwatch_alarm_organizations_changes",
    "Ensure AWS Organizations changes are monitored",
    "AWS Organizations changes",
    (Pattern("CIS v5.0.0", CIS_PATTERN),),
)

CHECK = Check(
    id=CONTROL.check_id,
    title=CONTROL.title,
    severity=Severity.LOW,
    resource_type="AwsAccount",
    scope=Scope.REGION,
    requires=(TRAILS, TRAIL_STATUS, TRAIL_SELECTORS, METRIC_FILTERS, ALARMS, TOPIC_SUBSCRIPTIONS),
    evaluate=evaluator(CONTROL),
    rationale="Accounts created, invited, moved or removed, and service control policies "
    "changed, alter the guardrails of every account; an alarm lets responders check each "
    f"change within minutes. Calls read: {', '.join(APIS)}.",
    remediation="On the log group of the multi-Region trail (in the management account): aws "
    "logs put-metric-filter --log-group-name <trail-log-group> --filter-name "
    f"OrganizationsChanges --filter-pattern '{CIS_PATTERN}' --metric-transformations "
    "metricName=OrganizationsChanges,metricNamespace=LogMetrics,metricValue=1; then aws "
    "cloudwatch put-metric-alarm --alarm-name OrganizationsChanges --metric-name "
    "OrganizationsChanges --namespace LogMetrics --statistic Sum --period 300 --threshold 1 "
    "--comparison-operator GreaterThanOrEqualToThreshold --evaluation-periods 1 "
    "--alarm-actions <sns-topic-arn>; and subscribe (and confirm) an endpoint to the topic.",
    remediation_url="https://docs.aws.amazon.com/organizations/latest/userguide/orgs_security_incident-response.html",
)

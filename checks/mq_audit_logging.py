"""MQ.2: ActiveMQ brokers stream audit logs to CloudWatch Logs.

Security Hub control MQ.2, "ActiveMQ brokers should stream audit logs to CloudWatch" (severity
Medium; AWS Config rule mq-cloudwatch-audit-log-enabled; resource type AWS::AmazonMQ::Broker; no
parameters). PASS when DescribeBroker's Logs.Audit is true; FAIL when it is false or absent.
RabbitMQ brokers have no audit log and are not evaluated. Pending log changes (not yet applied at
the next reboot) do not count. One finding per ActiveMQ broker; a broker whose DescribeBroker
failed is ERROR.
"""

from __future__ import annotations

from collections.abc import Iterator

from checks.lib.service_resources import each_judged, regional_resource
from scanner.core.check import Check
from scanner.core.dataset import Scope
from scanner.core.datasets.mq import MQ_BROKERS, Broker
from scanner.core.model import Resource, Result, Severity, Status
from scanner.core.view import View


def evaluate(view: View) -> Iterator[Result]:
    """One result per ActiveMQ broker in this account and region."""

    def decide(broker: Broker, resource: Resource) -> Result:
        evidence = {
            "api": ["mq:ListBrokers", "mq:DescribeBroker"],
            "EngineType": broker.engine_type,
            "Logs.Audit": broker.audit_log,
            "Logs.AuditLogGroup": broker.audit_log_group,
        }
        if broker.audit_log is True:
            status, reason = Status.PASS, "The broker streams audit logs to CloudWatch Logs."
        else:
            status, reason = Status.FAIL, "Audit logs are not streamed to CloudWatch Logs."
        return Result(status=status, resource=resource, reason=reason, evidence=evidence)

    yield from each_judged(
        view,
        [b for b in view.get(MQ_BROKERS) if b.activemq],
        lambda b: regional_resource(view, "AwsAmazonMqBroker", b.arn),
        decide,
    )


CHECK = Check(
    id="mq_audit_logging",
    control_id="MQ.2",
    title="ActiveMQ brokers should stream audit logs to CloudWatch",
    severity=Severity.MEDIUM,
    resource_type="AwsAmazonMqBroker",
    scope=Scope.REGION,
    requires=(MQ_BROKERS,),
    evaluate=evaluate,
    rationale="ActiveMQ audit logs record every user management action made through JMX or the "
    "web console; in CloudWatch Logs they can raise alarms and outlive the broker.",
    remediation="aws mq update-broker --broker-id <id> --logs Audit=true (applied at the next "
    "reboot)",
    remediation_url="https://docs.aws.amazon.com/securityhub/latest/userguide/mq-controls.html#mq-2",
)

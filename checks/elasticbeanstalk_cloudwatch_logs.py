"""ElasticBeanstalk.3: Elastic Beanstalk environments stream their logs to CloudWatch Logs.

Security Hub control ElasticBeanstalk.3, "Elastic Beanstalk should stream logs to CloudWatch"
(severity High; AWS Config rule elastic-beanstalk-logs-to-cloudwatch; resource type
AWS::ElasticBeanstalk::Environment). Parameter `RetentionInDays` (optional, no default): without
it an environment whose option StreamLogs (namespace aws:elasticbeanstalk:cloudwatch:logs) is
true passes; given, its RetentionInDays option must also equal it exactly (the Config rule
compares for equality, not as a minimum). StreamLogs false or absent fails. One finding per
environment that is not Terminating or Terminated; no environment in the region: no finding;
DescribeEnvironments denied: ERROR; an environment whose DescribeConfigurationSettings failed is
ERROR, the others are still judged.

moto does not implement DescribeConfigurationSettings, so the demo has no Elastic Beanstalk
environment and cannot show this control; the verdicts are covered by pure tests on hand-built
inventories, and the listing (an empty region, DescribeEnvironments denied) by a moto test.
"""

from __future__ import annotations

from collections.abc import Iterator

from checks.lib.service_resources import each_judged, regional_resource
from scanner.core.check import Check
from scanner.core.dataset import Scope
from scanner.core.datasets.elasticbeanstalk import BEANSTALK_ENVIRONMENTS, BeanstalkEnvironment
from scanner.core.model import Resource, Result, Severity, Status
from scanner.core.view import View

RETENTION_IN_DAYS: int | None = None
"""Security Hub's `RetentionInDays` parameter (optional: any retention passes without it).
Configurable: change this constant, or call `build_check(retention_in_days=...)`."""

#: The retention values CloudWatch Logs (and so Elastic Beanstalk) accepts.
RETENTION_VALUES = frozenset(
    {1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557,
     2922, 3288, 3653}
)  # fmt: skip


def evaluate(view: View, retention_in_days: int | None = RETENTION_IN_DAYS) -> Iterator[Result]:
    """One result per environment in this account and region."""

    def decide(env: BeanstalkEnvironment, resource: Resource) -> Result:
        evidence = {
            "api": [
                "elasticbeanstalk:DescribeEnvironments",
                "elasticbeanstalk:DescribeConfigurationSettings",
            ],
            "aws:elasticbeanstalk:cloudwatch:logs.StreamLogs": env.stream_logs,
            "aws:elasticbeanstalk:cloudwatch:logs.RetentionInDays": env.retention_in_days,
            "RetentionInDays_parameter": retention_in_days,
        }
        if env.stream_logs is not True:
            state = "false" if env.stream_logs is False else "not set"
            status, reason = Status.FAIL, f"StreamLogs is {state}: instance logs stay on the host."
        elif retention_in_days is not None and env.retention_in_days != retention_in_days:
            status = Status.FAIL
            reason = f"Logs kept {env.retention_in_days} days, not {retention_in_days}."
        else:
            status = Status.PASS
            reason = f"Streams logs to CloudWatch Logs (kept {env.retention_in_days} days)."
        return Result(status=status, resource=resource, reason=reason, evidence=evidence)

    items = view.get(BEANSTALK_ENVIRONMENTS)
    yield from each_judged(
        view,
        items,
        lambda e: regional_resource(view, "AwsElasticBeanstalkEnvironment", e.arn),
        decide,
    )


def build_check(retention_in_days: int | None = RETENTION_IN_DAYS) -> Check:
    if retention_in_days is not None and retention_in_days not in RETENTION_VALUES:
        raise ValueError(
            f"RetentionInDays must be a CloudWatch Logs retention, not {retention_in_days!r}"
        )

    def run(view: View) -> Iterator[Result]:
        return evaluate(view, retention_in_days)

    return Check(
        id="elasticbeanstalk_cloudwatch_logs",
        control_id="ElasticBeanstalk.3",
        title="Elastic Beanstalk should stream logs to CloudWatch",
        severity=Severity.HIGH,
        resource_type="AwsElasticBeanstalkEnvironment",
        scope=Scope.REGION,
        requires=(BEANSTALK_ENVIRONMENTS,),
        evaluate=run,
        rationale="Instance logs streamed to CloudWatch Logs outlive the instances that wrote "
        "them; without streaming they are lost when an instance is replaced.",
        remediation="aws elasticbeanstalk update-environment --environment-name <name> "
        "--option-settings Namespace=aws:elasticbeanstalk:cloudwatch:logs,OptionName=StreamLogs,"
        "Value=true",
        remediation_url="https://docs.aws.amazon.com/securityhub/latest/userguide/elasticbeanstalk-controls.html#elasticbeanstalk-3",
    )


CHECK = build_check()

"""WAF.1: AWS WAF Classic global web ACLs have logging enabled.

Security Hub control WAF.1 "AWS WAF Classic Global Web ACL logging should be enabled" (severity
Medium, category Identify > Logging, no parameters), backed by the AWS Config rule
waf-classic-logging-enabled (global web ACLs, us-east-1 only): a global web ACL FAILs when it has
no logging configuration (the rule's optional KinesisFirehoseDeliveryStreamArns parameter is not
set by Security Hub). Regional WAF Classic web ACLs are outside the control.

WAF Classic is global: the web ACLs and logging configurations are listed once per account
through the Classic global endpoint, and the findings are reported in the account's home region.
No global web ACL: no finding. A listing denied makes the account ERROR.

moto (the test and demo backend) does not implement the WAF Classic API, so this check is
covered by pure tests and its collector only by its error paths; the demo shows no WAF.1 finding.
"""

from __future__ import annotations

from collections.abc import Iterator

from scanner.check import Check
from scanner.dataset import Scope
from scanner.datasets.waf import WAF_CLASSIC_WEB_ACLS
from scanner.model import Resource, Result, Severity, Status
from scanner.view import View


def evaluate(view: View) -> Iterator[Result]:
    """One result per WAF Classic global web ACL of the account."""
    for acl in view.get(WAF_CLASSIC_WEB_ACLS):
        resource = Resource(type="AwsWafWebAcl", id=acl.arn, region=view.home_region)
        evidence = {
            "api": ["waf:ListWebACLs", "waf:ListLoggingConfigurations"],
            "LogDestinationConfigs": list(acl.log_destinations),
        }
        if acl.logging_enabled:
            yield Result(
                status=Status.PASS,
                resource=resource,
                reason=f"Global web ACL {acl.name} logs to {acl.log_destinations[0]}.",
                evidence=evidence,
            )
        else:
            yield Result(
                status=Status.FAIL,
                resource=resource,
                reason=f"Global web ACL {acl.name} has no logging configuration.",
                evidence=evidence,
            )


CHECK = Check(
    id="waf_classic_global_logging",
    control_id="WAF.1",
    title="AWS WAF Classic Global Web ACL logging should be enabled",
    severity=Severity.MEDIUM,
    resource_type="AwsWafWebAcl",
    scope=Scope.ACCOUNT,
    requires=(WAF_CLASSIC_WEB_ACLS,),
    evaluate=evaluate,
    rationale="Web ACL logs record every request AWS WAF inspected and the rule that matched it, "
    "to investigate attacks and tune rules.",
    remediation="aws waf put-logging-configuration --logging-configuration "
    "ResourceArn=<web ACL arn>,LogDestinationConfigs=<arn of a Firehose stream named "
    "aws-waf-logs-*> (or migrate the web ACL to AWS WAF and enable its logging)",
    remediation_url="https://docs.aws.amazon.com/securityhub/latest/userguide/waf-controls.html#waf-1",
)

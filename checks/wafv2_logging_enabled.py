"""WAF.11: AWS WAF (WAFV2) web ACLs have logging enabled.

Security Hub control WAF.11 "AWS WAF web ACL logging should be enabled" (severity Low, category
Identify > Logging, no parameters), backed by the AWS Config rule wafv2-logging-enabled: a web
ACL FAILs when it has no logging configuration. As the control, logging enabled for the account
through Amazon Security Lake is not looked at: only the web ACL's own logging configuration
(ListLoggingConfigurations, log scope CUSTOMER) counts, whether or not Firewall Manager
manages it.

Scope: one finding per WAFV2 web ACL (AwsWafv2WebAcl): REGIONAL ones in their region,
CLOUDFRONT ones in the partition's global region (us-east-1), where they live and where Security
Hub reports them; a scan that leaves that region out does not evaluate CloudFront web ACLs. No
web ACL: no finding. A listing denied makes the region ERROR.
"""

from __future__ import annotations

from collections.abc import Iterator

from scanner.core.check import Check
from scanner.core.dataset import Scope
from scanner.core.datasets.waf import WAFV2_WEB_ACLS
from scanner.core.model import Resource, Result, Severity, Status
from scanner.core.view import View


def evaluate(view: View) -> Iterator[Result]:
    """One result per web ACL listed in the view's region."""
    for acl in view.get(WAFV2_WEB_ACLS):
        resource = Resource(type="AwsWafv2WebAcl", id=acl.arn, region=view.region)
        evidence = {
            "api": ["wafv2:ListWebACLs", "wafv2:ListLoggingConfigurations"],
            "scope": acl.scope,
            "LogDestinationConfigs": list(acl.log_destinations),
        }
        if acl.logging_enabled:
            yield Result(
                status=Status.PASS,
                resource=resource,
                reason=f"Web ACL {acl.name} ({acl.scope}) logs to {acl.log_destinations[0]}.",
                evidence=evidence,
            )
        else:
            yield Result(
                status=Status.FAIL,
                resource=resource,
                reason=f"Web ACL {acl.name} ({acl.scope}) has no logging configuration.",
                evidence=evidence,
            )


CHECK = Check(
    id="wafv2_logging_enabled",
    control_id="WAF.11",
    title="AWS WAF web ACL logging should be enabled",
    severity=Severity.LOW,
    resource_type="AwsWafv2WebAcl",
    scope=Scope.REGION,
    requires=(WAFV2_WEB_ACLS,),
    evaluate=evaluate,
    rationale="Web ACL logs record every request AWS WAF inspected and the rule that matched it, "
    "to investigate attacks and tune rules.",
    remediation="aws wafv2 put-logging-configuration --logging-configuration "
    "ResourceArn=<web ACL arn>,LogDestinationConfigs=<arn of a destination named aws-waf-logs-*>",
    remediation_url="https://docs.aws.amazon.com/securityhub/latest/userguide/waf-controls.html#waf-11",
)

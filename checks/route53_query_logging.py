"""Route53.2: Route 53 public hosted zones log DNS queries.

Security Hub control Route53.2 "Route 53 public hosted zones should log DNS queries" (severity
Medium, category Identify > Logging, no parameters), backed by the AWS Config rule
route53-query-logging-enabled: a public hosted zone FAILs when it has no query logging
configuration. Private hosted zones are outside the rule and get no finding (their queries are
logged by Resolver query logging, not by this configuration). As the rule, a configuration
counts whatever the state of its log group (its existence is not verified).

Route 53 is global: zones and configurations are collected once per account (ListHostedZones,
ListQueryLoggingConfigs for the whole account) and the findings are reported in the account's
home region. No public zone: no finding. Either listing denied makes the account ERROR.
"""

from __future__ import annotations

from collections.abc import Iterator

from scanner.core.check import Check
from scanner.core.dataset import Scope
from scanner.core.datasets.route53 import ROUTE53_HOSTED_ZONES
from scanner.core.model import Resource, Result, Severity, Status
from scanner.core.view import View


def evaluate(view: View) -> Iterator[Result]:
    """One result per public hosted zone of the account."""
    for zone in view.get(ROUTE53_HOSTED_ZONES):
        if zone.private:
            continue
        resource = Resource(type="AwsRoute53HostedZone", id=zone.arn, region=view.home_region)
        evidence = {
            "api": ["route53:ListHostedZones", "route53:ListQueryLoggingConfigs"],
            "zone": zone.name,
            "query_log_groups": list(zone.query_log_groups),
        }
        if zone.query_log_groups:
            yield Result(
                status=Status.PASS,
                resource=resource,
                reason=f"Public hosted zone {zone.name} logs DNS queries to "
                f"{zone.query_log_groups[0]}.",
                evidence=evidence,
            )
        else:
            yield Result(
                status=Status.FAIL,
                resource=resource,
                reason=f"Public hosted zone {zone.name} has no DNS query logging configuration.",
                evidence=evidence,
            )


CHECK = Check(
    id="route53_query_logging",
    control_id="Route53.2",
    title="Route 53 public hosted zones should log DNS queries",
    severity=Severity.MEDIUM,
    resource_type="AwsRoute53HostedZone",
    scope=Scope.ACCOUNT,
    requires=(ROUTE53_HOSTED_ZONES,),
    evaluate=evaluate,
    rationale="DNS query logs record the names queried, the record types and the responses of a "
    "public zone, to detect abuse and investigate incidents.",
    remediation="aws route53 create-query-logging-config --hosted-zone-id <id> "
    "--cloud-watch-logs-log-group-arn <arn of a log group in us-east-1 under /aws/route53/>",
    remediation_url="https://docs.aws.amazon.com/securityhub/latest/userguide/route53-controls.html#route53-2",
)

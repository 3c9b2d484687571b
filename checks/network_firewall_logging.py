"""NetworkFirewall.2: Network Firewall firewalls have logging enabled.

Security Hub control NetworkFirewall.2 "Network Firewall logging should be enabled" (severity
Medium, category Identify > Logging, no parameters), backed by the AWS Config rule
netfw-logging-enabled: a firewall FAILs unless its logging configuration has at least one log
destination (any log type: ALERT, FLOW or TLS).

The control also fails when the logging destination does not exist; that is not verified here
(the destination may be in another account: a bucket, a log group or a Firehose stream), so a
firewall whose only destination was deleted PASSes: the evidence names the destinations for
review.

Scope: one finding per firewall (AwsNetworkFirewallFirewall) in the region; no firewall: no
finding. A DescribeLoggingConfiguration that failed makes that firewall ERROR; a failed
ListFirewalls makes the region ERROR.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import partial

from scanner.core.check import Check
from scanner.core.dataset import Scope
from scanner.core.datasets.network_firewall import NETWORK_FIREWALLS, Firewall
from scanner.core.model import Resource, Result, Severity, Status
from scanner.core.view import View


def _judge(firewall: Firewall, resource: Resource) -> Result:
    destinations = firewall.destinations  # raises FieldUnavailable: ERROR on this firewall
    evidence = {
        "api": "network-firewall:DescribeLoggingConfiguration",
        "LogDestinationConfigs": [d.model_dump() for d in destinations],
    }
    if destinations:
        types = sorted({d.log_type for d in destinations})
        return Result(
            status=Status.PASS,
            resource=resource,
            reason=f"Firewall {firewall.name} logs {', '.join(types)} to "
            f"{destinations[0].destination_type}.",
            evidence=evidence,
        )
    return Result(
        status=Status.FAIL,
        resource=resource,
        reason=f"Firewall {firewall.name} has no log destination.",
        evidence=evidence,
    )


def evaluate(view: View) -> Iterator[Result]:
    """One result per firewall in the view's region."""
    for firewall in view.get(NETWORK_FIREWALLS):
        resource = Resource(type="AwsNetworkFirewallFirewall", id=firewall.arn, region=view.region)
        result = view.judge(resource, partial(_judge, firewall, resource))
        if result is not None:
            yield result


CHECK = Check(
    id="network_firewall_logging",
    control_id="NetworkFirewall.2",
    title="Network Firewall logging should be enabled",
    severity=Severity.MEDIUM,
    resource_type="AwsNetworkFirewallFirewall",
    scope=Scope.REGION,
    requires=(NETWORK_FIREWALLS,),
    evaluate=evaluate,
    rationale="Firewall logs record the flows the stateful engine saw and the alerts its rules "
    "raised, for network investigations.",
    remediation="aws network-firewall update-logging-configuration --firewall-arn <arn> "
    '--logging-configuration \'{"LogDestinationConfigs":[{"LogType":"ALERT",'
    '"LogDestinationType":"CloudWatchLogs","LogDestination":{"logGroup":"<group>"}}]}\'',
    remediation_url="https://docs.aws.amazon.com/securityhub/latest/userguide/networkfirewall-controls.html#networkfirewall-2",
)

"""Network Firewall collector: firewalls per region and their logging destinations.

A DescribeLoggingConfiguration call that fails is recorded on that firewall (its destinations
are unavailable), so one unreadable firewall does not hide the others.
"""

from __future__ import annotations

from scanner.aws.collector import Collector, on
from scanner.aws.engine import CollectContext
from scanner.aws.services._resource_call import FAILED, resource_call
from scanner.core.datasets.network_firewall import NETWORK_FIREWALLS, Firewall, LogDestination
from scanner.core.model import CollectionError


def fetch_firewalls(ctx: CollectContext) -> list[Firewall]:
    client = ctx.client("network-firewall")
    out: list[Firewall] = []
    for item in ctx.paginate("network-firewall", "list_firewalls", "Firewalls"):
        arn = str(item["FirewallArn"])
        errors: dict[str, CollectionError] = {}
        raw = resource_call(
            errors,
            ("destinations",),
            ctx.region,
            lambda: client.describe_logging_configuration(FirewallArn=arn),  # noqa: B023
        )
        configs = (
            (raw.get("LoggingConfiguration") or {}).get("LogDestinationConfigs") or ()
            if raw is not FAILED
            else ()
        )
        out.append(
            Firewall(
                name=str(item.get("FirewallName") or arn.rsplit("/", 1)[-1]),
                arn=arn,
                destinations=tuple(
                    LogDestination(
                        log_type=str(c.get("LogType", "")),
                        destination_type=str(c.get("LogDestinationType", "")),
                        destination={
                            str(k): str(v) for k, v in (c.get("LogDestination") or {}).items()
                        },
                    )
                    for c in configs
                ),
                errors=errors,
            )
        )
    return sorted(out, key=lambda f: f.arn)


COLLECTORS = (
    Collector(
        NETWORK_FIREWALLS,
        ("network-firewall:ListFirewalls", "network-firewall:DescribeLoggingConfiguration"),
        fetch_firewalls,
        events=on(
            "network-firewall.amazonaws.com",
            "CreateFirewall",
            "DeleteFirewall",
            "UpdateLoggingConfiguration",
        ),
    ),
)

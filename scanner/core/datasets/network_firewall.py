"""Network Firewall dataset: firewalls per region and their logging destinations."""

from __future__ import annotations

from scanner.core.dataset import Dataset, Scope
from scanner.core.model import Collected, Frozen


class LogDestination(Frozen):
    """One LogDestinationConfig: log type (ALERT, FLOW, TLS), destination type and target."""

    log_type: str
    destination_type: str
    destination: dict[str, str]


class Firewall(Collected):
    """A firewall (ListFirewalls) and its logging configuration (DescribeLoggingConfiguration).

    `destinations` is unavailable (errors) when DescribeLoggingConfiguration failed.
    """

    name: str
    arn: str
    destinations: tuple[LogDestination, ...] = ()


NETWORK_FIREWALLS: Dataset[list[Firewall]] = Dataset(
    "network_firewall.firewalls",
    Scope.REGION,
    list[Firewall],
    "ListFirewalls, then DescribeLoggingConfiguration per firewall",
)

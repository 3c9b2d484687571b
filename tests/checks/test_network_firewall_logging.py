"""NetworkFirewall.2: at least one log destination per firewall."""

from __future__ import annotations

from checks.network_firewall_logging import CHECK
from scanner.core.datasets.network_firewall import NETWORK_FIREWALLS, Firewall, LogDestination
from scanner.core.model import CollectionError
from tests.builders import MGMT, InventoryBuilder, by_resource, run

HOME = "us-east-1"
ALERTS = LogDestination(
    log_type="ALERT", destination_type="CloudWatchLogs", destination={"logGroup": "nfw-alerts"}
)


def firewall(name: str, *destinations: LogDestination) -> Firewall:
    arn = f"arn:aws:network-firewall:{HOME}:{MGMT}:firewall/{name}"
    return Firewall(name=name, arn=arn, destinations=destinations)


def arn(name: str) -> str:
    return f"arn:aws:network-firewall:{HOME}:{MGMT}:firewall/{name}"


def test_any_destination_passes_none_fails() -> None:
    b = InventoryBuilder(regions=(HOME,))
    b.account(MGMT).put(NETWORK_FIREWALLS, [firewall("logged", ALERTS), firewall("silent")])
    assert by_resource(run(CHECK, b)) == {
        (MGMT, HOME, arn("logged")): "PASS",
        (MGMT, HOME, arn("silent")): "FAIL",
    }


def test_no_firewall_no_finding() -> None:
    b = InventoryBuilder(regions=(HOME,))
    b.account(MGMT).put(NETWORK_FIREWALLS, [])
    assert run(CHECK, b) == []


def test_denied_logging_configuration_is_error_on_that_firewall_only() -> None:
    denied = CollectionError(
        operation="DescribeLoggingConfiguration",
        iam_action="network-firewall:DescribeLoggingConfiguration",
        code="AccessDeniedException",
        message="denied",
        region=HOME,
    )
    unread = Firewall(
        name="unread", arn=arn("unread"), errors=Firewall.failed(denied, "destinations")
    )
    b = InventoryBuilder(regions=(HOME,))
    b.account(MGMT).put(NETWORK_FIREWALLS, [unread, firewall("logged", ALERTS)])
    assert by_resource(run(CHECK, b)) == {
        (MGMT, HOME, arn("unread")): "ERROR",
        (MGMT, HOME, arn("logged")): "PASS",
    }


def test_denied_listing_is_error_for_the_region() -> None:
    b = InventoryBuilder(regions=(HOME,))
    b.account(MGMT).fail(
        NETWORK_FIREWALLS, operation="ListFirewalls", iam_action="network-firewall:ListFirewalls"
    )
    assert [f.status.value for f in run(CHECK, b)] == ["ERROR"]

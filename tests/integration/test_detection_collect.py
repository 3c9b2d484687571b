"""GuardDuty and Security Hub collectors against moto: enabled, suspended, not enabled, denied."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from scanner.core.datasets.detection import GUARDDUTY_DETECTORS, SECURITYHUB_HUB
from scanner.core.evaluate import evaluate
from scanner.core.frameworks import Frameworks
from scanner.core.inventory import Inventory
from scanner.core.registry import all_checks, select_checks
from tests.conftest import DEFAULT_ACCOUNT, Faults

CHECKS = ("GuardDuty.1", "securityhub_enabled")


def _statuses(inv: Inventory) -> dict[tuple[str, str], str]:
    selected = select_checks(all_checks(), list(CHECKS))
    return {(f.check_id, f.region): f.status.value for f in evaluate(inv, selected, Frameworks(()))}


def _seed(client: Callable[..., Any]) -> None:
    client("guardduty", "us-east-1").create_detector(Enable=True)
    client("guardduty", "eu-west-1").create_detector(Enable=False)
    client("securityhub", "us-east-1").enable_security_hub()


def test_enabled_suspended_and_not_subscribed_are_read_per_region(
    account_client: Callable[..., Any], scan_inventory: Callable[..., Inventory]
) -> None:
    _seed(account_client)
    inv = scan_inventory(CHECKS)
    acct = inv.account(DEFAULT_ACCOUNT)
    assert acct is not None
    eu = acct.record(GUARDDUTY_DETECTORS.name, "eu-west-1")
    assert eu is not None and eu.error is None
    assert [d.status for d in GUARDDUTY_DETECTORS.load(eu.data)] == ["DISABLED"]
    hub_eu = acct.record(SECURITYHUB_HUB.name, "eu-west-1")
    assert hub_eu is not None and hub_eu.error is None
    assert SECURITYHUB_HUB.load(hub_eu.data).not_enabled_code == "InvalidAccessException"
    assert _statuses(inv) == {
        ("guardduty_enabled", "us-east-1"): "PASS",
        ("guardduty_enabled", "eu-west-1"): "FAIL",
        ("securityhub_enabled", "us-east-1"): "PASS",
        ("securityhub_enabled", "eu-west-1"): "FAIL",
    }


def test_access_denied_is_error_never_not_enabled(
    account_client: Callable[..., Any],
    scan_inventory: Callable[..., Inventory],
    faults: Faults,
) -> None:
    _seed(account_client)
    faults.deny("ListDetectors")
    faults.deny("DescribeHub", code="AccessDeniedException")
    inv = scan_inventory(CHECKS)
    assert set(_statuses(inv).values()) == {"ERROR"}
    selected = select_checks(all_checks(), list(CHECKS))
    failed = {e.iam_action for f in evaluate(inv, selected, Frameworks(())) for e in f.errors}
    assert failed == {"guardduty:ListDetectors", "securityhub:DescribeHub"}


def test_denied_get_detector_is_error(
    account_client: Callable[..., Any],
    scan_inventory: Callable[..., Inventory],
    faults: Faults,
) -> None:
    _seed(account_client)
    faults.deny("GetDetector")
    inv = scan_inventory(("GuardDuty.1",))
    assert set(_statuses(inv).values()) == {"ERROR"}

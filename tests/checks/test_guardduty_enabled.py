"""GuardDuty.1: an enabled detector in every scanned region of every account."""

from __future__ import annotations

from checks.guardduty_enabled import CHECK
from scanner.core.datasets.detection import GUARDDUTY_DETECTORS, Detector
from tests.builders import MEMBER, MGMT, InventoryBuilder, run

HOME, OTHER = "us-east-1", "eu-west-1"


def statuses(b: InventoryBuilder) -> dict[tuple[str, str], str]:
    return {(f.account_id, f.region): f.status.value for f in run(CHECK, b)}


def test_enabled_detector_passes_per_region() -> None:
    b = InventoryBuilder(regions=(HOME, OTHER))
    acct = b.account(MGMT)
    acct.put(GUARDDUTY_DETECTORS, [Detector(detector_id="d1", status="ENABLED")], HOME)
    acct.put(GUARDDUTY_DETECTORS, [], OTHER)
    assert statuses(b) == {(MGMT, HOME): "PASS", (MGMT, OTHER): "FAIL"}


def test_suspended_detector_fails() -> None:
    b = InventoryBuilder(regions=(HOME,))
    b.account(MGMT).put(GUARDDUTY_DETECTORS, [Detector(detector_id="d1", status="DISABLED")])
    assert statuses(b) == {(MGMT, HOME): "FAIL"}


def test_any_enabled_detector_passes() -> None:
    b = InventoryBuilder(regions=(HOME,))
    b.account(MGMT).put(
        GUARDDUTY_DETECTORS,
        [Detector(detector_id="a", status="DISABLED"), Detector(detector_id="b", status="ENABLED")],
    )
    assert statuses(b) == {(MGMT, HOME): "PASS"}


def test_each_account_is_judged_on_its_own() -> None:
    b = InventoryBuilder(regions=(HOME,))
    b.account(MGMT).put(GUARDDUTY_DETECTORS, [Detector(detector_id="d", status="ENABLED")])
    b.account(MEMBER).put(GUARDDUTY_DETECTORS, [])
    assert statuses(b) == {(MGMT, HOME): "PASS", (MEMBER, HOME): "FAIL"}


def test_access_denied_is_error_never_fail() -> None:
    b = InventoryBuilder(regions=(HOME, OTHER))
    acct = b.account(MGMT)
    acct.put(GUARDDUTY_DETECTORS, [], HOME)
    acct.fail(
        GUARDDUTY_DETECTORS,
        region=OTHER,
        operation="ListDetectors",
        iam_action="guardduty:ListDetectors",
    )
    assert statuses(b) == {(MGMT, HOME): "FAIL", (MGMT, OTHER): "ERROR"}

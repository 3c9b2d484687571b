"""CIS 5.0 4.16: Security Hub is enabled in every scanned region of every account."""

from __future__ import annotations

from checks.securityhub_enabled import CHECK
from scanner.core.datasets.detection import SECURITYHUB_HUB, Hub
from tests.builders import MEMBER, MGMT, InventoryBuilder, run

HOME, OTHER = "us-east-1", "eu-west-1"
ON = Hub(enabled=True, hub_arn="arn:aws:securityhub:us-east-1:111111111111:hub/default")
OFF = Hub(enabled=False, not_enabled_code="InvalidAccessException")


def statuses(b: InventoryBuilder) -> dict[tuple[str, str], str]:
    return {(f.account_id, f.region): f.status.value for f in run(CHECK, b)}


def test_enabled_passes_not_subscribed_fails_per_region() -> None:
    b = InventoryBuilder(regions=(HOME, OTHER))
    b.account(MGMT).put(SECURITYHUB_HUB, ON, HOME).put(SECURITYHUB_HUB, OFF, OTHER)
    b.account(MEMBER).put(SECURITYHUB_HUB, OFF)
    assert statuses(b) == {
        (MGMT, HOME): "PASS",
        (MGMT, OTHER): "FAIL",
        (MEMBER, HOME): "FAIL",
        (MEMBER, OTHER): "FAIL",
    }


def test_access_denied_is_error_never_fail() -> None:
    b = InventoryBuilder(regions=(HOME,))
    b.account(MGMT).fail(
        SECURITYHUB_HUB,
        operation="DescribeHub",
        iam_action="securityhub:DescribeHub",
        code="AccessDeniedException",
    )
    findings = run(CHECK, b)
    assert [f.status.value for f in findings] == ["ERROR"]
    assert findings[0].errors[0].iam_action == "securityhub:DescribeHub"

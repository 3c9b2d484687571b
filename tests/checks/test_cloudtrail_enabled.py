"""CloudTrail.3: per region, a logging trail records the account's events."""

from __future__ import annotations

from checks.cloudtrail_enabled import CHECK
from scanner.core.datasets.cloudtrail import TRAIL_STATUS, TRAILS
from scanner.core.findings import Finding
from tests.builders import MEMBER, MGMT, run
from tests.checks.test_cloudtrail_lib import (
    HOME,
    OTHER,
    account_status,
    finding,
    inventory,
    seed,
    stopped,
    trail,
)


def statuses(findings: list[Finding], account: str = MGMT) -> dict[str, str]:
    return {r: account_status(findings, account, r) for r in (HOME, OTHER)}


def test_multi_region_trail_covers_every_region() -> None:
    b = inventory()
    seed(b.account(MGMT), trail("main", home=OTHER))
    findings = run(CHECK, b)
    assert statuses(findings) == {HOME: "PASS", OTHER: "PASS"}
    assert {f.resource.id for f in findings} == {f"AWS::::Account:{MGMT}"}


def test_single_region_trail_covers_only_its_home_region() -> None:
    b = inventory()
    seed(b.account(MGMT), trail("local", home=HOME, multi=False))
    assert statuses(run(CHECK, b)) == {HOME: "PASS", OTHER: "FAIL"}


def test_stopped_trail_does_not_count() -> None:
    b = inventory()
    t = trail()
    seed(b.account(MGMT), t, status={t.arn: stopped()})
    assert statuses(run(CHECK, b)) == {HOME: "FAIL", OTHER: "FAIL"}


def test_stopped_multi_region_and_logging_single_region_trail() -> None:
    b = inventory()
    off = trail("off")
    local = trail("local", home=OTHER, multi=False)
    seed(b.account(MGMT), off, local, status={off.arn: stopped()})
    assert statuses(run(CHECK, b)) == {HOME: "FAIL", OTHER: "PASS"}


def test_member_covered_by_org_trail_its_listing_does_not_show() -> None:
    b = inventory()
    org = trail("org", MGMT, org=True)
    seed(b.account(MGMT), org)
    seed(b.account(MEMBER))
    findings = run(CHECK, b)
    assert statuses(findings, MEMBER) == {HOME: "PASS", OTHER: "PASS"}
    assert finding(findings, MEMBER, OTHER).evidence["covered_by"] == {
        "trail": org.arn,
        "account": MGMT,
    }


def test_member_covered_by_org_trail_shadow_in_its_listing() -> None:
    b = inventory()
    org = trail("org", MGMT, org=True)
    seed(b.account(MGMT), org)
    seed(b.account(MEMBER), org)
    assert statuses(run(CHECK, b), MEMBER) == {HOME: "PASS", OTHER: "PASS"}


def test_single_region_org_trail_covers_members_in_its_home_region_only() -> None:
    b = inventory()
    seed(b.account(MGMT), trail("org", MGMT, OTHER, multi=False, org=True))
    seed(b.account(MEMBER))
    assert statuses(run(CHECK, b), MEMBER) == {HOME: "FAIL", OTHER: "PASS"}


def test_failed_management_listing_makes_only_that_region_error_for_members() -> None:
    b = inventory()
    seed(b.account(MGMT))
    b.account(MGMT).fail(TRAILS, region=OTHER)
    seed(b.account(MEMBER))
    assert statuses(run(CHECK, b), MEMBER) == {HOME: "FAIL", OTHER: "ERROR"}


def test_org_trail_status_unavailable_is_error_not_pass() -> None:
    b = inventory()
    seed(b.account(MGMT), trail("org", MGMT, org=True))
    b.account(MGMT).fail(TRAIL_STATUS, operation="GetTrailStatus")
    seed(b.account(MEMBER))
    assert statuses(run(CHECK, b), MEMBER) == {HOME: "ERROR", OTHER: "ERROR"}


def test_failed_listing_is_error_in_that_region_only() -> None:
    b = inventory()
    seed(b.account(MGMT), trail())
    b.account(MGMT).fail(TRAILS, region=OTHER)
    assert statuses(run(CHECK, b)) == {HOME: "PASS", OTHER: "ERROR"}


def test_failed_status_is_error() -> None:
    b = inventory()
    seed(b.account(MGMT), trail())
    b.account(MGMT).fail(TRAIL_STATUS, operation="GetTrailStatus")
    assert statuses(run(CHECK, b)) == {HOME: "ERROR", OTHER: "ERROR"}

"""CloudTrail.1: a logging multi-Region trail with all read+write management events."""

from __future__ import annotations

from typing import Any

import pytest

from checks.cloudtrail_multi_region_read_write import CHECK
from scanner.core.dataset import Dataset
from scanner.core.datasets.cloudtrail import TRAIL_SELECTORS, TRAIL_STATUS, TRAILS, TrailSelectors
from tests.builders import MEMBER, MGMT, InventoryBuilder, run
from tests.checks.test_cloudtrail_lib import (
    ALL_BUCKETS,
    HOME,
    MANAGEMENT,
    OTHER,
    S3_ALL,
    account_status,
    advanced,
    basic,
    field,
    finding,
    inventory,
    list_trails,
    seed,
    stopped,
    trail,
)


def test_logging_multi_region_trail_with_default_selectors_passes_once_in_home_region() -> None:
    b = inventory()
    seed(b.account(MGMT), trail("main", home=OTHER))
    findings = run(CHECK, b)
    assert [(f.region, f.resource.id, f.status.value) for f in findings] == [
        (HOME, f"AWS::::Account:{MGMT}", "PASS")
    ]


def test_single_region_trail_fails() -> None:
    b = inventory()
    seed(b.account(MGMT), trail("local", multi=False))
    assert account_status(run(CHECK, b), MGMT) == "FAIL"


def test_no_trail_fails() -> None:
    b = inventory()
    list_trails(b.account(MGMT))
    b.account(MGMT).put(TRAIL_STATUS, {}).put(TRAIL_SELECTORS, {})
    assert account_status(run(CHECK, b), MGMT) == "FAIL"


def test_stopped_multi_region_trail_fails() -> None:
    b = inventory()
    t = trail()
    seed(b.account(MGMT), t, status={t.arn: stopped()})
    assert account_status(run(CHECK, b), MGMT) == "FAIL"


SELECTORS = {
    "ReadOnly": (basic("ReadOnly"), "FAIL"),
    "WriteOnly": (basic("WriteOnly"), "FAIL"),
    "IncludeManagementEvents false": (basic("All", mgmt=False, data=(ALL_BUCKETS,)), "FAIL"),
    "ExcludeManagementEventSources kms": (basic("All", exclude=("kms.amazonaws.com",)), "FAIL"),
    "basic All": (basic("All"), "PASS"),
    "advanced Management": (advanced(MANAGEMENT), "PASS"),
    "advanced Management readOnly": (advanced((*MANAGEMENT, field("readOnly", "false"))), "FAIL"),
    "advanced data only": (advanced(S3_ALL), "FAIL"),
}


@pytest.mark.parametrize("case", SELECTORS)
def test_event_selectors(case: str) -> None:
    selectors, expected = SELECTORS[case]
    b = inventory()
    t = trail()
    seed(b.account(MGMT), t, selectors={t.arn: selectors})
    assert account_status(run(CHECK, b), MGMT) == expected


def test_one_qualifying_trail_among_others_passes_and_evidence_lists_every_trail() -> None:
    b = inventory()
    bad = trail("read-only")
    good = trail("good", home=OTHER)
    local = trail("local", multi=False)
    seed(b.account(MGMT), bad, good, local, selectors={bad.arn: basic("ReadOnly")})
    f = finding(run(CHECK, b), MGMT)
    assert f.status.value == "PASS"
    assert f.evidence["covered_by"]["trail"] == good.arn
    assert {t["TrailARN"] for t in f.evidence["trails"]} == {bad.arn, good.arn, local.arn}


def test_fail_evidence_says_why_each_trail_did_not_qualify() -> None:
    b = inventory()
    ro = trail("read-only")
    off = trail("off")
    seed(
        b.account(MGMT), ro, off, selectors={ro.arn: basic("ReadOnly")}, status={off.arn: stopped()}
    )
    f = finding(run(CHECK, b), MGMT)
    assert f.status.value == "FAIL"
    facts = {t["TrailARN"]: t for t in f.evidence["trails"]}
    assert facts[off.arn]["IsLogging"] is False
    assert facts[ro.arn]["EventSelectors"][0]["ReadWriteType"] == "ReadOnly"
    assert not any(t["qualifies"] for t in f.evidence["trails"])


def _org_setup(*, member_lists_shadow: bool) -> tuple[InventoryBuilder, str]:
    b = inventory()
    org = trail("org", MGMT, org=True)
    seed(b.account(MGMT), org)
    if member_lists_shadow:
        seed(b.account(MEMBER), org)
    else:
        seed(b.account(MEMBER))
    return b, org.arn


@pytest.mark.parametrize("shadow", [True, False], ids=["shadow-listed", "shadow-not-listed"])
def test_member_is_covered_by_the_management_accounts_org_trail(shadow: bool) -> None:
    b, arn = _org_setup(member_lists_shadow=shadow)
    findings = run(CHECK, b)
    assert account_status(findings, MGMT) == "PASS"
    f = finding(findings, MEMBER)
    assert f.status.value == "PASS"
    assert f.evidence["covered_by"] == {"trail": arn, "account": MGMT}


def test_member_with_org_trail_status_only_in_its_own_data_passes() -> None:
    b = inventory()
    org = trail("org", MGMT, org=True)
    seed(b.account(MGMT), org)
    b.account(MGMT).fail(TRAIL_STATUS, operation="GetTrailStatus")
    seed(b.account(MEMBER), org)
    findings = run(CHECK, b)
    assert account_status(findings, MGMT) == "ERROR"
    assert account_status(findings, MEMBER) == "PASS"


def test_member_errors_when_org_trail_status_is_unavailable_everywhere() -> None:
    b = inventory()
    org = trail("org", MGMT, org=True)
    seed(b.account(MGMT), org)
    b.account(MGMT).fail(TRAIL_STATUS, operation="GetTrailStatus")
    seed(b.account(MEMBER))
    f = finding(run(CHECK, b), MEMBER)
    assert f.status.value == "ERROR"
    assert [e.operation for e in f.errors] == ["GetTrailStatus"]
    assert [t["TrailARN"] for t in f.evidence["trails"]] == [org.arn]


def test_member_errors_when_org_trail_selectors_are_unavailable_everywhere() -> None:
    b = inventory()
    org = trail("org", MGMT, org=True)
    seed(b.account(MGMT), org)
    b.account(MGMT).fail(TRAIL_SELECTORS, operation="GetEventSelectors")
    seed(b.account(MEMBER))
    assert account_status(run(CHECK, b), MEMBER) == "ERROR"


def test_member_errors_when_the_management_account_listings_all_failed() -> None:
    b = inventory()
    seed(b.account(MGMT))
    b.account(MGMT).fail(TRAILS)
    seed(b.account(MEMBER))
    assert account_status(run(CHECK, b), MEMBER) == "ERROR"


def test_one_failed_management_listing_does_not_hide_a_multi_region_org_trail() -> None:
    b = inventory()
    seed(b.account(MGMT), trail("org", MGMT, org=True))
    b.account(MGMT).fail(TRAILS, region=OTHER)
    seed(b.account(MEMBER))
    assert account_status(run(CHECK, b), MEMBER) == "PASS"


def test_stopped_org_trail_fails_the_member() -> None:
    b = inventory()
    org = trail("org", MGMT, org=True)
    seed(b.account(MGMT), org, status={org.arn: stopped()})
    seed(b.account(MEMBER))
    assert account_status(run(CHECK, b), MEMBER) == "FAIL"


def test_a_management_account_trail_that_is_not_an_org_trail_does_not_cover_members() -> None:
    b = inventory()
    seed(b.account(MGMT), trail("private", MGMT))
    seed(b.account(MEMBER))
    findings = run(CHECK, b)
    assert account_status(findings, MGMT) == "PASS"
    assert account_status(findings, MEMBER) == "FAIL"


@pytest.mark.parametrize("ds", [TRAILS, TRAIL_STATUS, TRAIL_SELECTORS], ids=lambda d: d.name)
def test_failed_dataset_is_error_never_a_verdict(ds: Dataset[Any]) -> None:
    b = inventory()
    seed(b.account(MGMT), trail())
    b.account(MGMT).fail(ds, region=OTHER)
    assert account_status(run(CHECK, b), MGMT) == "ERROR"


def test_empty_selectors_mean_all_management_events() -> None:
    b = inventory()
    t = trail()
    seed(b.account(MGMT), t, selectors={t.arn: TrailSelectors()})
    assert account_status(run(CHECK, b), MGMT) == "PASS"

"""CloudTrail.4: log file validation on every owned trail, one finding per trail."""

from __future__ import annotations

from checks.cloudtrail_log_validation import CHECK
from scanner.core.datasets.cloudtrail import TRAILS
from tests.builders import MEMBER, MGMT, by_resource, run
from tests.checks.test_cloudtrail_lib import HOME, OTHER, inventory, list_trails, trail


def test_one_finding_per_trail_in_its_home_region() -> None:
    b = inventory()
    on = trail("on", home=OTHER, log_file_validation_enabled=True)
    off = trail("off", multi=False)
    shadowed = trail("shadowed", log_file_validation_enabled=False)
    list_trails(b.account(MGMT), on, off, shadowed)
    assert by_resource(run(CHECK, b)) == {
        (MGMT, OTHER, on.arn): "PASS",
        (MGMT, HOME, off.arn): "FAIL",
        (MGMT, HOME, shadowed.arn): "FAIL",
    }


def test_org_trail_owned_by_another_account_has_no_finding_in_the_member() -> None:
    b = inventory()
    org = trail("org", MGMT, org=True)
    list_trails(b.account(MGMT), org)
    list_trails(b.account(MEMBER), org)
    assert by_resource(run(CHECK, b)) == {(MGMT, HOME, org.arn): "FAIL"}


def test_failed_listing_is_error() -> None:
    b = inventory()
    list_trails(b.account(MGMT), trail("on", log_file_validation_enabled=True))
    b.account(MGMT).fail(TRAILS, region=HOME)
    findings = run(CHECK, b)
    assert {(f.region, f.status.value) for f in findings} == {(HOME, "ERROR")}

"""CloudTrail.2: KmsKeyId defined on every owned trail, one finding per trail."""

from __future__ import annotations

from checks.cloudtrail_kms_encryption import CHECK
from scanner.core.datasets.cloudtrail import TRAILS
from tests.builders import MEMBER, MGMT, by_resource, run
from tests.checks.test_cloudtrail_lib import HOME, OTHER, inventory, list_trails, trail

KEY = f"arn:aws:kms:{HOME}:{MGMT}:key/1234abcd-12ab-34cd-56ef-1234567890ab"


def test_one_finding_per_trail_in_its_home_region() -> None:
    b = inventory()
    encrypted = trail("encrypted", home=OTHER, kms_key_id=KEY)
    plain = trail("plain")
    local = trail("local", home=OTHER, multi=False)
    list_trails(b.account(MGMT), encrypted, plain, local)
    assert by_resource(run(CHECK, b)) == {
        (MGMT, OTHER, encrypted.arn): "PASS",
        (MGMT, HOME, plain.arn): "FAIL",
        (MGMT, OTHER, local.arn): "FAIL",
    }


def test_org_trail_owned_by_another_account_has_no_finding_in_the_member() -> None:
    b = inventory()
    org = trail("org", MGMT, org=True, kms_key_id=KEY)
    list_trails(b.account(MGMT), org)
    list_trails(b.account(MEMBER), org)
    assert by_resource(run(CHECK, b)) == {(MGMT, HOME, org.arn): "PASS"}


def test_failed_listing_is_error() -> None:
    b = inventory()
    list_trails(b.account(MGMT), trail("t", kms_key_id=KEY))
    b.account(MGMT).fail(TRAILS)
    assert {f.status.value for f in run(CHECK, b)} == {"ERROR"}

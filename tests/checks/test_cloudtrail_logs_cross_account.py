"""Trails should deliver to a bucket in another account (log archive)."""

from __future__ import annotations

from checks.cloudtrail_logs_cross_account import CHECK
from scanner.core.datasets.s3 import S3_BUCKETS
from tests.builders import LOGS, MEMBER, MGMT, by_resource, run
from tests.checks.test_s3_lib import EU, HOME, Spec, put_s3, put_trails, trail, world

ORG_TRAIL = trail(MGMT, "archive", name="org", org=True)


def test_pass_fail_warning_per_trail_in_its_owner_and_home_region() -> None:
    b = world()
    local = trail(MGMT, "mgmt-own", name="local", region=EU, multi=False)
    outside = trail(MEMBER, "external", name="ext")
    put_trails(put_s3(b.account(MGMT), Spec("mgmt-own", region=EU)), ORG_TRAIL, local)
    put_trails(put_s3(b.account(LOGS), Spec("archive")), ORG_TRAIL)
    put_trails(put_s3(b.account(MEMBER)), ORG_TRAIL, outside)
    assert by_resource(run(CHECK, b)) == {
        (MGMT, HOME, ORG_TRAIL.arn): "PASS",
        (MGMT, EU, local.arn): "FAIL",
        (MEMBER, HOME, outside.arn): "WARNING",
    }


def test_unknown_owner_because_a_bucket_list_failed_is_an_error() -> None:
    b = world()
    put_trails(put_s3(b.account(MGMT)), ORG_TRAIL)
    put_trails(b.account(LOGS).fail(S3_BUCKETS, operation="ListBuckets"), ORG_TRAIL)
    assert by_resource(run(CHECK, b))[(MGMT, HOME, ORG_TRAIL.arn)] == "ERROR"
    # ...but a bucket found in a readable list still decides.
    put_s3(b.account(MEMBER), Spec("archive"))
    put_trails(b.account(MEMBER), ORG_TRAIL)
    assert by_resource(run(CHECK, b))[(MGMT, HOME, ORG_TRAIL.arn)] == "PASS"

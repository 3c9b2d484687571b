"""Bucket helpers of checks.lib.buckets: regions, per-bucket errors, ownership."""

from __future__ import annotations

from checks.lib.buckets import bucket_owners, trails_by_bucket
from checks.s3_bucket_access_logging import CHECK as S3_9
from scanner.core.datasets.s3 import (
    S3_BUCKETS,
)
from scanner.core.model import Status
from scanner.core.view import OrgView
from tests.builders import LOGS, MEMBER, MGMT, by_resource, run
from tests.checks.buckets import (
    EU,
    HOME,
    Spec,
    arn,
    put_s3,
    put_trails,
    trail,
    world,
)

# --- tests of the helpers ------------------------------------------------------------------


def test_buckets_are_judged_in_their_own_region_only() -> None:
    b = world()
    put_s3(b.account(MGMT), Spec("us-bucket"), Spec("eu-bucket", region=EU))
    got = by_resource(run(S3_9, b))
    assert got == {
        (MGMT, HOME, arn("us-bucket")): "FAIL",
        (MGMT, EU, arn("eu-bucket")): "FAIL",
    }


def test_bucket_in_an_unscanned_region_is_not_judged() -> None:
    b = world(regions=(HOME,))
    put_s3(b.account(MGMT), Spec("us-bucket"), Spec("tokyo", region="ap-northeast-1"))
    got = by_resource(run(S3_9, b))
    assert got == {(MGMT, HOME, arn("us-bucket")): "FAIL"}


def test_unknown_bucket_region_is_an_error_in_the_home_region() -> None:
    b = world()
    put_s3(b.account(MGMT), Spec("lost", failed=("region",)), Spec("ok", logging_target="logs"))
    findings = run(S3_9, b)
    got = by_resource(findings)
    assert got == {(MGMT, HOME, arn("lost")): "ERROR", (MGMT, HOME, arn("ok")): "PASS"}
    lost = next(f for f in findings if f.resource.id == arn("lost"))
    assert lost.errors[0].operation == "GetBucketLocation"


def test_failed_bucket_list_is_an_account_error() -> None:
    b = world()
    acct = put_s3(b.account(MGMT), Spec("x"))
    acct.fail(S3_BUCKETS, operation="ListBuckets", iam_action="s3:ListAllMyBuckets")
    findings = run(S3_9, b)
    assert {f.status for f in findings} == {Status.ERROR}
    assert all(f.resource.type == "AwsAccount" for f in findings)


def test_bucket_owners_and_trails_index_the_whole_scan() -> None:
    b = world()
    put_trails(put_s3(b.account(MGMT)), trail(MGMT, "archive", org=True))
    put_trails(put_s3(b.account(LOGS), Spec("archive")))
    put_trails(b.account(MEMBER).fail(S3_BUCKETS), trail(MGMT, "archive", org=True))
    org = OrgView(b.build())
    owners = bucket_owners(org)
    assert owners.owner["archive"][0] == LOGS
    assert owners.errors and owners.errors[0].code == "AccessDenied"
    by_bucket = trails_by_bucket(org)
    assert [t.owner_account for t in by_bucket["archive"]] == [MGMT]
    assert bucket_owners(org) is owners  # computed once per scan

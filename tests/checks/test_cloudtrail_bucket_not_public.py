"""CloudTrail.6: trail buckets not public, judged once in the owning account and region."""

from __future__ import annotations

from checks.cloudtrail_bucket_not_public import CHECK
from scanner.core.datasets.s3 import S3_BUCKETS
from scanner.core.findings import Finding
from scanner.core.model import Status
from tests.builders import LOGS, MEMBER, MGMT, by_resource, run
from tests.checks.test_s3_lib import (
    ACCOUNT_OFF,
    EU,
    HOME,
    Spec,
    allow_public,
    arn,
    public_grant,
    put_s3,
    put_trails,
    trail,
    world,
)

ORG_TRAIL = trail(MGMT, "archive", name="org", org=True)


def org_scan(archive: Spec) -> list[Finding]:
    """Organization trail in MGMT (listed by every account) writing to a bucket in LOGS."""
    b = world()
    put_trails(put_s3(b.account(MGMT), Spec("mgmt-data")), ORG_TRAIL)
    put_trails(put_s3(b.account(LOGS), archive, account_bpa=ACCOUNT_OFF), ORG_TRAIL)
    put_trails(put_s3(b.account(MEMBER)), ORG_TRAIL)
    return run(CHECK, b)


def test_central_bucket_is_judged_once_in_its_owner_account_and_region() -> None:
    findings = org_scan(Spec("archive"))
    assert by_resource(findings) == {(LOGS, HOME, arn("archive")): "PASS"}
    (f,) = findings
    assert [r.id for r in f.related_resources] == [ORG_TRAIL.arn]
    assert f.evidence["trails"][0]["owner_account"] == MGMT


def test_public_acl_or_policy_fails() -> None:
    acl = org_scan(Spec("archive", grants=(public_grant("READ_ACP"),)))
    assert [f.status for f in acl] == [Status.FAIL]
    pol = org_scan(Spec("archive", policy=allow_public("archive", "s3:ListBucket")))
    assert [f.status for f in pol] == [Status.FAIL]


def test_unreadable_acl_is_an_error() -> None:
    assert [f.status for f in org_scan(Spec("archive", failed=("acl",)))] == [Status.ERROR]


def test_bucket_in_another_region_is_judged_there() -> None:
    findings = org_scan(Spec("archive", region=EU))
    assert by_resource(findings) == {(LOGS, EU, arn("archive")): "PASS"}


def test_bucket_outside_the_scan_is_a_warning_for_the_trail_owner() -> None:
    b = world()
    put_trails(put_s3(b.account(MGMT), Spec("other")), trail(MGMT, "elsewhere"))
    findings = run(CHECK, b)
    assert by_resource(findings) == {(MGMT, HOME, arn("elsewhere")): "WARNING"}
    assert findings[0].related_resources[0].type == "AwsCloudTrailTrail"


def test_bucket_owner_unknown_because_a_bucket_list_failed_is_an_error() -> None:
    b = world()
    put_trails(put_s3(b.account(MGMT)), trail(MGMT, "elsewhere"))
    put_trails(b.account(LOGS).fail(S3_BUCKETS, operation="ListBuckets"))
    findings = run(CHECK, b)
    assert by_resource(findings)[(MGMT, HOME, arn("elsewhere"))] == "ERROR"


def test_only_trail_buckets_are_judged() -> None:
    b = world()
    acct = put_s3(
        b.account(MEMBER),
        Spec("own-trail", grants=(public_grant(),)),
        Spec("data", grants=(public_grant(),)),
        account_bpa=ACCOUNT_OFF,
    )
    put_trails(acct, trail(MEMBER, "own-trail", multi=False))
    assert by_resource(run(CHECK, b)) == {(MEMBER, HOME, arn("own-trail")): "FAIL"}


def test_bucket_in_an_unscanned_region_of_a_scanned_account_is_a_warning() -> None:
    b = world(regions=(HOME,))
    put_trails(put_s3(b.account(MGMT)), trail(MGMT, "tokyo-logs"))
    put_trails(put_s3(b.account(LOGS), Spec("tokyo-logs", region="ap-northeast-1")))
    assert by_resource(run(CHECK, b)) == {(MGMT, HOME, arn("tokyo-logs")): "WARNING"}


def test_unreadable_policy_status_of_a_trail_bucket_is_an_error() -> None:
    tls_only = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Deny",
                "Principal": "*",
                "Action": "s3:*",
                "Resource": "*",
                "Condition": {"Bool": {"aws:SecureTransport": "false"}},
            }
        ],
    }
    (f,) = org_scan(Spec("archive", policy=tls_only, failed=("policy_status",)))
    assert f.status is Status.ERROR
    assert [e.operation for e in f.errors] == ["GetBucketPolicyStatus"]

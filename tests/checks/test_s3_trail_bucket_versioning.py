"""S3.14 on the trails' buckets: versioning Enabled passes; Suspended or never enabled fails."""

from __future__ import annotations

from checks.s3_trail_bucket_versioning import CHECK
from scanner.core.datasets.s3 import S3_BUCKET_VERSIONING
from tests.builders import LOGS, MGMT, by_resource, run
from tests.checks.test_s3_lib import EU, HOME, Spec, arn, put_s3, put_trails, trail, world


def judge(spec: Spec) -> str:
    b = world()
    put_trails(put_s3(b.account(MGMT), spec), trail(MGMT, spec.name))
    return by_resource(run(CHECK, b))[(MGMT, spec.region, arn(spec.name))]


def test_enabled_passes() -> None:
    assert judge(Spec("t", versioning="Enabled")) == "PASS"
    assert judge(Spec("t", versioning="Enabled", mfa_delete="Enabled")) == "PASS"


def test_suspended_or_never_enabled_fails() -> None:
    assert judge(Spec("t", versioning="Suspended")) == "FAIL"
    assert judge(Spec("t")) == "FAIL"


def test_object_lock_alone_is_not_versioning() -> None:
    # Object Lock turns versioning on in AWS; the stored versioning status is what decides.
    assert judge(Spec("t", object_lock=True, versioning="Enabled")) == "PASS"


def test_unreadable_versioning_is_error_never_a_verdict() -> None:
    assert judge(Spec("t", failed=("versioning",))) == "ERROR"
    # Object Lock is not needed for S3.14: its failed call does not matter.
    assert judge(Spec("t", versioning="Enabled", failed=("object_lock",))) == "PASS"


def test_failed_dataset_is_error() -> None:
    b = world()
    acct = put_s3(b.account(MGMT), Spec("t", versioning="Enabled"))
    put_trails(acct, trail(MGMT, "t"))
    acct.fail(
        S3_BUCKET_VERSIONING, operation="GetBucketVersioning", iam_action="s3:GetBucketVersioning"
    )
    got = run(CHECK, b)
    assert got and {f.status.value for f in got} == {"ERROR"}
    assert any(e.operation.startswith("GetBucket") for f in got for e in f.errors)


def test_only_trail_buckets_are_judged_in_their_region() -> None:
    b = world()
    put_s3(
        b.account(MGMT),
        Spec("eu-trail", region=EU, versioning="Enabled"),
        Spec("unrelated"),
    )
    put_trails(b.account(MGMT), trail(MGMT, "eu-trail", region=EU))
    assert by_resource(run(CHECK, b)) == {(MGMT, EU, arn("eu-trail")): "PASS"}


def test_central_bucket_is_judged_once_in_its_owner_account() -> None:
    b = world()
    put_s3(b.account(MGMT))
    put_trails(b.account(MGMT), trail(MGMT, "archive", org=True))
    put_s3(b.account(LOGS), Spec("archive", versioning="Suspended"))
    put_trails(b.account(LOGS))
    assert by_resource(run(CHECK, b)) == {(LOGS, HOME, arn("archive")): "FAIL"}


def test_bucket_outside_the_scan_is_a_warning_in_the_trail_account() -> None:
    b = world()
    put_s3(b.account(MGMT))
    put_trails(b.account(MGMT), trail(MGMT, "elsewhere"))
    got = run(CHECK, b)
    assert [(f.account_id, f.status.value) for f in got] == [(MGMT, "WARNING")]

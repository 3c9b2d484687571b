"""S3.20 on the trails' buckets: MFA delete; no finding where a lifecycle configuration exists."""

from __future__ import annotations

from checks.s3_trail_bucket_mfa_delete import CHECK
from scanner.core.datasets.s3 import S3_BUCKET_LIFECYCLE
from tests.builders import MGMT, by_resource, run
from tests.checks.test_s3_lib import HOME, Spec, arn, put_s3, put_trails, trail, world


def results(spec: Spec) -> dict[tuple[str, str, str], str]:
    b = world()
    put_trails(put_s3(b.account(MGMT), spec), trail(MGMT, spec.name))
    return by_resource(run(CHECK, b))


def judge(spec: Spec) -> str:
    return results(spec)[(MGMT, HOME, arn(spec.name))]


def test_mfa_delete_enabled_passes() -> None:
    assert judge(Spec("t", versioning="Enabled", mfa_delete="Enabled")) == "PASS"


def test_mfa_delete_disabled_or_absent_fails() -> None:
    assert judge(Spec("t", versioning="Enabled", mfa_delete="Disabled")) == "FAIL"
    assert judge(Spec("t", versioning="Enabled")) == "FAIL"
    assert judge(Spec("t")) == "FAIL"
    # Object Lock protects objects but is not MFA delete.
    assert judge(Spec("t", versioning="Enabled", object_lock=True)) == "FAIL"


def test_suspended_versioning_with_mfa_delete_still_passes() -> None:
    # Security Hub: PASSED "only if MFA delete is enabled"; MFADelete stays Enabled when suspended.
    assert judge(Spec("t", versioning="Suspended", mfa_delete="Enabled")) == "PASS"


def test_bucket_with_lifecycle_configuration_has_no_finding() -> None:
    assert results(Spec("t", versioning="Enabled", lifecycle=True)) == {}


def test_unknown_lifecycle_is_error_unless_mfa_delete_is_on() -> None:
    assert judge(Spec("t", versioning="Enabled", failed=("lifecycle",))) == "ERROR"
    assert judge(Spec("t", versioning="Enabled", mfa_delete="Enabled", failed=("lifecycle",))) == (
        "PASS"
    )


def test_unreadable_versioning_is_error() -> None:
    assert judge(Spec("t", failed=("versioning",))) == "ERROR"
    assert results(Spec("t", lifecycle=True, failed=("versioning",))) == {}


def test_failed_lifecycle_dataset_is_error() -> None:
    b = world()
    acct = put_s3(b.account(MGMT), Spec("t", versioning="Enabled"))
    put_trails(acct, trail(MGMT, "t"))
    acct.fail(
        S3_BUCKET_LIFECYCLE,
        operation="GetBucketLifecycleConfiguration",
        iam_action="s3:GetLifecycleConfiguration",
    )
    got = run(CHECK, b)
    assert got and {f.status.value for f in got} == {"ERROR"}
    assert any(e.operation.startswith("GetBucket") for f in got for e in f.errors)

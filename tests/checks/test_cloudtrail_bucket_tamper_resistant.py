"""Trail buckets protected by Object Lock, or versioning with MFA delete."""

from __future__ import annotations

from checks.cloudtrail_bucket_tamper_resistant import CHECK
from tests.builders import MGMT, by_resource, run
from tests.checks.buckets import HOME, Spec, arn, put_s3, put_trails, trail, world


def judge(spec: Spec) -> str:
    b = world()
    put_trails(put_s3(b.account(MGMT), spec), trail(MGMT, spec.name))
    return by_resource(run(CHECK, b))[(MGMT, HOME, arn(spec.name))]


def test_object_lock_passes() -> None:
    assert judge(Spec("t", object_lock=True, versioning="Enabled")) == "PASS"


def test_versioning_with_mfa_delete_passes() -> None:
    assert judge(Spec("t", versioning="Enabled", mfa_delete="Enabled")) == "PASS"


def test_versioning_alone_or_nothing_fails() -> None:
    assert judge(Spec("t", versioning="Enabled")) == "FAIL"
    assert judge(Spec("t", versioning="Suspended", mfa_delete="Enabled")) == "FAIL"
    assert judge(Spec("t")) == "FAIL"


def test_failed_calls() -> None:
    assert judge(Spec("t", failed=("object_lock",), versioning="Enabled")) == "ERROR"
    assert judge(Spec("t", failed=("versioning",))) == "ERROR"
    # Object Lock known to be on: versioning is not needed.
    assert judge(Spec("t", object_lock=True, failed=("versioning",))) == "PASS"

"""S3.6: blacklisted actions granted to other accounts."""

from __future__ import annotations

from typing import Any

from checks.s3_bucket_cross_account_actions import CHECK
from scanner.core.model import Status
from tests.builders import MEMBER, MGMT, run
from tests.checks.test_s3_lib import Spec, arn, doc, put_s3, world


def grant(principal: Any, action: Any) -> dict[str, Any]:
    return {"Effect": "Allow", "Principal": principal, "Action": action, "Resource": arn("b")}


def status(policy: Any) -> Status:
    b = world()
    put_s3(b.account(MGMT), Spec("b", policy=policy))
    (f,) = run(CHECK, b)
    return f.status


def test_other_account_with_put_bucket_policy_fails() -> None:
    assert status(doc(grant({"AWS": MEMBER}, "s3:PutBucketPolicy"))) is Status.FAIL
    assert status(doc(grant({"AWS": f"arn:aws:iam::{MEMBER}:root"}, "s3:*"))) is Status.FAIL
    assert status(doc(grant("*", "s3:PutObjectAcl"))) is Status.FAIL


def test_own_account_services_and_harmless_actions_pass() -> None:
    assert status(doc(grant({"AWS": f"arn:aws:iam::{MGMT}:role/admin"}, "s3:*"))) is Status.PASS
    assert status(doc(grant({"Service": "cloudtrail.amazonaws.com"}, "s3:*"))) is Status.PASS
    assert status(doc(grant({"AWS": MEMBER}, ["s3:GetObject", "s3:ListBucket"]))) is Status.PASS
    assert status(None) is Status.PASS


def test_unreadable_or_malformed_policy_is_an_error() -> None:
    b = world()
    put_s3(b.account(MGMT), Spec("b", failed=("policy",)), Spec("c", policy="[1, 2"))
    assert {f.status for f in run(CHECK, b)} == {Status.ERROR}

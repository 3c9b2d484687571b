"""S3.3: public write through the policy or the ACL."""

from __future__ import annotations

from checks.s3_bucket_public_write import CHECK
from scanner.core.datasets.s3 import PublicAccessBlock
from tests.builders import MGMT, run
from tests.checks.test_s3_lib import (
    ACCOUNT_OFF,
    Spec,
    allow_public,
    arn,
    public_grant,
    put_s3,
    world,
)


def judge(spec: Spec) -> str:
    b = world()
    put_s3(b.account(MGMT), spec, account_bpa=ACCOUNT_OFF)
    (finding,) = [f for f in run(CHECK, b) if f.resource.id == arn(spec.name)]
    return finding.status.value


def test_public_write_acl_fails() -> None:
    for permission in ("WRITE", "WRITE_ACP", "FULL_CONTROL"):
        assert judge(Spec("b", grants=(public_grant(permission),))) == "FAIL", permission


def test_public_write_policy_fails() -> None:
    for action in ("s3:PutObject", "s3:DeleteObject", "s3:*", "*", "s3:Put*"):
        assert judge(Spec("b", policy=allow_public("b", action))) == "FAIL", action


def test_public_read_only_passes() -> None:
    assert judge(Spec("b", grants=(public_grant("READ"),))) == "PASS"
    assert judge(Spec("b", policy=allow_public("b"))) == "PASS"


def test_neutralised_and_error_cases() -> None:
    restrict = PublicAccessBlock(restrict_public_buckets=True, ignore_public_acls=True)
    both = Spec("b", policy=allow_public("b", "s3:PutObject"), grants=(public_grant("WRITE"),))
    assert judge(both) == "FAIL"
    both.pab = restrict
    assert judge(both) == "PASS"
    assert judge(Spec("b", failed=("acl",))) == "ERROR"

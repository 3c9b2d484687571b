"""S3.2: public read through the policy or the ACL, honouring block public access."""

from __future__ import annotations

from checks.s3_bucket_public_read import CHECK
from scanner.core.datasets.s3 import (
    AUTHENTICATED_USERS,
    AccountPublicAccessBlock,
    PublicAccessBlock,
)
from scanner.core.model import Status
from tests.builders import MGMT, run
from tests.checks.test_s3_lib import (
    ACCOUNT_OFF,
    ACCOUNT_ON,
    HOME,
    Spec,
    allow_public,
    arn,
    doc,
    public_grant,
    put_s3,
    world,
)

ONLY_BLOCK = PublicAccessBlock(block_public_acls=True, block_public_policy=True)
RESTRICT = PublicAccessBlock(restrict_public_buckets=True)
IGNORE_ACLS = PublicAccessBlock(ignore_public_acls=True)


def judge(spec: Spec, account_bpa: AccountPublicAccessBlock = ACCOUNT_OFF) -> str:
    b = world()
    put_s3(b.account(MGMT), spec, account_bpa=account_bpa)
    (finding,) = [f for f in run(CHECK, b) if f.resource.id == arn(spec.name)]
    return finding.status.value


def test_private_bucket_passes() -> None:
    assert judge(Spec("b")) == "PASS"
    assert (
        judge(
            Spec(
                "b",
                policy=doc(
                    {
                        "Effect": "Allow",
                        "Principal": {"AWS": "111111111111"},
                        "Action": "s3:*",
                        "Resource": "*",
                    }
                ),
            )
        )
        == "PASS"
    )


def test_public_policy_fails() -> None:
    assert judge(Spec("b", policy=allow_public("b"))) == "FAIL"


def test_public_acl_fails_for_all_and_authenticated_users() -> None:
    assert judge(Spec("b", grants=(public_grant("READ"),))) == "FAIL"
    assert judge(Spec("b", grants=(public_grant("FULL_CONTROL", AUTHENTICATED_USERS),))) == "FAIL"


def test_public_write_only_is_not_public_read() -> None:
    assert judge(Spec("b", grants=(public_grant("WRITE"),))) == "PASS"
    assert judge(Spec("b", policy=allow_public("b", "s3:PutObject"))) == "PASS"


def test_restrict_public_buckets_neutralises_the_policy_at_bucket_or_account_level() -> None:
    assert judge(Spec("b", policy=allow_public("b"), pab=RESTRICT)) == "PASS"
    assert judge(Spec("b", policy=allow_public("b")), account_bpa=ACCOUNT_ON) == "PASS"
    restrict_acct = AccountPublicAccessBlock(configured=True, settings=RESTRICT)
    assert judge(Spec("b", policy=allow_public("b")), account_bpa=restrict_acct) == "PASS"


def test_block_public_policy_alone_does_not_neutralise_an_existing_grant() -> None:
    assert judge(Spec("b", policy=allow_public("b"), pab=ONLY_BLOCK)) == "FAIL"
    assert judge(Spec("b", grants=(public_grant(),), pab=ONLY_BLOCK)) == "FAIL"


def test_ignore_public_acls_neutralises_the_acl_but_not_the_policy() -> None:
    assert judge(Spec("b", grants=(public_grant(),), pab=IGNORE_ACLS)) == "PASS"
    assert judge(
        Spec("b", grants=(public_grant(),), policy=allow_public("b"), pab=IGNORE_ACLS)
    ) == ("FAIL")


def test_policy_status_public_without_a_recognised_statement_fails() -> None:
    odd = doc(
        {
            "Effect": "Allow",
            "Principal": {"AWS": "111111111111"},
            "Action": "s3:GetObject",
            "Resource": "*",
        }
    )
    assert judge(Spec("b", policy=odd, is_public=True)) == "FAIL"
    assert judge(Spec("b", policy=odd, is_public=False)) == "PASS"


def test_failed_sub_calls_give_error_never_pass() -> None:
    # Policy unreadable and not neutralised by the account: ERROR.
    assert judge(Spec("b", failed=("policy",))) == "ERROR"
    assert judge(Spec("b", failed=("acl",))) == "ERROR"
    assert judge(Spec("b", grants=(public_grant(),), failed=("public_access_block",))) == "ERROR"
    assert judge(Spec("b", policy="{not json")) == "ERROR"


def test_a_known_public_part_fails_even_when_the_other_part_is_unknown() -> None:
    assert judge(Spec("b", policy=allow_public("b"), failed=("acl",))) == "FAIL"


def test_block_public_access_settings_unknown_only_matter_for_public_grants() -> None:
    # Bucket-level settings unreadable, account level restricts both: nothing else is needed.
    assert judge(Spec("b", failed=("public_access_block",)), account_bpa=ACCOUNT_ON) == "PASS"
    # Unreadable bucket-level settings with a public policy: could be neutralised, so ERROR.
    assert judge(Spec("b", policy=allow_public("b"), failed=("public_access_block",))) == "ERROR"
    # The account restricts public policies and ignores public ACLs: neither is needed.
    assert judge(Spec("b", failed=("policy", "acl")), account_bpa=ACCOUNT_ON) == "PASS"
    # Nothing public: the missing settings could only make it more private.
    assert judge(Spec("b", failed=("public_access_block",))) == "PASS"


def test_error_findings_carry_the_failed_call() -> None:
    b = world()
    put_s3(b.account(MGMT), Spec("b", failed=("policy",)), Spec("ok"), account_bpa=ACCOUNT_OFF)
    findings = {f.resource.id: f for f in run(CHECK, b)}
    bad = findings[arn("b")]
    assert bad.status is Status.ERROR and bad.region == HOME
    assert [e.operation for e in bad.errors] == ["GetBucketPolicy"]
    assert findings[arn("ok")].status is Status.PASS


def test_a_policy_whose_status_could_not_be_read_is_never_passed() -> None:
    """GetBucketPolicyStatus denied: the policy's own statements cannot decide "not public"
    (IsPublic may know better), so the bucket is ERROR naming that call; a statement that is
    public still decides FAIL without it."""
    odd = doc(
        {
            "Effect": "Allow",
            "Principal": {"AWS": "111111111111"},
            "Action": "s3:GetObject",
            "Resource": "*",
        }
    )
    b = world()
    put_s3(
        b.account(MGMT),
        Spec("odd", policy=odd, failed=("policy_status",)),
        Spec("open", policy=allow_public("open"), failed=("policy_status",)),
        Spec("none", failed=("policy_status",)),
        account_bpa=ACCOUNT_OFF,
    )
    findings = {f.resource.id: f for f in run(CHECK, b)}
    odd_finding = findings[arn("odd")]
    assert odd_finding.status is Status.ERROR
    assert [e.operation for e in odd_finding.errors] == ["GetBucketPolicyStatus"]
    assert findings[arn("open")].status is Status.FAIL
    assert findings[arn("none")].status is Status.PASS  # no policy: no status to read

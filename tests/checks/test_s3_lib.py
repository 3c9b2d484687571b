"""Bucket helpers (regions, per-bucket errors, ownership) and the S3 inventory factories.

The factories (no `test_` prefix) are imported by the other S3 and trail-bucket check tests.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from checks.lib.buckets import bucket_owners, trails_by_bucket
from checks.s3_bucket_access_logging import CHECK as S3_9
from scanner.core.datasets.cloudtrail import TRAILS, Trail
from scanner.core.datasets.s3 import (
    ALL_USERS,
    S3_ACCOUNT_PUBLIC_ACCESS_BLOCK,
    S3_BUCKET_ACLS,
    S3_BUCKET_LIFECYCLE,
    S3_BUCKET_LOGGING,
    S3_BUCKET_POLICIES,
    S3_BUCKET_PUBLIC_ACCESS_BLOCKS,
    S3_BUCKET_VERSIONING,
    S3_BUCKETS,
    AccountPublicAccessBlock,
    Bucket,
    BucketAcl,
    BucketLifecycle,
    BucketLogging,
    BucketPolicy,
    BucketPublicAccessBlock,
    BucketVersioning,
    Grant,
    PublicAccessBlock,
)
from scanner.core.model import CollectionError, Status
from scanner.core.view import OrgView
from tests.builders import LOGS, MEMBER, MGMT, AccountBuilder, InventoryBuilder, by_resource, run

HOME = "us-east-1"
EU = "eu-west-1"
ALL_ON = PublicAccessBlock(
    block_public_acls=True,
    ignore_public_acls=True,
    block_public_policy=True,
    restrict_public_buckets=True,
)
ACCOUNT_ON = AccountPublicAccessBlock(configured=True, settings=ALL_ON)
ACCOUNT_OFF = AccountPublicAccessBlock(configured=False)

_ERROR_OPERATIONS = {
    "region": "GetBucketLocation",
    "policy": "GetBucketPolicy",
    "policy_status": "GetBucketPolicyStatus",
    "acl": "GetBucketAcl",
    "public_access_block": "GetPublicAccessBlock",
    "logging": "GetBucketLogging",
    "versioning": "GetBucketVersioning",
    "object_lock": "GetObjectLockConfiguration",
    "lifecycle": "GetBucketLifecycleConfiguration",
}


def denied(field_name: str, region: str = HOME) -> CollectionError:
    op = _ERROR_OPERATIONS[field_name]
    return CollectionError(
        operation=op, iam_action=f"s3:{op}", code="AccessDenied", message="denied", region=region
    )


def arn(name: str) -> str:
    return f"arn:aws:s3:::{name}"


@dataclass
class Spec:
    """One bucket's settings; `failed` names the fields whose sub-call failed."""

    name: str
    region: str = HOME
    policy: dict[str, Any] | str | None = None
    is_public: bool | None = None
    grants: tuple[Grant, ...] = ()
    pab: PublicAccessBlock | None = None
    logging_target: str | None = None
    versioning: str | None = None
    mfa_delete: str | None = None
    object_lock: bool = False
    lifecycle: bool = False
    failed: tuple[str, ...] = ()
    errors: dict[str, CollectionError] = field(init=False)

    def __post_init__(self) -> None:
        self.errors = {f: denied(f, self.region) for f in self.failed}

    def only(self, *fields: str) -> dict[str, CollectionError]:
        return {k: v for k, v in self.errors.items() if k in fields}


def public_grant(permission: str = "READ", uri: str = ALL_USERS) -> Grant:
    return Grant(grantee_type="Group", grantee=uri, permission=permission)


def doc(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def allow_public(name: str, action: str = "s3:GetObject") -> dict[str, Any]:
    return doc(
        {"Effect": "Allow", "Principal": "*", "Action": action, "Resource": f"{arn(name)}/*"}
    )


def put_s3(
    acct: AccountBuilder,
    *specs: Spec,
    account_bpa: AccountPublicAccessBlock = ACCOUNT_ON,
) -> AccountBuilder:
    """Store every S3 dataset for the account as the collectors would have built them."""
    acct.put(S3_ACCOUNT_PUBLIC_ACCESS_BLOCK, account_bpa)
    acct.put(
        S3_BUCKETS,
        [
            Bucket(
                name=s.name,
                region=None if "region" in s.errors else s.region,
                errors=s.only("region"),
            )
            for s in specs
        ],
    )
    scanned = [s for s in specs if "region" not in s.errors and s.region in acct.regions]
    acct.put(
        S3_BUCKET_POLICIES,
        {
            s.name: BucketPolicy(
                policy=s.policy
                if isinstance(s.policy, str) or s.policy is None
                else json.dumps(s.policy),
                is_public=s.is_public,
                errors=s.only("policy", "policy_status"),
            )
            for s in scanned
        },
    )
    acct.put(
        S3_BUCKET_ACLS,
        {
            s.name: BucketAcl(
                owner_id=None if "acl" in s.errors else "owner",
                grants=() if "acl" in s.errors else s.grants,
                errors=s.only("acl"),
            )
            for s in scanned
        },
    )
    acct.put(
        S3_BUCKET_PUBLIC_ACCESS_BLOCKS,
        {
            s.name: BucketPublicAccessBlock(settings=s.pab, errors=s.only("public_access_block"))
            for s in scanned
        },
    )
    acct.put(
        S3_BUCKET_LOGGING,
        {
            s.name: BucketLogging(
                enabled=s.logging_target is not None,
                target_bucket=s.logging_target,
                target_prefix=f"{s.name}/" if s.logging_target else None,
                errors=s.only("logging"),
            )
            for s in scanned
        },
    )
    acct.put(
        S3_BUCKET_VERSIONING,
        {
            s.name: BucketVersioning(
                status=s.versioning,
                mfa_delete=s.mfa_delete,
                object_lock_enabled=s.object_lock,
                errors=s.only("versioning", "object_lock"),
            )
            for s in scanned
        },
    )
    acct.put(
        S3_BUCKET_LIFECYCLE,
        {
            s.name: BucketLifecycle(
                configured=s.lifecycle and "lifecycle" not in s.errors,
                rules=1 if s.lifecycle and "lifecycle" not in s.errors else 0,
                errors=s.only("lifecycle"),
            )
            for s in scanned
        },
    )
    return acct


def world(regions: tuple[str, ...] = (HOME, EU)) -> InventoryBuilder:
    return InventoryBuilder(regions=regions, management_account_id=MGMT)


def trail(
    owner: str,
    bucket: str,
    name: str = "main",
    region: str = HOME,
    org: bool = False,
    multi: bool = True,
) -> Trail:
    return Trail(
        name=name,
        arn=f"arn:aws:cloudtrail:{region}:{owner}:trail/{name}",
        home_region=region,
        s3_bucket_name=bucket,
        is_multi_region=multi,
        is_organization_trail=org,
    )


def put_trails(acct: AccountBuilder, *trails: Trail) -> AccountBuilder:
    """DescribeTrails in every region: multi-Region trails everywhere, others in their home."""
    for region in acct.regions:
        acct.put(
            TRAILS, [t for t in trails if t.is_multi_region or t.home_region == region], region
        )
    return acct


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

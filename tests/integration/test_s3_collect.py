"""S3 collectors against moto: account and bucket settings, regions, per-bucket failures."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

import pytest

from scanner.core.dataset import Dataset
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
)
from scanner.core.evaluate import evaluate
from scanner.core.frameworks import Frameworks
from scanner.core.inventory import Inventory
from scanner.core.model import FieldUnavailable
from scanner.core.registry import all_checks, select_checks
from tests.conftest import DEFAULT_ACCOUNT, Faults
from tests.integration.helpers import good_trail, make_bucket

ALL_ON = {
    "BlockPublicAcls": True,
    "IgnorePublicAcls": True,
    "BlockPublicPolicy": True,
    "RestrictPublicBuckets": True,
}
S3_CHECKS = ("S3.1", "S3.2", "S3.3", "S3.5", "S3.6", "S3.8", "S3.9")


def _strip_account_prefix(request: Any, **_: Any) -> None:
    request.url = re.sub(r"//\d{12}\.", "//", request.url, count=1)


def _account_block(client: Callable[..., Any], account_id: str = DEFAULT_ACCOUNT) -> None:
    s3control = client("s3control", "us-east-1", account_id)
    s3control.meta.events.register("before-sign.s3-control.*", _strip_account_prefix)
    s3control.put_public_access_block(AccountId=account_id, PublicAccessBlockConfiguration=ALL_ON)


def _data(inv: Inventory, ds: Dataset[Any], account_id: str = DEFAULT_ACCOUNT) -> Any:
    acct = inv.account(account_id)
    assert acct is not None
    rec = acct.record(ds.name, None)
    assert rec is not None and rec.error is None, rec
    return ds.load(rec.data)


def _statuses(inv: Inventory, *checks: str) -> dict[tuple[str, str, str], str]:
    """(control or check id, account, bucket name or account) -> status."""
    selected = select_checks(all_checks(), list(checks))
    return {
        (f.control_id or f.check_id, f.account_id, f.resource.id.rsplit(":", 1)[-1]): (
            f.status.value
        )
        for f in evaluate(inv, selected, Frameworks(()))
    }


def _seed(client: Callable[..., Any]) -> None:
    s3 = client("s3", "us-east-1")
    make_bucket(client, "logs-target")
    s3.put_bucket_policy(
        Bucket="logs-target",
        Policy=json.dumps(
            {
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Principal": {"Service": "logging.s3.amazonaws.com"},
                        "Action": "s3:PutObject",
                        "Resource": "arn:aws:s3:::logs-target/*",
                    },
                    {
                        "Effect": "Deny",
                        "Principal": "*",
                        "Action": "s3:*",
                        "Resource": ["arn:aws:s3:::logs-target", "arn:aws:s3:::logs-target/*"],
                        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
                    },
                ]
            }
        ),
    )
    s3.put_public_access_block(Bucket="logs-target", PublicAccessBlockConfiguration=ALL_ON)
    make_bucket(client, "public-site")
    s3.put_bucket_policy(
        Bucket="public-site",
        Policy=json.dumps(
            {
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Principal": "*",
                        "Action": "s3:GetObject",
                        "Resource": "arn:aws:s3:::public-site/*",
                    },
                    {
                        "Effect": "Allow",
                        "Principal": {"AWS": "arn:aws:iam::210987654321:root"},
                        "Action": "s3:PutBucketPolicy",
                        "Resource": "arn:aws:s3:::public-site",
                    },
                ]
            }
        ),
    )
    s3.put_bucket_logging(
        Bucket="public-site",
        BucketLoggingStatus={
            "LoggingEnabled": {"TargetBucket": "logs-target", "TargetPrefix": "site/"}
        },
    )
    make_bucket(client, "eu-dropbox", "eu-west-1")
    eu = client("s3", "eu-west-1")
    owner = eu.get_bucket_acl(Bucket="eu-dropbox")["Owner"]
    eu.put_bucket_acl(
        Bucket="eu-dropbox",
        AccessControlPolicy={
            "Owner": owner,
            "Grants": [
                {"Grantee": {"Type": "Group", "URI": ALL_USERS}, "Permission": "WRITE"},
                {
                    "Grantee": {"Type": "CanonicalUser", "ID": owner["ID"]},
                    "Permission": "FULL_CONTROL",
                },
            ],
        },
    )
    eu.put_bucket_versioning(Bucket="eu-dropbox", VersioningConfiguration={"Status": "Enabled"})
    eu.put_object_lock_configuration(
        Bucket="eu-dropbox", ObjectLockConfiguration={"ObjectLockEnabled": "Enabled"}
    )


def test_buckets_and_settings_are_collected_in_each_buckets_region(
    account_client: Callable[..., Any], scan_inventory: Callable[..., Inventory]
) -> None:
    _seed(account_client)
    inv = scan_inventory((*S3_CHECKS, "cloudtrail_bucket_tamper_resistant"))
    buckets = {b.name: b for b in _data(inv, S3_BUCKETS)}
    assert {n: b.region for n, b in buckets.items()} == {
        "logs-target": "us-east-1",
        "public-site": "us-east-1",
        "eu-dropbox": "eu-west-1",
    }
    assert not any(b.errors for b in buckets.values())
    assert _data(inv, S3_ACCOUNT_PUBLIC_ACCESS_BLOCK).configured is False
    policies = _data(inv, S3_BUCKET_POLICIES)
    assert policies["eu-dropbox"].policy is None
    assert json.loads(policies["public-site"].policy)["Statement"][0]["Principal"] == "*"
    assert policies["public-site"].is_public is True
    acls = _data(inv, S3_BUCKET_ACLS)
    grants = {(g.grantee, g.permission) for g in acls["eu-dropbox"].grants}
    assert (ALL_USERS, "WRITE") in grants
    pabs = _data(inv, S3_BUCKET_PUBLIC_ACCESS_BLOCKS)
    assert pabs["public-site"].settings is None
    assert pabs["logs-target"].settings is not None
    assert pabs["logs-target"].settings.restrict_public_buckets is True
    logging = _data(inv, S3_BUCKET_LOGGING)
    assert logging["public-site"].enabled and logging["public-site"].target_bucket == "logs-target"
    assert not logging["logs-target"].enabled
    versioning = _data(inv, S3_BUCKET_VERSIONING)
    assert versioning["eu-dropbox"].status == "Enabled"
    assert versioning["eu-dropbox"].object_lock_enabled is True
    assert versioning["logs-target"].object_lock_enabled is False

    got = _statuses(inv, *S3_CHECKS)
    acct = DEFAULT_ACCOUNT
    assert got[("S3.1", acct, acct)] == "FAIL"
    assert got[("S3.2", acct, "public-site")] == "FAIL"
    assert got[("S3.2", acct, "eu-dropbox")] == "PASS"
    assert got[("S3.3", acct, "eu-dropbox")] == "FAIL"
    assert got[("S3.3", acct, "public-site")] == "PASS"
    assert got[("S3.5", acct, "logs-target")] == "PASS"
    assert got[("S3.5", acct, "public-site")] == "FAIL"
    assert got[("S3.6", acct, "public-site")] == "FAIL"
    assert got[("S3.6", acct, "logs-target")] == "PASS"
    assert got[("S3.8", acct, "logs-target")] == "PASS"
    assert got[("S3.8", acct, "eu-dropbox")] == "FAIL"
    assert got[("S3.9", acct, "public-site")] == "PASS"
    assert got[("S3.9", acct, "logs-target")] == "FAIL"


def test_account_block_public_access_is_read_and_neutralises_public_grants(
    account_client: Callable[..., Any], scan_inventory: Callable[..., Inventory]
) -> None:
    _seed(account_client)
    _account_block(account_client)
    inv = scan_inventory(("S3.1", "S3.2", "S3.3"))
    pab = _data(inv, S3_ACCOUNT_PUBLIC_ACCESS_BLOCK)
    assert pab.configured and pab.settings.disabled() == []
    got = _statuses(inv, "S3.1", "S3.2", "S3.3")
    assert got[("S3.1", DEFAULT_ACCOUNT, DEFAULT_ACCOUNT)] == "PASS"
    assert got[("S3.2", DEFAULT_ACCOUNT, "public-site")] == "PASS"
    assert got[("S3.3", DEFAULT_ACCOUNT, "eu-dropbox")] == "PASS"


def test_account_check_alone_does_not_list_buckets(
    account_client: Callable[..., Any], scan_inventory: Callable[..., Inventory]
) -> None:
    make_bucket(account_client, "anything")
    inv = scan_inventory(("S3.1",))
    acct = inv.account(DEFAULT_ACCOUNT)
    assert acct is not None
    assert {r.dataset for r in acct.records.values()} == {S3_ACCOUNT_PUBLIC_ACCESS_BLOCK.name}


def test_access_denied_on_one_operation_is_error_on_each_bucket_never_pass(
    account_client: Callable[..., Any],
    scan_inventory: Callable[..., Inventory],
    faults: Faults,
) -> None:
    _seed(account_client)
    faults.deny("GetBucketPolicy")
    inv = scan_inventory(("S3.2", "S3.5", "S3.6", "S3.9"))
    policies = _data(inv, S3_BUCKET_POLICIES)  # the dataset itself was collected
    assert {n: sorted(p.errors) for n, p in policies.items()} == {
        "logs-target": ["is_public", "policy"],
        "public-site": ["is_public", "policy"],
        "eu-dropbox": ["is_public", "policy"],
    }
    error = policies["public-site"].errors["policy"]
    assert (error.operation, error.iam_action, error.code) == (
        "GetBucketPolicy",
        "s3:GetBucketPolicy",
        "AccessDenied",
    )
    got = _statuses(inv, "S3.2", "S3.5", "S3.6", "S3.9")
    for bucket in ("logs-target", "public-site", "eu-dropbox"):
        for control in ("S3.5", "S3.6"):
            assert got[(control, DEFAULT_ACCOUNT, bucket)] == "ERROR", (control, bucket)
    # S3.2: the bucket-level settings of logs-target neutralise any policy; the others need it.
    assert got[("S3.2", DEFAULT_ACCOUNT, "logs-target")] == "PASS"
    assert got[("S3.2", DEFAULT_ACCOUNT, "public-site")] == "ERROR"
    assert got[("S3.2", DEFAULT_ACCOUNT, "eu-dropbox")] == "ERROR"
    # Other aspects are unaffected.
    assert got[("S3.9", DEFAULT_ACCOUNT, "public-site")] == "PASS"


def test_failed_location_leaves_the_bucket_listed_with_an_error(
    account_client: Callable[..., Any],
    scan_inventory: Callable[..., Inventory],
    faults: Faults,
) -> None:
    make_bucket(account_client, "somewhere", "eu-west-1")
    faults.deny("GetBucketLocation")
    inv = scan_inventory(("S3.9",))
    (bucket,) = _data(inv, S3_BUCKETS)
    assert bucket.errors["region"].operation == "GetBucketLocation"
    with pytest.raises(FieldUnavailable):
        _ = bucket.region  # never read as "no region"
    assert _statuses(inv, "S3.9") == {("S3.9", DEFAULT_ACCOUNT, "somewhere"): "ERROR"}


def test_organization_trail_bucket_is_judged_in_the_log_archive_account(
    account_client: Callable[..., Any], scan_inventory: Callable[..., Inventory]
) -> None:
    orgs = account_client("organizations")
    orgs.create_organization(FeatureSet="ALL")
    archive = orgs.create_account(Email="a@example.com", AccountName="archive")[
        "CreateAccountStatus"
    ]["AccountId"]
    bucket = make_bucket(account_client, "central-trail-logs", account_id=archive)
    archive_s3 = account_client("s3", "us-east-1", archive)
    archive_s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    archive_s3.put_object_lock_configuration(
        Bucket=bucket, ObjectLockConfiguration={"ObjectLockEnabled": "Enabled"}
    )
    archive_s3.put_bucket_acl(Bucket=bucket, ACL="public-read")
    good_trail(account_client, name="org", S3BucketName=bucket, IsOrganizationTrail=True)
    own = make_bucket(account_client, "mgmt-own-trail-logs")
    account_client("cloudtrail").create_trail(Name="local", S3BucketName=own)
    checks = (
        "CloudTrail.6",
        "CloudTrail.7",
        "cloudtrail_bucket_tamper_resistant",
        "cloudtrail_logs_cross_account",
    )
    inv = scan_inventory(checks, org=True)
    got = _statuses(inv, *checks)
    trail_org = "trail/org"
    assert got[("CloudTrail.6", archive, bucket)] == "FAIL"  # public-read ACL
    assert got[("CloudTrail.7", archive, bucket)] == "FAIL"
    assert got[("cloudtrail_bucket_tamper_resistant", archive, bucket)] == "PASS"
    assert got[("cloudtrail_bucket_tamper_resistant", DEFAULT_ACCOUNT, own)] == "FAIL"
    assert got[("cloudtrail_logs_cross_account", DEFAULT_ACCOUNT, trail_org)] == "PASS"
    assert got[("cloudtrail_logs_cross_account", DEFAULT_ACCOUNT, "trail/local")] == "FAIL"
    # the central bucket is judged once, only in the account that owns it
    central = [k for k in got if k[2] == bucket]
    assert {k[1] for k in central} == {archive}


def _trail_buckets(client: Callable[..., Any]) -> None:
    """Two trail buckets: one versioned with a lifecycle rule, one never versioned."""
    s3 = client("s3", "us-east-1")
    kept = make_bucket(client, "kept-trail-logs")
    s3.put_bucket_versioning(Bucket=kept, VersioningConfiguration={"Status": "Enabled"})
    s3.put_bucket_lifecycle_configuration(
        Bucket=kept,
        LifecycleConfiguration={
            "Rules": [
                {"ID": "expire", "Status": "Enabled", "Filter": {}, "Expiration": {"Days": 400}}
            ]
        },
    )
    bare = make_bucket(client, "bare-trail-logs", "eu-west-1")
    ct = client("cloudtrail", "us-east-1")
    ct.create_trail(Name="kept", S3BucketName=kept)
    client("cloudtrail", "eu-west-1").create_trail(Name="bare", S3BucketName=bare)
    make_bucket(client, "not-a-log-bucket")


def test_trail_bucket_versioning_and_lifecycle_decide_s3_14_and_s3_20(
    account_client: Callable[..., Any], scan_inventory: Callable[..., Inventory]
) -> None:
    _trail_buckets(account_client)
    inv = scan_inventory(("S3.14", "S3.20"))
    lifecycle = _data(inv, S3_BUCKET_LIFECYCLE)
    assert lifecycle["kept-trail-logs"].configured and lifecycle["kept-trail-logs"].rules == 1
    assert not lifecycle["bare-trail-logs"].configured
    assert not any(v.errors for v in lifecycle.values())
    got = _statuses(inv, "S3.14", "S3.20")
    acct = DEFAULT_ACCOUNT
    assert got == {
        ("S3.14", acct, "kept-trail-logs"): "PASS",
        ("S3.14", acct, "bare-trail-logs"): "FAIL",
        # kept-trail-logs has a lifecycle configuration: no S3.20 finding, as in Security Hub
        ("S3.20", acct, "bare-trail-logs"): "FAIL",
    }


def test_denied_lifecycle_read_is_error_for_s3_20_never_fail(
    account_client: Callable[..., Any],
    scan_inventory: Callable[..., Inventory],
    faults: Faults,
) -> None:
    _trail_buckets(account_client)
    faults.deny("GetBucketLifecycleConfiguration")
    inv = scan_inventory(("S3.14", "S3.20"))
    lifecycle = _data(inv, S3_BUCKET_LIFECYCLE)
    error = lifecycle["kept-trail-logs"].errors["configured"]
    assert (error.operation, error.iam_action, error.code) == (
        "GetBucketLifecycleConfiguration",
        "s3:GetLifecycleConfiguration",
        "AccessDenied",
    )
    got = _statuses(inv, "S3.14", "S3.20")
    assert got[("S3.20", DEFAULT_ACCOUNT, "kept-trail-logs")] == "ERROR"
    assert got[("S3.20", DEFAULT_ACCOUNT, "bare-trail-logs")] == "ERROR"
    assert got[("S3.14", DEFAULT_ACCOUNT, "kept-trail-logs")] == "PASS"  # unaffected

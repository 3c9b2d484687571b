"""Demo S3: account and bucket block public access, public and private buckets, TLS-only and
cross-account policies, access logging, and a hardened organization trail bucket."""

from __future__ import annotations

import json
import re
from typing import Any

from scanner.demo.world import DemoAccount, DemoOrg

ORDER = 20

ALL_USERS = "http://acs.amazonaws.com/groups/global/AllUsers"
ALL_ON = {
    "BlockPublicAcls": True,
    "IgnorePublicAcls": True,
    "BlockPublicPolicy": True,
    "RestrictPublicBuckets": True,
}


def _strip_account_prefix(request: Any, **_: Any) -> None:
    # s3control puts "<account>." in front of the host, which does not resolve for a local server.
    request.url = re.sub(r"//\d{12}\.", "//", request.url, count=1)


def _account_block(account: DemoAccount, **settings: bool) -> None:
    s3control = account.client("s3control", "us-east-1")
    s3control.meta.events.register("before-sign.s3-control.*", _strip_account_prefix)
    s3control.put_public_access_block(
        AccountId=account.account_id, PublicAccessBlockConfiguration=settings
    )


def _bucket(account: DemoAccount, name: str, region: str) -> str:
    kwargs: dict[str, Any] = {}
    if region != "us-east-1":
        kwargs["CreateBucketConfiguration"] = {"LocationConstraint": region}
    account.client("s3", region).create_bucket(Bucket=name, **kwargs)
    return name


def _arns(name: str) -> list[str]:
    return [f"arn:aws:s3:::{name}", f"arn:aws:s3:::{name}/*"]


def _tls_only(name: str) -> dict[str, Any]:
    return {
        "Sid": "DenyInsecureTransport",
        "Effect": "Deny",
        "Principal": "*",
        "Action": "s3:*",
        "Resource": _arns(name),
        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
    }


def _policy(account: DemoAccount, name: str, region: str, *statements: dict[str, Any]) -> None:
    doc = {"Version": "2012-10-17", "Statement": list(statements)}
    account.client("s3", region).put_bucket_policy(Bucket=name, Policy=json.dumps(doc))


def _add_statements(
    account: DemoAccount, name: str, region: str, *statements: dict[str, Any]
) -> None:
    s3 = account.client("s3", region)
    doc = json.loads(s3.get_bucket_policy(Bucket=name)["Policy"])
    doc["Statement"] = [*doc["Statement"], *statements]
    s3.put_bucket_policy(Bucket=name, Policy=json.dumps(doc))


def _block(account: DemoAccount, name: str, region: str, **settings: bool) -> None:
    account.client("s3", region).put_public_access_block(
        Bucket=name, PublicAccessBlockConfiguration=settings or ALL_ON
    )


def _log_bucket(account: DemoAccount, name: str, region: str) -> str:
    """A private, TLS-only bucket that receives server access logs."""
    _bucket(account, name, region)
    _policy(
        account,
        name,
        region,
        {
            "Sid": "S3ServerAccessLogs",
            "Effect": "Allow",
            "Principal": {"Service": "logging.s3.amazonaws.com"},
            "Action": "s3:PutObject",
            "Resource": f"arn:aws:s3:::{name}/*",
            "Condition": {"StringEquals": {"aws:SourceAccount": account.account_id}},
        },
        _tls_only(name),
    )
    _block(account, name, region)
    return name


def _log_to(account: DemoAccount, name: str, target: str, region: str) -> None:
    account.client("s3", region).put_bucket_logging(
        Bucket=name,
        BucketLoggingStatus={
            "LoggingEnabled": {"TargetBucket": target, "TargetPrefix": f"{name}/"}
        },
    )


def _public_acl(account: DemoAccount, name: str, region: str, permission: str) -> None:
    s3 = account.client("s3", region)
    owner = s3.get_bucket_acl(Bucket=name)["Owner"]
    s3.put_bucket_acl(
        Bucket=name,
        AccessControlPolicy={
            "Owner": owner,
            "Grants": [
                {
                    "Grantee": {"Type": "CanonicalUser", "ID": owner["ID"]},
                    "Permission": "FULL_CONTROL",
                },
                {"Grantee": {"Type": "Group", "URI": ALL_USERS}, "Permission": permission},
            ],
        },
    )


def _management(org: DemoOrg) -> None:
    """Hardened: account block public access on; one well-kept and one legacy bucket."""
    acct, region, sfx = org.management, "us-east-1", org.suffix
    logs = _log_bucket(acct, f"mgmt-access-logs-{sfx}", region)
    good = _bucket(acct, f"mgmt-reports-{sfx}", region)
    _policy(acct, good, region, _tls_only(good))
    _block(acct, good, region)
    _log_to(acct, good, logs, region)
    # Legacy bucket: a TLS deny on GetObject only, and PutBucketPolicy granted to the sandbox.
    legacy = _bucket(acct, f"mgmt-legacy-{sfx}", region)
    _policy(
        acct,
        legacy,
        region,
        {
            "Sid": "DenyInsecureGet",
            "Effect": "Deny",
            "Principal": "*",
            "Action": "s3:GetObject",
            "Resource": f"arn:aws:s3:::{legacy}/*",
            "Condition": {"Bool": {"aws:SecureTransport": "false"}},
        },
        {
            "Sid": "SandboxAdmin",
            "Effect": "Allow",
            "Principal": {"AWS": f"arn:aws:iam::{org.sandbox.account_id}:root"},
            "Action": ["s3:GetBucketPolicy", "s3:PutBucketPolicy"],
            "Resource": f"arn:aws:s3:::{legacy}",
        },
    )
    _account_block(acct, **ALL_ON)


def _log_archive(org: DemoOrg) -> None:
    """The organization trail bucket: TLS-only, blocked, logged, versioned with Object Lock."""
    acct, region, sfx = org.log_archive, "us-east-1", org.suffix
    logs = _log_bucket(acct, f"log-archive-access-logs-{sfx}", region)
    trail_bucket = org.names["org_trail_bucket"]
    _add_statements(acct, trail_bucket, region, _tls_only(trail_bucket))
    _block(acct, trail_bucket, region)
    _log_to(acct, trail_bucket, logs, region)
    s3 = acct.client("s3", region)
    s3.put_bucket_versioning(Bucket=trail_bucket, VersioningConfiguration={"Status": "Enabled"})
    s3.put_object_lock_configuration(
        Bucket=trail_bucket,
        ObjectLockConfiguration={
            "ObjectLockEnabled": "Enabled",
            "Rule": {"DefaultRetention": {"Mode": "GOVERNANCE", "Days": 365}},
        },
    )
    # Read access for the whole Organization (not public: a fixed aws:PrincipalOrgID).
    _add_statements(
        acct,
        trail_bucket,
        region,
        {
            "Sid": "OrganizationRead",
            "Effect": "Allow",
            "Principal": "*",
            "Action": "s3:GetObject",
            "Resource": f"arn:aws:s3:::{trail_bucket}/*",
            "Condition": {"StringEquals": {"aws:PrincipalOrgID": org.organization_id}},
        },
    )
    _account_block(acct, **ALL_ON)


def _workloads(org: DemoOrg) -> None:
    """Half-done: partial account block; a public policy neutralised at bucket level."""
    acct, region, sfx = org.workloads, "eu-west-1", org.suffix
    logs = _log_bucket(acct, f"workloads-access-logs-{sfx}", region)
    site = _bucket(acct, f"workloads-site-{sfx}", region)
    _policy(
        acct,
        site,
        region,
        {
            "Sid": "PublicRead",
            "Effect": "Allow",
            "Principal": "*",
            "Action": "s3:GetObject",
            "Resource": f"arn:aws:s3:::{site}/*",
        },
        _tls_only(site),
    )
    _block(acct, site, region)  # RestrictPublicBuckets neutralises the public statement
    _log_to(acct, site, logs, region)
    partner = _bucket(acct, f"workloads-partner-{sfx}", region)
    _policy(
        acct,
        partner,
        region,
        {
            "Sid": "LogArchiveRead",
            "Effect": "Allow",
            "Principal": {"AWS": org.log_archive.account_id},
            "Action": ["s3:GetObject", "s3:ListBucket"],
            "Resource": _arns(partner),
        },
    )
    _account_block(acct, BlockPublicAcls=True, BlockPublicPolicy=True)
    # The workloads trail bucket (seed_cloudtrail) stays private but unlogged and unversioned.


def _sandbox(org: DemoOrg) -> None:
    """Careless: no account block, a public-read bucket, a public-write bucket, a public trail
    bucket."""
    acct, region, sfx = org.sandbox, "us-east-1", org.suffix
    logs = _log_bucket(acct, f"sandbox-access-logs-{sfx}", region)
    public = _bucket(acct, f"sandbox-public-{sfx}", region)
    _policy(
        acct,
        public,
        region,
        {
            "Sid": "PublicRead",
            "Effect": "Allow",
            "Principal": "*",
            "Action": "s3:GetObject",
            "Resource": f"arn:aws:s3:::{public}/*",
        },
    )
    _log_to(acct, public, logs, region)
    dropbox = _bucket(acct, f"sandbox-dropbox-{sfx}", region)
    _public_acl(acct, dropbox, region, "WRITE")
    _public_acl(acct, f"sandbox-trail-{sfx}", region, "READ")


def seed(org: DemoOrg) -> None:
    _management(org)
    _log_archive(org)
    _workloads(org)
    _sandbox(org)

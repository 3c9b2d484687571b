"""S3 collectors: account public access block, ListBuckets, and per-bucket settings by aspect.

Per-bucket calls use a client in the bucket's region and only cover buckets in scanned regions.
A per-bucket call that fails (other than the documented "not configured" errors) is recorded
on that bucket's value against every field the call fills (field-level provenance, see
scanner.core.model.Collected), so one unreadable bucket does not hide the others and no check can
read a default in place of the failed call's answer.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from scanner.aws.collector import Collector, on
from scanner.aws.engine import CollectContext, error_from_exception
from scanner.core.datasets.s3 import (
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
from scanner.core.model import CollectionError, peek


def _code(exc: BaseException) -> str | None:
    response = getattr(exc, "response", None)
    if isinstance(response, dict):
        code = response.get("Error", {}).get("Code")
        return str(code) if code else None
    return None


def _pab(raw: dict[str, Any]) -> PublicAccessBlock:
    return PublicAccessBlock(
        block_public_acls=bool(raw.get("BlockPublicAcls", False)),
        ignore_public_acls=bool(raw.get("IgnorePublicAcls", False)),
        block_public_policy=bool(raw.get("BlockPublicPolicy", False)),
        restrict_public_buckets=bool(raw.get("RestrictPublicBuckets", False)),
    )


def fetch_account_public_access_block(ctx: CollectContext) -> AccountPublicAccessBlock:
    client = ctx.client("s3control", ctx.home_region)
    try:
        raw = client.get_public_access_block(AccountId=ctx.account_id)
    except Exception as exc:
        if _code(exc) == "NoSuchPublicAccessBlockConfiguration":
            return AccountPublicAccessBlock(configured=False)
        raise
    return AccountPublicAccessBlock(
        configured=True, settings=_pab(raw.get("PublicAccessBlockConfiguration", {}))
    )


def bucket_region(location: str | None) -> str:
    """GetBucketLocation's LocationConstraint as a region name (None/"" is us-east-1)."""
    if not location:
        return "us-east-1"
    if location == "EU":
        return "eu-west-1"
    return location


def fetch_buckets(ctx: CollectContext) -> list[Bucket]:
    raw = ctx.paginate("s3", "list_buckets", "Buckets", region=ctx.home_region)
    out: list[Bucket] = []
    for item in raw:
        name = str(item["Name"])
        created = item.get("CreationDate")
        created_text = created.isoformat() if hasattr(created, "isoformat") else created
        region: str | None = item.get("BucketRegion") or None
        errors: dict[str, CollectionError] = {}
        if region is None:
            try:
                loc = ctx.client("s3", ctx.home_region).get_bucket_location(Bucket=name)
                region = bucket_region(loc.get("LocationConstraint"))
            except Exception as exc:  # recorded on the bucket; the others are still listed
                errors = Bucket.failed(error_from_exception(exc, ctx.home_region), "region")
        out.append(Bucket(name=name, region=region, creation_date=created_text, errors=errors))
    return sorted(out, key=lambda b: b.name)


def scanned_buckets(ctx: CollectContext) -> list[tuple[str, str]]:
    """(name, region) of the listed buckets whose region is one the scan covers."""
    out: list[tuple[str, str]] = []
    for b in ctx.account(S3_BUCKETS):
        region = peek(b, "region")  # unknown: no per-bucket call (the bucket is ERROR)
        if region is not None and region in ctx.regions:
            out.append((b.name, region))
    return out


_FAILED = object()


def _call(
    errors: dict[str, CollectionError],
    fields: tuple[str, ...],
    region: str,
    call: Callable[[], Any],
    absent: tuple[str, ...] = (),
) -> Any:
    """The response; None for an `absent` error code; _FAILED otherwise, with the error
    recorded in `errors` against every field the call fills."""
    try:
        return call()
    except Exception as exc:  # per-bucket failures are data on that bucket
        if _code(exc) in absent:
            return None
        errors.update(dict.fromkeys(fields, error_from_exception(exc, region)))
        return _FAILED


def fetch_policies(ctx: CollectContext) -> dict[str, BucketPolicy]:
    out: dict[str, BucketPolicy] = {}
    for name, region in scanned_buckets(ctx):
        s3 = ctx.client("s3", region)
        errors: dict[str, CollectionError] = {}
        raw = _call(
            errors,
            ("policy", "is_public"),  # no policy text: its status is unknown too
            region,
            lambda: s3.get_bucket_policy(Bucket=name),  # noqa: B023 - called at once
            absent=("NoSuchBucketPolicy",),
        )
        policy = raw.get("Policy") if isinstance(raw, dict) else None
        is_public: bool | None = None
        if policy is not None:
            status = _call(
                errors,
                ("is_public",),
                region,
                lambda: s3.get_bucket_policy_status(Bucket=name),  # noqa: B023
                absent=("NoSuchBucketPolicy",),
            )
            if isinstance(status, dict):
                if "PolicyStatus" in status:
                    is_public = bool(status["PolicyStatus"].get("IsPublic", False))
                else:  # a policy without a status: unknown, never "not public"
                    errors["is_public"] = _no_status(region)
        out[name] = BucketPolicy(policy=policy, is_public=is_public, errors=errors)
    return out


def _no_status(region: str) -> CollectionError:
    return CollectionError(
        operation="GetBucketPolicyStatus",
        iam_action="s3:GetBucketPolicyStatus",
        code="MissingPolicyStatus",
        message="the answer has no PolicyStatus",
        region=region,
    )


def _grant(raw: dict[str, Any]) -> Grant:
    grantee = raw.get("Grantee", {})
    ident = grantee.get("URI") or grantee.get("ID") or grantee.get("EmailAddress") or ""
    return Grant(
        grantee_type=str(grantee.get("Type", "")),
        grantee=str(ident),
        permission=str(raw.get("Permission", "")),
    )


def fetch_acls(ctx: CollectContext) -> dict[str, BucketAcl]:
    out: dict[str, BucketAcl] = {}
    for name, region in scanned_buckets(ctx):
        s3 = ctx.client("s3", region)
        errors: dict[str, CollectionError] = {}
        raw = _call(
            errors,
            ("owner_id", "grants"),
            region,
            lambda: s3.get_bucket_acl(Bucket=name),  # noqa: B023 - called at once
        )
        if isinstance(raw, dict):
            out[name] = BucketAcl(
                owner_id=raw.get("Owner", {}).get("ID"),
                grants=tuple(_grant(g) for g in raw.get("Grants", ())),
            )
        else:
            out[name] = BucketAcl(errors=errors)
    return out


def fetch_public_access_blocks(ctx: CollectContext) -> dict[str, BucketPublicAccessBlock]:
    out: dict[str, BucketPublicAccessBlock] = {}
    for name, region in scanned_buckets(ctx):
        s3 = ctx.client("s3", region)
        errors: dict[str, CollectionError] = {}
        raw = _call(
            errors,
            ("settings",),
            region,
            lambda: s3.get_public_access_block(Bucket=name),  # noqa: B023
            absent=("NoSuchPublicAccessBlockConfiguration",),
        )
        settings = (
            _pab(raw.get("PublicAccessBlockConfiguration", {})) if isinstance(raw, dict) else None
        )
        out[name] = BucketPublicAccessBlock(settings=settings, errors=errors)
    return out


def fetch_logging(ctx: CollectContext) -> dict[str, BucketLogging]:
    out: dict[str, BucketLogging] = {}
    for name, region in scanned_buckets(ctx):
        s3 = ctx.client("s3", region)
        errors: dict[str, CollectionError] = {}
        raw = _call(
            errors,
            ("enabled", "target_bucket", "target_prefix"),
            region,
            lambda: s3.get_bucket_logging(Bucket=name),  # noqa: B023 - called at once
        )
        enabled = raw.get("LoggingEnabled") if isinstance(raw, dict) else None
        if enabled:
            out[name] = BucketLogging(
                enabled=True,
                target_bucket=enabled.get("TargetBucket"),
                target_prefix=enabled.get("TargetPrefix"),
            )
        else:
            out[name] = BucketLogging(enabled=False, errors=errors)
    return out


def fetch_versioning(ctx: CollectContext) -> dict[str, BucketVersioning]:
    out: dict[str, BucketVersioning] = {}
    for name, region in scanned_buckets(ctx):
        s3 = ctx.client("s3", region)
        errors: dict[str, CollectionError] = {}
        ver = _call(
            errors,
            ("status", "mfa_delete"),
            region,
            lambda: s3.get_bucket_versioning(Bucket=name),  # noqa: B023
        )
        lock = _call(
            errors,
            ("object_lock_enabled",),
            region,
            lambda: s3.get_object_lock_configuration(Bucket=name),  # noqa: B023
            absent=("ObjectLockConfigurationNotFoundError",),
        )
        ver_raw = ver if isinstance(ver, dict) else {}
        lock_raw = lock.get("ObjectLockConfiguration", {}) if isinstance(lock, dict) else {}
        out[name] = BucketVersioning(
            status=ver_raw.get("Status") or None,
            mfa_delete=ver_raw.get("MFADelete") or None,
            object_lock_enabled=lock_raw.get("ObjectLockEnabled") == "Enabled",
            errors=errors,
        )
    return out


def fetch_lifecycle(ctx: CollectContext) -> dict[str, BucketLifecycle]:
    out: dict[str, BucketLifecycle] = {}
    for name, region in scanned_buckets(ctx):
        s3 = ctx.client("s3", region)
        errors: dict[str, CollectionError] = {}
        raw = _call(
            errors,
            ("configured", "rules"),
            region,
            lambda: s3.get_bucket_lifecycle_configuration(Bucket=name),  # noqa: B023
            absent=("NoSuchLifecycleConfiguration",),
        )
        rules = (raw.get("Rules") or ()) if isinstance(raw, dict) else ()
        out[name] = BucketLifecycle(configured=bool(rules), rules=len(rules), errors=errors)
    return out


_S3 = "s3.amazonaws.com"

# CloudTrail records the account-level public access block (s3control PutPublicAccessBlock) with
# eventSource s3.amazonaws.com, under its own name or the bucket-level call's name: both are
# declared (by both datasets, for the shared names). A bucket created or deleted reaches every
# per-bucket dataset through `depends_on`.
COLLECTORS = (
    Collector(
        S3_ACCOUNT_PUBLIC_ACCESS_BLOCK,
        ("s3:GetAccountPublicAccessBlock",),
        fetch_account_public_access_block,
        events=on(
            _S3,
            "PutAccountPublicAccessBlock",
            "DeleteAccountPublicAccessBlock",
            "PutPublicAccessBlock",
            "DeletePublicAccessBlock",
        ),
    ),
    Collector(
        S3_BUCKETS,
        ("s3:ListAllMyBuckets", "s3:GetBucketLocation"),
        fetch_buckets,
        events=on(_S3, "CreateBucket", "DeleteBucket"),
    ),
    Collector(
        S3_BUCKET_POLICIES,
        ("s3:GetBucketPolicy", "s3:GetBucketPolicyStatus"),
        fetch_policies,
        events=on(_S3, "PutBucketPolicy", "DeleteBucketPolicy"),
    ),
    Collector(
        S3_BUCKET_ACLS,
        ("s3:GetBucketAcl",),
        fetch_acls,
        events=on(_S3, "PutBucketAcl"),
    ),
    Collector(
        S3_BUCKET_PUBLIC_ACCESS_BLOCKS,
        ("s3:GetBucketPublicAccessBlock",),
        fetch_public_access_blocks,
        events=on(
            _S3,
            "PutPublicAccessBlock",
            "DeletePublicAccessBlock",
            "PutBucketPublicAccessBlock",
            "DeleteBucketPublicAccessBlock",
        ),
    ),
    Collector(
        S3_BUCKET_LOGGING,
        ("s3:GetBucketLogging",),
        fetch_logging,
        events=on(_S3, "PutBucketLogging"),
    ),
    Collector(
        S3_BUCKET_VERSIONING,
        ("s3:GetBucketVersioning", "s3:GetBucketObjectLockConfiguration"),
        fetch_versioning,
        events=on(_S3, "PutBucketVersioning", "PutObjectLockConfiguration"),
    ),
    # CloudTrail records PutBucketLifecycleConfiguration as PutBucketLifecycle.
    Collector(
        S3_BUCKET_LIFECYCLE,
        ("s3:GetLifecycleConfiguration",),
        fetch_lifecycle,
        events=on(_S3, "PutBucketLifecycle", "DeleteBucketLifecycle"),
    ),
)

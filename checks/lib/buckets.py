"""Bucket helpers: per-bucket facts with their errors, public exposure, and trail buckets.

Bucket findings are made in the account that owns the bucket (it is in that account's
ListBuckets) and in the bucket's region. A per-bucket sub-call that failed makes its fields
unavailable (scanner.core.model.Collected): a check that reads one gets ERROR for that bucket
(through View.judge), never PASS or FAIL.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, Literal, TypeVar

from checks.lib.policy import (
    ANY_ACTION,
    READ_ACTIONS,
    WRITE_ACTIONS,
    Policy,
    PolicyError,
    parse_policy,
    public_grants,
)
from checks.lib.trails import trail_resource
from scanner.core.dataset import Dataset
from scanner.core.datasets.cloudtrail import TRAILS, Trail
from scanner.core.datasets.s3 import (
    PUBLIC_GROUPS,
    S3_ACCOUNT_PUBLIC_ACCESS_BLOCK,
    S3_BUCKET_ACLS,
    S3_BUCKET_LOGGING,
    S3_BUCKET_POLICIES,
    S3_BUCKET_PUBLIC_ACCESS_BLOCKS,
    S3_BUCKETS,
    Bucket,
    BucketPolicy,
)
from scanner.core.model import CollectionError, Resource, Result, Status, peek
from scanner.core.view import DataUnavailable, OrgView, View, error_result

__all__ = ["error_result"]  # re-exported for the bucket checks

T = TypeVar("T")
Kind = Literal["read", "write", "any"]


def bucket_arn(view: View | OrgView, name: str) -> str:
    org = view.org if isinstance(view, View) else view
    return f"arn:{org.inventory.partition}:s3:::{name}"


def bucket_resource(view: View, name: str, region: str | None, account_id: str) -> Resource:
    return Resource(
        type="AwsS3Bucket",
        id=bucket_arn(view, name),
        region=region or view.region or view.home_region,
        account_id=account_id,
    )


_UNKNOWN = object()


def buckets_here(view: View) -> list[Bucket]:
    """The account's buckets in the view's region (and, in the home region, those whose
    region could not be read)."""
    out = []
    for b in view.org.get(view.account_id, S3_BUCKETS):
        region = peek(b, "region", _UNKNOWN)
        if region == view.region or (region is _UNKNOWN and view.region == view.home_region):
            out.append(b)
    return out


def _not_collected(ds: Dataset[Any], account_id: str, name: str) -> CollectionError:
    return CollectionError.not_collected(
        f"{ds.name} of account {account_id} has no entry for bucket {name}"
    )


@dataclass(frozen=True)
class Fact:
    """One aspect of one bucket, or the errors that stop it from being read."""

    value: Any
    errors: tuple[CollectionError, ...] = ()


def fact(org: OrgView, account_id: str, ds: Dataset[dict[str, T]], name: str) -> Fact:
    """The bucket's value in `ds`; errors when the dataset or the entry is missing.

    A field of the value whose call failed raises FieldUnavailable when read.
    """
    try:
        data = org.get(account_id, ds)
    except DataUnavailable as exc:
        return Fact(None, exc.errors)
    value = data.get(name)
    if value is None:
        return Fact(None, (_not_collected(ds, account_id, name),))
    return Fact(value)


def malformed_policy(exc: PolicyError, region: str | None) -> CollectionError:
    return CollectionError(
        operation="GetBucketPolicy",
        iam_action="s3:GetBucketPolicy",
        code="MalformedPolicy",
        message=f"the bucket policy could not be analysed: {exc}",
        region=region,
    )


def load_policy(
    bp: BucketPolicy, region: str | None
) -> tuple[Policy | None, CollectionError | None]:
    """The parsed policy (None when the bucket has none), or the parse failure as an error."""
    if bp.policy is None:
        return None, None
    try:
        return parse_policy(bp.policy), None
    except PolicyError as exc:
        return None, malformed_policy(exc, region)


# --- public exposure (S3.2, S3.3, CloudTrail.6) ---------------------------------------------

_FAMILIES: dict[str, tuple[str, ...]] = {
    "read": READ_ACTIONS,
    "write": WRITE_ACTIONS,
    "any": ANY_ACTION,
}
_ACL_PERMISSIONS: dict[str, frozenset[str]] = {
    "read": frozenset({"READ", "READ_ACP", "FULL_CONTROL"}),
    "write": frozenset({"WRITE", "WRITE_ACP", "FULL_CONTROL"}),
    "any": frozenset({"READ", "READ_ACP", "WRITE", "WRITE_ACP", "FULL_CONTROL"}),
}


@dataclass
class Exposure:
    """Whether a bucket is public for `kind`: True/False, or None with the errors."""

    public: bool | None
    reasons: list[str] = field(default_factory=list)
    """Why it is public (when public), or why each part is not (when not public)."""
    evidence: dict[str, Any] = field(default_factory=dict)
    errors: list[CollectionError] = field(default_factory=list)


def _either(a: bool | None, b: bool | None) -> bool | None:
    """True if either is True, False if both are False, else unknown."""
    if a is True or b is True:
        return True
    if a is None or b is None:
        return None
    return False


def exposure(org: OrgView, account_id: str, bucket: Bucket, kind: Kind) -> Exposure:
    """Public access through the bucket policy or ACL, honouring block public access.

    Config rules s3-bucket-public-read/write-prohibited: compliant when (RestrictPublicBuckets
    at bucket or account level OR the policy is not public) AND (IgnorePublicAcls at bucket or
    account level OR the ACL is not public). BlockPublicPolicy/BlockPublicAcls only refuse new
    grants, so they do not neutralise an existing one. A part that is known to be public (and
    not neutralised) decides FAIL even when the other part could not be read; a part that
    could not be decided otherwise makes the result unknown (ERROR). Missing block public
    access settings matter only when a grant is public.
    """
    out = Exposure(public=False)
    ev = out.evidence
    ev["api"] = [
        "s3control:GetPublicAccessBlock",
        "s3:GetPublicAccessBlock",
        "s3:GetBucketPolicy",
        "s3:GetBucketPolicyStatus",
        "s3:GetBucketAcl",
    ]
    bpa_errors: list[CollectionError] = []
    acct_restrict: bool | None = None
    acct_ignore: bool | None = None
    try:
        acct = org.get(account_id, S3_ACCOUNT_PUBLIC_ACCESS_BLOCK)
        ev["account_public_access_block"] = (
            acct.settings.api_fields() if acct.configured else "not configured"
        )
        acct_restrict = acct.configured and acct.settings.restrict_public_buckets
        acct_ignore = acct.configured and acct.settings.ignore_public_acls
    except DataUnavailable as exc:
        bpa_errors.extend(exc.errors)
    pab = fact(org, account_id, S3_BUCKET_PUBLIC_ACCESS_BLOCKS, bucket.name)
    bpa_errors.extend(pab.errors)
    bucket_restrict: bool | None = None
    bucket_ignore: bool | None = None
    if pab.value is not None:
        try:
            settings = pab.value.settings
        except DataUnavailable as exc:
            bpa_errors.extend(exc.errors)
        else:
            ev["bucket_public_access_block"] = (
                settings.api_fields() if settings else "not configured"
            )
            bucket_restrict = bool(settings and settings.restrict_public_buckets)
            bucket_ignore = bool(settings and settings.ignore_public_acls)
    restrict = _either(acct_restrict, bucket_restrict)
    ignore = _either(acct_ignore, bucket_ignore)

    states: list[tuple[bool | None, str]] = []
    for neutral, setting, part in (
        (restrict, "RestrictPublicBuckets", _policy_part),
        (ignore, "IgnorePublicAcls", _acl_part),
    ):
        what = "policy" if part is _policy_part else "acl"
        if neutral is True:
            ev[what] = f"neutralised by {setting}"
            label = "bucket policy" if what == "policy" else "ACL"
            states.append((False, f"{setting} neutralises any public {label} grant"))
            continue
        try:
            state, reason, errors = part(org, account_id, bucket, kind, ev)
        except DataUnavailable as exc:  # a field of this part whose call failed
            state, reason, errors = None, "", exc.errors
        out.errors.extend(errors)
        if state is True and neutral is None:
            state = None  # public, unless the block public access settings we lack say otherwise
            out.errors.extend(bpa_errors)
        states.append((state, reason))
    public = [reason for state, reason in states if state is True]
    if public:
        out.public, out.reasons = True, public
    elif any(state is None for state, _ in states):
        out.public = None
    else:
        out.reasons = [reason for _, reason in states]
    out.errors = list(dict.fromkeys(out.errors))
    return out


Part = tuple[bool | None, str, tuple[CollectionError, ...]]


def _policy_part(
    org: OrgView, account_id: str, bucket: Bucket, kind: Kind, ev: dict[str, Any]
) -> Part:
    bp = fact(org, account_id, S3_BUCKET_POLICIES, bucket.name)
    if bp.value is None:
        return None, "", bp.errors
    policy, error = load_policy(bp.value, bucket.region)
    ev["PolicyStatus.IsPublic"] = peek(bp.value, "is_public", "unavailable")
    if error is not None:
        return None, "", (error,)
    if policy is None:
        ev["policy"] = "no bucket policy"
        return False, "the bucket has no policy", ()
    grants = public_grants(policy, _FAMILIES[kind])
    ev["policy_public_statements"] = [g.statement.describe() for g in grants]
    if grants:
        labels = "; ".join(f"{g.statement.label} allows {', '.join(g.actions)}" for g in grants)
        return True, f"the bucket policy grants everyone access ({labels})", ()
    if bp.value.is_public and not public_grants(policy, ANY_ACTION):
        return (
            True,
            "GetBucketPolicyStatus reports the policy public although no statement was "
            "recognised as public",
            (),
        )
    return False, "no policy statement grants everyone access", ()


def _acl_part(
    org: OrgView, account_id: str, bucket: Bucket, kind: Kind, ev: dict[str, Any]
) -> Part:
    acl = fact(org, account_id, S3_BUCKET_ACLS, bucket.name)
    if acl.value is None:
        return None, "", acl.errors
    perms = _ACL_PERMISSIONS[kind]
    public = [g for g in acl.value.grants if g.grantee in PUBLIC_GROUPS and g.permission in perms]
    ev["acl_public_grants"] = [{"Grantee": g.grantee, "Permission": g.permission} for g in public]
    if not public:
        return False, "the ACL grants nothing to AllUsers or AuthenticatedUsers", ()
    groups = sorted({g.grantee.rsplit("/", 1)[-1] for g in public})
    granted = sorted({g.permission for g in public})
    return True, f"the ACL grants {', '.join(granted)} to {', '.join(groups)}", ()


# --- trail buckets (CloudTrail.6, CloudTrail.7, tamper resistance, cross-account) ------------


@dataclass(frozen=True)
class Owners:
    """Bucket name -> (owning account, bucket) over every scanned account's ListBuckets."""

    owner: dict[str, tuple[str, Bucket]]
    errors: tuple[CollectionError, ...]  # accounts whose bucket list could not be read


_owners_cache: weakref.WeakKeyDictionary[OrgView, Owners] = weakref.WeakKeyDictionary()
_trails_cache: weakref.WeakKeyDictionary[OrgView, dict[str, list[Trail]]] = (
    weakref.WeakKeyDictionary()
)


def bucket_owners(org: OrgView) -> Owners:
    cached = _owners_cache.get(org)
    if cached is not None:
        return cached
    owner: dict[str, tuple[str, Bucket]] = {}
    errors: list[CollectionError] = []
    for acct in org.accounts():
        try:
            buckets = org.get(acct.account_id, S3_BUCKETS)
        except DataUnavailable as exc:
            errors.extend(exc.errors)
            continue
        for b in buckets:
            owner[b.name] = (acct.account_id, b)
    result = Owners(owner, tuple(errors))
    _owners_cache[org] = result
    return result


def trails_by_bucket(org: OrgView) -> dict[str, list[Trail]]:
    """Every trail any scanned account lists (once per ARN), grouped by its S3 bucket."""
    cached = _trails_cache.get(org)
    if cached is not None:
        return cached
    seen: dict[str, Trail] = {}
    for acct in org.accounts():
        for region in acct.regions:
            for trail in org.find(acct.account_id, TRAILS, region) or ():
                seen.setdefault(trail.arn, trail)
    out: dict[str, list[Trail]] = {}
    for trail in sorted(seen.values(), key=lambda t: t.arn):
        if trail.s3_bucket_name:
            out.setdefault(trail.s3_bucket_name, []).append(trail)
    _trails_cache[org] = out
    return out


def trails_evidence(trails: Iterable[Trail]) -> list[dict[str, Any]]:
    return [
        {
            "TrailARN": t.arn,
            "owner_account": t.owner_account,
            "IsOrganizationTrail": t.is_organization_trail,
            "S3BucketName": t.s3_bucket_name,
        }
        for t in trails
    ]


Judge = Callable[[View, Bucket, Resource], Result | None]


def trail_bucket_results(view: View, judge: Judge) -> Iterator[Result]:
    """Judge each trail bucket the view's account owns in the view's region, once.

    Trails of any scanned account that write to the bucket are listed in evidence and related
    resources. A trail homed here whose bucket is in no scanned account's bucket list gets a
    WARNING in the trail owner's account (the bucket cannot be evaluated), or ERROR when some
    scanned account's bucket list could not be read (the owner may be that account). A judge
    that returns None makes no finding for that bucket (Security Hub's "no data").
    """
    by_bucket = trails_by_bucket(view.org)
    for bucket in buckets_here(view):
        trails = by_bucket.get(bucket.name)
        if not trails:
            continue
        resource = bucket_resource(view, bucket.name, peek(bucket, "region"), view.account_id)
        extra = {"trails": trails_evidence(trails)}
        result = _judged(view, bucket, resource, lambda: judge(view, bucket, resource))  # noqa: B023
        if result is None:
            continue
        yield result.model_copy(
            update={
                "evidence": {**result.evidence, **extra},
                "related_resources": tuple(trail_resource(t) for t in trails),
            }
        )
    yield from _outside(view)


def _outside(view: View) -> Iterator[Result]:
    owners = bucket_owners(view.org)
    mine: dict[str, list[Trail]] = {}
    for t in view.get(TRAILS):
        if t.owner_account == view.account_id and t.home_region == view.region and t.s3_bucket_name:
            mine.setdefault(t.s3_bucket_name, []).append(t)
    for name, trails in sorted(mine.items()):
        found = owners.owner.get(name)
        related = tuple(trail_resource(t) for t in trails)
        evidence: dict[str, Any] = {"api": ["s3:ListBuckets"], "trails": trails_evidence(trails)}
        if found is not None:
            owner, bucket = found
            acct = view.org.account(owner)
            region = peek(bucket, "region")
            if acct is None or region is None or region in acct.regions:
                continue  # evaluated in the owner's account and region
            resource = bucket_resource(view, name, view.region, owner)
            yield Result(
                status=Status.WARNING,
                resource=resource,
                reason=(
                    f"Not evaluated: bucket {name} of account {owner} is in region "
                    f"{region}, which this scan does not cover."
                ),
                evidence={**evidence, "bucket_owner_account": owner, "BucketRegion": region},
                related_resources=related,
            )
            continue
        resource = Resource(
            type="AwsS3Bucket", id=bucket_arn(view, name), region=view.region, account_id=None
        )
        if owners.errors:
            yield error_result(resource, owners.errors, evidence).model_copy(
                update={"related_resources": related}
            )
            continue
        yield Result(
            status=Status.WARNING,
            resource=resource,
            reason=(
                f"Not evaluated: bucket {name} is not in any scanned account (likely a log "
                "archive account outside the scan); scan the bucket's account to evaluate it."
            ),
            evidence={**evidence, "bucket_owner_account": None},
            related_resources=related,
        )


def each_bucket(view: View, judge: Callable[[Bucket, Resource], Result]) -> Iterator[Result]:
    """Judge every bucket of the account in the view's region, each inside View.judge: a bucket
    whose judgement reads a field that failed (its region, its policy status...) is ERROR."""
    for bucket in buckets_here(view):
        resource = bucket_resource(view, bucket.name, peek(bucket, "region"), view.account_id)
        result = _judged(view, bucket, resource, lambda: judge(bucket, resource))  # noqa: B023
        if result is not None:
            yield result


def _judged(
    view: View, bucket: Bucket, resource: Resource, decide: Callable[[], Result | None]
) -> Result | None:
    """decide() inside View.judge, after the bucket's region: per-bucket settings are only
    collected for a bucket whose region is known, so an unknown region is the error to name."""

    def run() -> Result | None:
        _ = bucket.region  # raises FieldUnavailable (GetBucketLocation) when it was not read
        return decide()

    return view.judge(resource, run)


def public_result(view: View, bucket: Bucket, resource: Resource, kind: Kind) -> Result:
    """PASS / FAIL / ERROR for public `kind` access to a bucket the view's account owns."""
    what = {"read": "public read", "write": "public write", "any": "public"}[kind]
    exp = exposure(view.org, view.account_id, bucket, kind)
    if exp.public is None:
        return error_result(resource, exp.errors, exp.evidence)
    if exp.public:
        return Result(
            status=Status.FAIL,
            resource=resource,
            reason=f"The bucket allows {what} access: " + "; ".join(exp.reasons) + ".",
            evidence=exp.evidence,
        )
    return Result(
        status=Status.PASS,
        resource=resource,
        reason=f"No {what} access: " + "; ".join(exp.reasons) + ".",
        evidence=exp.evidence,
    )


def logging_result(view: View, owner: str, bucket: Bucket, resource: Resource) -> Result:
    """PASS / FAIL / ERROR for server access logging on `bucket` of account `owner`."""
    log = fact(view.org, owner, S3_BUCKET_LOGGING, bucket.name)
    if log.value is None:
        return error_result(resource, log.errors)
    evidence = {
        "api": "s3:GetBucketLogging",
        "LoggingEnabled": log.value.enabled,
        "TargetBucket": log.value.target_bucket,
        "TargetPrefix": log.value.target_prefix,
    }
    if log.value.enabled:
        return Result(
            status=Status.PASS,
            resource=resource,
            reason=f"Server access logging is enabled (target bucket {log.value.target_bucket}).",
            evidence=evidence,
        )
    return Result(
        status=Status.FAIL,
        resource=resource,
        reason="Server access logging is not enabled.",
        evidence=evidence,
    )

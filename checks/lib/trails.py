"""Trail helpers: owned trails, trails visible to an account (organization graph), verdicts."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from checks.lib.selectors import Coverage, describe
from scanner.core.dataset import Dataset
from scanner.core.datasets.cloudtrail import (
    TRAIL_SELECTORS,
    TRAIL_STATUS,
    TRAILS,
    Trail,
    TrailSelectors,
    TrailStatus,
)
from scanner.core.model import CollectionError, Resource, Result, Status
from scanner.core.view import DataUnavailable, OrgView, View, error_result

T = TypeVar("T")


def first_copies(org: OrgView, region: str | None) -> dict[str, Trail]:
    """ARN -> the first copy of each trail listed in `region` by a scanned account (accounts in
    inventory order, each account's listing in order; listings that failed are skipped).

    Built once per scan: checks that look at other accounts' trails take them from here instead
    of walking every account for every account.
    """
    return org.memo(("trails.first_copies", region), lambda o: _first_copies(o, region))


def _first_copies(org: OrgView, region: str | None) -> dict[str, Trail]:
    out: dict[str, Trail] = {}
    for acct in org.accounts():
        for trail in org.find(acct.account_id, TRAILS, region) or ():
            out.setdefault(trail.arn, trail)
    return out


def owned_trails_homed_here(view: View) -> list[Trail]:
    """Trails the account owns whose home region is the view's region (each trail once).

    Shadow copies (other home region) and organization trails owned by another account are
    skipped: Security Hub generates trail findings in the owner's account and home region.
    """
    return [
        t
        for t in view.get(TRAILS)
        if t.owner_account == view.account_id and t.home_region == view.region
    ]


def key_resource(trail: Trail) -> tuple[Resource, ...]:
    """The trail's KMS key as a related resource (when the trail names it by ARN)."""
    key = trail.kms_key_id or ""
    if not key.startswith("arn:") or ":key/" not in key:
        return ()
    parts = key.split(":")
    return (Resource(type="AwsKmsKey", id=key, region=parts[3], account_id=parts[4]),)


def log_group_resource(trail: Trail) -> tuple[Resource, ...]:
    """The trail's CloudWatch Logs group as a related resource (ARN without the trailing :*)."""
    arn = trail.cloudwatch_logs_log_group_arn or ""
    if not arn.startswith("arn:"):
        return ()
    arn = arn.removesuffix(":*")
    parts = arn.split(":")
    return (Resource(type="AwsLogsLogGroup", id=arn, region=parts[3], account_id=parts[4]),)


def trail_resource(trail: Trail) -> Resource:
    return Resource(
        type="AwsCloudTrailTrail",
        id=trail.arn,
        region=trail.home_region,
        account_id=trail.owner_account,
    )


def status_evidence(status: TrailStatus) -> dict[str, Any]:
    """Every GetTrailStatus field, in the API's names."""
    return {
        "IsLogging": status.is_logging,
        "LatestDeliveryError": status.latest_delivery_error,
        "LatestDeliveryTime": status.latest_delivery_time,
        "LatestCloudWatchLogsDeliveryError": status.latest_cloudwatch_logs_delivery_error,
        "LatestCloudWatchLogsDeliveryTime": status.latest_cloudwatch_logs_delivery_time,
        "LatestNotificationError": status.latest_notification_error,
        "LatestDigestDeliveryError": status.latest_digest_delivery_error,
        "StartLoggingTime": status.start_logging_time,
        "StopLoggingTime": status.stop_logging_time,
    }


# --- trails visible to an account (its own and organization trails) -------------------------


@dataclass(frozen=True)
class VisibleTrail:
    trail: Trail
    seen_as: str  # how the account sees it, for evidence


@dataclass(frozen=True)
class Visible:
    trails: tuple[VisibleTrail, ...]
    errors: tuple[CollectionError, ...] = ()  # organization data that could not be read


def covers(trail: Trail, region: str | None) -> bool:
    """A trail records a region's events if multi-Region or homed there."""
    return region is None or trail.is_multi_region or trail.home_region == region


def visible_trails(view: View, region: str | None = None) -> Visible:
    """Trails that record this account's activity (in `region`, or anywhere when None).

    The account's own trails (from DescribeTrails, shadow copies included, once per ARN), the
    organization trails its DescribeTrails lists, and the organization trails of the
    Organization's management account (from that account's inventory), which cover every member
    even when the member's listing does not show them.
    """
    own = view.get(TRAILS, region) if region else _all_regions(view)
    found: dict[str, VisibleTrail] = {}
    for t in own:
        if t.owner_account == view.account_id:
            found.setdefault(t.arn, VisibleTrail(t, "own trail"))
        elif t.is_organization_trail:
            seen = f"organization trail of account {t.owner_account}, listed in this account"
            found.setdefault(t.arn, VisibleTrail(t, seen))
    org, errors = _management_org_trails(view, region)
    for t in org:
        seen = f"organization trail of the management account {t.owner_account}"
        found.setdefault(t.arn, VisibleTrail(t, seen))
    trails = sorted((v for v in found.values() if covers(v.trail, region)), key=_arn)
    return Visible(tuple(trails), errors)


def _arn(v: VisibleTrail) -> str:
    return v.trail.arn


def _all_regions(view: View) -> list[Trail]:
    return [t for trails in view.per_region(TRAILS).values() for t in trails]


def _management_org_trails(
    view: View, region: str | None
) -> tuple[list[Trail], tuple[CollectionError, ...]]:
    """Organization trails in the management account's listings, and the listings that failed.

    Every trail covering a region appears in the management account's listing of that region
    (multi-Region trails are listed in every region), so only that listing's failure hides one.
    Without a region (or for a region the management account was not scanned in), any listing
    shows every multi-Region organization trail; only a failure of all of them hides one.
    A management account outside the scan adds nothing: the member's own DescribeTrails lists
    the organization trails that cover it.
    """
    mgmt = view.org.management_account_id
    acct = view.org.account(mgmt) if mgmt else None
    if mgmt is None or acct is None or mgmt == view.account_id or not view.org.in_scan(mgmt):
        return [], ()
    listed: list[Trail] = []
    failed: dict[str, tuple[CollectionError, ...]] = {}
    for r in acct.regions:
        try:
            trails: list[Trail] = view.org.get(mgmt, TRAILS, r)
        except DataUnavailable as exc:
            failed[r] = exc.errors
            continue
        listed.extend(trails)
    if region in acct.regions:
        errors = failed.get(region, ())
    elif len(failed) == len(acct.regions):
        errors = tuple(e for errs in failed.values() for e in errs)
    else:
        errors = ()
    org = [t for t in listed if t.is_organization_trail and t.owner_account == mgmt]
    return org, errors


@dataclass(frozen=True)
class TrailData(Generic[T]):
    value: T | None
    account: str | None = None  # whose inventory the value came from
    errors: tuple[CollectionError, ...] = ()


def trail_data(view: View, trail: Trail, ds: Dataset[dict[str, T]]) -> TrailData[T]:
    """Per-trail data (status, selectors, insights) keyed by ARN.

    From the owner's inventory first (collected in the trail's home region), else from this
    account's own collection (an organization trail queried by ARN from the member).
    """
    failed: list[CollectionError] = []  # the dataset itself could not be read
    missing: list[CollectionError] = []  # read, but without this trail
    for acct in dict.fromkeys((trail.owner_account, view.account_id)):
        try:
            data = view.org.get(acct, ds)
        except DataUnavailable as exc:
            failed.extend(exc.errors)
            continue
        if trail.arn in data:
            return TrailData(data[trail.arn], acct)
        missing.append(
            CollectionError.not_collected(
                f"{ds.name} of account {acct} has no entry for {trail.arn}"
            )
        )
    return TrailData(None, None, tuple(failed or missing))


# --- account-level verdicts over visible trails -----------------------------------------------


@dataclass(frozen=True)
class Judgement:
    """Whether one trail satisfies a check, why, the facts observed, and missing data."""

    ok: bool
    why: str
    facts: dict[str, Any] = field(default_factory=dict)
    errors: tuple[CollectionError, ...] = ()


def logging_trail(view: View, trail: Trail, *, multi_region: bool = True) -> Judgement:
    """The trail is (multi-Region and) logging, per GetTrailStatus."""
    if multi_region and not trail.is_multi_region:
        return Judgement(False, "single-Region trail")
    status = trail_data(view, trail, TRAIL_STATUS)
    if status.value is None:
        return Judgement(False, "trail status unavailable", errors=status.errors)
    facts = {"IsLogging": status.value.is_logging, "status_from_account": status.account}
    if not status.value.is_logging:
        return Judgement(False, "logging is stopped", facts)
    return Judgement(True, "logging", facts)


def selector_judgement(
    view: View, trail: Trail, base: Judgement, coverage: Callable[[TrailSelectors], Coverage]
) -> Judgement:
    """Extend a passing base judgement with the trail's event selectors."""
    if not base.ok:
        return base
    sel = trail_data(view, trail, TRAIL_SELECTORS)
    if sel.value is None:
        return Judgement(False, "event selectors unavailable", base.facts, sel.errors)
    cov = coverage(sel.value)
    facts = {**base.facts, **describe(sel.value), "selectors_from_account": sel.account}
    return Judgement(cov.ok, cov.why, facts)


def account_result(
    view: View,
    visible: Visible,
    judge: Callable[[Trail], Judgement],
    *,
    apis: Iterable[str],
    passed: str,
    failed: str,
    reason_code: str | None = None,
) -> Result:
    """PASS if one visible trail qualifies; else ERROR if data was missing; else FAIL.

    The evidence lists every trail considered, whose it is, and why it did (not) qualify.
    """
    considered: list[dict[str, Any]] = []
    errors: list[CollectionError] = list(visible.errors)
    winner: VisibleTrail | None = None
    for vt in visible.trails:
        j = judge(vt.trail)
        errors.extend(j.errors)
        considered.append(
            {
                "TrailARN": vt.trail.arn,
                "HomeRegion": vt.trail.home_region,
                "IsMultiRegionTrail": vt.trail.is_multi_region,
                "IsOrganizationTrail": vt.trail.is_organization_trail,
                "owner_account": vt.trail.owner_account,
                "seen_as": vt.seen_as,
                **j.facts,
                "qualifies": j.ok,
                "why": j.why,
            }
        )
        if j.ok and winner is None:
            winner = vt
    evidence: dict[str, Any] = {"api": list(apis), "trails": considered}
    resource = view.account_resource()
    if winner is not None:
        evidence["covered_by"] = {"trail": winner.trail.arn, "account": winner.trail.owner_account}
        return Result(
            status=Status.PASS,
            resource=resource,
            reason=f"{passed}: {winner.trail.name} ({winner.seen_as}).",
            evidence=evidence,
        )
    if errors:
        return error_result(
            resource,
            errors,
            evidence,
            lead="Could not evaluate: no trail qualifies and some trail data is missing",
        )
    details = "; ".join(f"{c['TrailARN']}: {c['why']}" for c in considered) or "no trail found"
    return Result(
        status=Status.FAIL,
        resource=resource,
        reason=f"{failed} ({details}).",
        evidence=evidence,
        reason_code=reason_code,
    )

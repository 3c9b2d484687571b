"""Trails as log sources: each trail once, in its owner's account and home region."""

from __future__ import annotations

from collections.abc import Iterator

from scanner.core.dataset import Scope
from scanner.core.datasets.cloudtrail import TRAIL_STATUS, TRAILS, Trail
from scanner.core.logsource import Destination, Extractor, LogSource
from scanner.core.view import View


def _detail(trail: Trail) -> str:
    parts = ["multi-Region" if trail.is_multi_region else "single-Region"]
    if trail.is_organization_trail:
        parts.append("organization")
    return " ".join(parts) + " trail"


def trails(view: View) -> Iterator[LogSource]:
    """Trails homed in the view's region that this account owns, and those of an owner the scan
    did not reach (an organization trail seen from a member): listed by the first account that
    sees them. `logging` comes from GetTrailStatus when it was collected."""
    for trail in view.get(TRAILS):
        owner = trail.owner_account
        if trail.home_region != view.region:
            continue
        if owner != view.account_id and view.org.in_scan(owner):
            continue
        status = (view.org.find(owner, TRAIL_STATUS) or {}).get(trail.arn)
        destinations = []
        if trail.s3_bucket_name:
            destinations.append(
                Destination.s3(trail.s3_bucket_name, trail.s3_key_prefix, trail.kms_key_id)
            )
        if trail.cloudwatch_logs_log_group_arn:
            destinations.append(Destination.from_arn(trail.cloudwatch_logs_log_group_arn))
        note = ""
        if status is None:
            note = "trail status not collected (cloudtrail:GetTrailStatus)"
        elif status.latest_delivery_error:
            note = f"latest delivery error: {status.latest_delivery_error}"
        yield LogSource(
            kind="trail",
            id=trail.arn,
            name=trail.name,
            account_id=owner,
            region=trail.home_region,
            logging=None if status is None else status.is_logging,
            destinations=tuple(destinations),
            detail=_detail(trail),
            note=note,
        )


EXTRACTORS = (
    Extractor(
        name="cloudtrail.trails",
        kind="trail",
        scope=Scope.REGION,
        requires=(TRAILS,),
        extract=trails,
    ),
)

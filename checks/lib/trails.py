"""Trail helpers: which trails a view owns, and the ASFF resource for a trail."""

from __future__ import annotations

from scanner.datasets.cloudtrail import TRAILS, Trail
from scanner.model import Resource
from scanner.view import View


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


def trail_resource(trail: Trail) -> Resource:
    return Resource(
        type="AwsCloudTrailTrail",
        id=trail.arn,
        region=trail.home_region,
        account_id=trail.owner_account,
    )

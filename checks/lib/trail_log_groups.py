"""Trail log groups: the CloudWatch Logs groups the trails deliver to, owned here."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from checks.lib.trails import first_copies
from scanner.core.datasets.cloudtrail import TRAILS, Trail
from scanner.core.datasets.logs import LOG_GROUPS, LogGroup, log_group_arn, parse_log_group_arn
from scanner.core.model import Resource, Result, Status
from scanner.core.view import OrgView, View

#: (the group, None when it does not exist; its name; its trails; the evidence so far, to add
#: to) -> (status, reason).
Judge = Callable[[LogGroup | None, str, list[Trail], dict[str, Any]], tuple[Status, str]]


def trails_by_group(view: View) -> dict[str, list[Trail]]:
    """Log group ARN (no `:*`) -> trails delivering to it, for groups this account owns here.

    A log group is in its trail's home region, and a trail is always visible in its home
    region, so the trails of the view's region suffice: this account's (required) and those of
    other scanned accounts (best effort, the first copy of each ARN: checks.lib.trails
    first_copies), so that a group receiving another account's trail is evaluated in the
    account that owns the group.
    """
    trails: dict[str, Trail] = {t.arn: t for t in view.get(TRAILS)}
    for trail in _delivering(view.org, view.region).get(view.account_id, ()):
        trails.setdefault(trail.arn, trail)
    out: dict[str, list[Trail]] = {}
    for trail in sorted(trails.values(), key=lambda t: t.arn):
        owner = _group_owner(trail)
        if owner is not None and owner == (view.account_id, view.region):
            out.setdefault(log_group_arn(trail.cloudwatch_logs_log_group_arn or ""), []).append(
                trail
            )
    return out


def _group_owner(trail: Trail) -> tuple[str, str] | None:
    """(account, region) of the log group the trail delivers to; None when it delivers to none."""
    arn = trail.cloudwatch_logs_log_group_arn
    parsed = parse_log_group_arn(arn) if arn else None
    return (parsed[0], parsed[1]) if parsed else None


def _delivering(org: OrgView, region: str | None) -> dict[str, list[Trail]]:
    """Account -> the trails (first copies in `region`) whose log group it owns in `region`,
    built once per scan and region."""
    return org.memo(("trail_log_groups.delivering", region), lambda o: _by_owner(o, region))


def _by_owner(org: OrgView, region: str | None) -> dict[str, list[Trail]]:
    out: dict[str, list[Trail]] = {}
    for trail in first_copies(org, region).values():
        owner = _group_owner(trail)
        if owner is not None and owner[1] == region:
            out.setdefault(owner[0], []).append(trail)
    return out


def each_trail_group(view: View, judge: Judge) -> Iterator[Result]:
    """One result per trail log group this account owns in the view's region: the group looked
    up, the evidence, the group and its trails as resources; `judge` gives the verdict."""
    groups = {g.name: g for g in view.get(LOG_GROUPS)}
    for arn, trails in trails_by_group(view).items():
        parsed = parse_log_group_arn(arn)
        name = parsed[2] if parsed else arn
        group = groups.get(name)
        evidence: dict[str, Any] = {
            "api": ["cloudtrail:DescribeTrails", "logs:DescribeLogGroups"],
            "logGroupName": name,
            "trails": [t.arn for t in trails],
        }
        status, reason = judge(group, name, trails, evidence)
        yield Result(
            status=status,
            resource=Resource(
                type="AwsLogsLogGroup",
                id=group.arn if group else arn,
                region=view.region,
                account_id=view.account_id,
            ),
            reason=reason,
            evidence=evidence,
            related_resources=tuple(
                Resource(
                    type="AwsCloudTrailTrail",
                    id=t.arn,
                    region=t.home_region,
                    account_id=t.owner_account,
                )
                for t in trails
            ),
        )

"""Trail log groups: the CloudWatch Logs groups the trails deliver to, owned here."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from scanner.core.datasets.cloudtrail import TRAILS, Trail
from scanner.core.datasets.logs import LOG_GROUPS, LogGroup, log_group_arn, parse_log_group_arn
from scanner.core.model import Resource, Result, Status
from scanner.core.view import View

#: (the group, None when it does not exist; its name; its trails; the evidence so far, to add
#: to) -> (status, reason).
Judge = Callable[[LogGroup | None, str, list[Trail], dict[str, Any]], tuple[Status, str]]


def trails_by_group(view: View) -> dict[str, list[Trail]]:
    """Log group ARN (no `:*`) -> trails delivering to it, for groups this account owns here.

    A log group is in its trail's home region, and a trail is always visible in its home
    region, so the trails of the view's region suffice: this account's (required) and those of
    other scanned accounts (best effort), so that a group receiving another account's trail
    is evaluated in the account that owns the group.
    """
    trails: dict[str, Trail] = {t.arn: t for t in view.get(TRAILS)}
    for acct in view.org.accounts():
        if acct.account_id != view.account_id:
            for trail in view.org.find(acct.account_id, TRAILS, view.region) or ():
                trails.setdefault(trail.arn, trail)
    out: dict[str, list[Trail]] = {}
    for trail in sorted(trails.values(), key=lambda t: t.arn):
        arn = trail.cloudwatch_logs_log_group_arn
        parsed = parse_log_group_arn(arn) if arn else None
        if arn and parsed and parsed[0] == view.account_id and parsed[1] == view.region:
            out.setdefault(log_group_arn(arn), []).append(trail)
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

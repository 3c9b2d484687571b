"""CloudWatch.16: the log groups CloudTrail delivers to keep events for at least a year."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from checks.lib.trail_log_groups import each_trail_group
from scanner.core.check import Check
from scanner.core.dataset import Scope
from scanner.core.datasets.cloudtrail import TRAILS, Trail
from scanner.core.datasets.logs import LOG_GROUPS, LogGroup
from scanner.core.model import Result, Severity, Status
from scanner.core.view import View

MIN_RETENTION_DAYS = 365
"""Security Hub's `minRetentionTime` parameter (default 365; it also allows 400, 545, 731, 1827
and 3653). Configurable: change this constant, or call `build_check(min_retention_days=...)`."""


def evaluate(view: View, min_retention_days: int = MIN_RETENTION_DAYS) -> Iterator[Result]:
    """One result per log group, owned by this account in this region, that a trail delivers to.

    Security Hub evaluates every log group; this check narrows CloudWatch.16 to the groups that
    hold CloudTrail events (the trails' CloudWatchLogsLogGroupArn). PASS when retentionInDays >=
    min_retention_days, or when it is absent ("Never expire", as the Config rule says). A trail
    pointing at a group that does not exist fails (nothing is retained). A group in an account
    outside the scan, or in a region not scanned, is not evaluated.
    """

    def judge(
        group: LogGroup | None, name: str, trails: list[Trail], evidence: dict[str, Any]
    ) -> tuple[Status, str]:
        evidence["min_retention_days"] = min_retention_days
        if group is None:
            evidence["exists"] = False
            return Status.FAIL, (
                f"Trail {', '.join(t.name for t in trails)} delivers to log group {name}, "
                "which does not exist."
            )
        days = group.retention_in_days
        evidence["retentionInDays"] = days
        if days is None:
            return Status.PASS, "The log group never expires events."
        if days >= min_retention_days:
            return Status.PASS, f"Events are retained for {days} days."
        return Status.FAIL, f"Events are retained for {days} days, less than {min_retention_days}."

    return each_trail_group(view, judge)


def build_check(min_retention_days: int = MIN_RETENTION_DAYS) -> Check:
    def run(view: View) -> Iterator[Result]:
        return evaluate(view, min_retention_days)

    return Check(
        id="logs_retention_trail_groups",
        control_id="CloudWatch.16",
        title="CloudWatch log groups should be retained for a specified time period",
        severity=Severity.MEDIUM,
        resource_type="AwsLogsLogGroup",
        scope=Scope.REGION,
        requires=(TRAILS, LOG_GROUPS),
        evaluate=run,
        rationale=(
            "CloudTrail events in CloudWatch Logs are evidence for investigations and audits; "
            "they must be kept at least as long as your retention policy requires."
        ),
        remediation=(
            f"aws logs put-retention-policy --log-group-name <group> --retention-in-days "
            f"{min_retention_days}"
        ),
        remediation_url="https://docs.aws.amazon.com/securityhub/latest/userguide/cloudwatch-controls.html#cloudwatch-16",
    )


CHECK = build_check()

"""CloudWatch Logs datasets: log groups and account-level resource policies per region."""

from __future__ import annotations

from scanner.core.dataset import Dataset, Scope
from scanner.core.model import Frozen


def log_group_arn(arn: str) -> str:
    """A log group ARN without the trailing `:*` that DescribeLogGroups and CloudTrail append."""
    return arn[:-2] if arn.endswith(":*") else arn


def parse_log_group_arn(arn: str) -> tuple[str, str, str] | None:
    """(account, region, name) of a log group ARN (with or without `:*`); None if not one."""
    parts = log_group_arn(arn).split(":", 6)
    if len(parts) != 7 or parts[0] != "arn" or parts[2] != "logs" or parts[5] != "log-group":
        return None
    return parts[4], parts[3], parts[6]


class LogGroup(Frozen):
    """A log group; `arn` is stored without the trailing `:*`."""

    name: str
    arn: str
    retention_in_days: int | None = None
    kms_key_id: str | None = None
    creation_time: int | None = None
    log_group_class: str | None = None


LOG_GROUPS: Dataset[list[LogGroup]] = Dataset(
    "logs.log_groups",
    Scope.REGION,
    list[LogGroup],
    "DescribeLogGroups in each region",
)


class LogsResourcePolicy(Frozen):
    """An account-level CloudWatch Logs resource policy (DescribeResourcePolicies) of one region;
    `document` is the policy JSON as returned (parsed by the checks that read it)."""

    name: str
    document: str
    last_updated_time: int | None = None


LOG_RESOURCE_POLICIES: Dataset[list[LogsResourcePolicy]] = Dataset(
    "logs.resource_policies",
    Scope.REGION,
    list[LogsResourcePolicy],
    "DescribeResourcePolicies (account-level policies) in each region",
)

"""CloudWatch Logs collectors: log groups and resource policies in each region."""

from __future__ import annotations

from typing import Any

from scanner.aws.collector import Collector, on
from scanner.aws.engine import CollectContext
from scanner.core.datasets.logs import (
    LOG_GROUPS,
    LOG_RESOURCE_POLICIES,
    LogGroup,
    LogsResourcePolicy,
    log_group_arn,
)


def _text(value: Any) -> str | None:
    return None if value in (None, "") else str(value)


def fetch_log_groups(ctx: CollectContext) -> list[LogGroup]:
    out: list[LogGroup] = []
    for raw in ctx.paginate("logs", "describe_log_groups", "logGroups"):
        name = raw["logGroupName"]
        arn = (
            raw.get("logGroupArn")
            or raw.get("arn")
            or (f"arn:{ctx.partition}:logs:{ctx.region}:{ctx.account_id}:log-group:{name}")
        )
        retention = raw.get("retentionInDays")
        out.append(
            LogGroup(
                name=name,
                arn=log_group_arn(arn),
                retention_in_days=int(retention) if retention is not None else None,
                kms_key_id=_text(raw.get("kmsKeyId")),
                creation_time=raw.get("creationTime"),
                log_group_class=_text(raw.get("logGroupClass")),
            )
        )
    return sorted(out, key=lambda g: g.name)


def fetch_resource_policies(ctx: CollectContext) -> list[LogsResourcePolicy]:
    out = [
        LogsResourcePolicy(
            name=str(raw.get("policyName", "")),
            document=str(raw.get("policyDocument", "")),
            last_updated_time=raw.get("lastUpdatedTime"),
        )
        for raw in ctx.paginate("logs", "describe_resource_policies", "resourcePolicies")
    ]
    return sorted(out, key=lambda p: p.name)


COLLECTORS = (
    Collector(
        LOG_GROUPS,
        ("logs:DescribeLogGroups",),
        fetch_log_groups,
        events=on(
            "logs.amazonaws.com",
            "CreateLogGroup",
            "DeleteLogGroup",
            "PutRetentionPolicy",
            "DeleteRetentionPolicy",
            "AssociateKmsKey",
            "DisassociateKmsKey",
        ),
    ),
    Collector(
        LOG_RESOURCE_POLICIES,
        ("logs:DescribeResourcePolicies",),
        fetch_resource_policies,
        events=on("logs.amazonaws.com", "PutResourcePolicy", "DeleteResourcePolicy"),
    ),
)

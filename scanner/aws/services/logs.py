"""CloudWatch Logs collectors: log groups in each region."""

from __future__ import annotations

from typing import Any

from scanner.aws.collector import Collector, on
from scanner.aws.engine import CollectContext
from scanner.core.datasets.logs import LOG_GROUPS, LogGroup, log_group_arn


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
)

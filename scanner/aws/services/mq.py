"""Amazon MQ collectors: brokers and their CloudWatch Logs settings, per region."""

from __future__ import annotations

from scanner.aws.collector import Collector, on
from scanner.aws.engine import CollectContext
from scanner.aws.services._subcalls import Failed, sub_call
from scanner.core.datasets.mq import MQ_BROKERS, Broker

_LOG_FIELDS = ("audit_log", "audit_log_group", "general_log")


def fetch_brokers(ctx: CollectContext) -> list[Broker]:
    client = ctx.client("mq")
    out: list[Broker] = []
    for item in ctx.paginate("mq", "list_brokers", "BrokerSummaries"):  # mq:ListBrokers
        broker_id = str(item["BrokerId"])
        base = {
            "broker_id": broker_id,
            "arn": str(item.get("BrokerArn", "")),
            "name": str(item.get("BrokerName", "")),
            "engine_type": str(item.get("EngineType", "")),
        }
        raw = sub_call(
            ctx.region,
            _LOG_FIELDS,
            lambda: client.describe_broker(BrokerId=broker_id),  # noqa: B023 - mq:DescribeBroker
        )
        if isinstance(raw, Failed):
            out.append(Broker(**base, errors=raw.errors))
            continue
        logs = raw.get("Logs") or {}
        out.append(
            Broker(
                **{**base, "engine_type": str(raw.get("EngineType") or base["engine_type"])},
                audit_log=logs.get("Audit"),
                audit_log_group=logs.get("AuditLogGroup") or None,
                general_log=logs.get("General"),
            )
        )
    return sorted(out, key=lambda b: b.broker_id)


COLLECTORS = (
    Collector(
        MQ_BROKERS,
        ("mq:ListBrokers", "mq:DescribeBroker"),
        fetch_brokers,
        events=on("amazonmq.amazonaws.com", "CreateBroker", "UpdateBroker", "DeleteBroker"),
    ),
)

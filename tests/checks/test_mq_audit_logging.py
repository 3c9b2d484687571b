"""MQ.2: ActiveMQ brokers stream audit logs to CloudWatch Logs; RabbitMQ brokers are not judged."""

from __future__ import annotations

from checks.mq_audit_logging import CHECK
from scanner.core.datasets.mq import MQ_BROKERS, Broker
from scanner.core.model import CollectionError
from tests.builders import MGMT, InventoryBuilder, run

HOME = "us-east-1"


def broker(name: str, engine: str, audit: bool | None) -> Broker:
    arn = f"arn:aws:mq:us-east-1:111111111111:broker:{name}:b-{name}"
    return Broker(broker_id=f"b-{name}", arn=arn, name=name, engine_type=engine, audit_log=audit)


def statuses(brokers: list[Broker]) -> dict[str, str]:
    b = InventoryBuilder(regions=(HOME,))
    b.account(MGMT).put(MQ_BROKERS, brokers)
    return {f.resource.id.rsplit(":", 1)[-1]: f.status.value for f in run(CHECK, b)}


def test_audit_log_on_passes_off_or_absent_fails_rabbitmq_skipped() -> None:
    assert statuses(
        [
            broker("on", "ACTIVEMQ", True),
            broker("off", "ActiveMQ", False),
            broker("absent", "ACTIVEMQ", None),
            broker("rabbit", "RABBITMQ", None),
        ]
    ) == {"b-on": "PASS", "b-off": "FAIL", "b-absent": "FAIL"}


def test_no_brokers_no_findings() -> None:
    assert statuses([]) == {}


def test_unreadable_broker_is_error_the_others_are_judged() -> None:
    err = CollectionError(
        operation="DescribeBroker", iam_action="mq:DescribeBroker", code="AccessDenied", message="x"
    )
    broken = Broker(
        broker_id="b-x",
        arn="arn:aws:mq:us-east-1:111111111111:broker:x:b-x",
        engine_type="ACTIVEMQ",
        errors=Broker.failed(err, "audit_log", "audit_log_group", "general_log"),
    )
    assert statuses([broken, broker("on", "ACTIVEMQ", True)]) == {"b-x": "ERROR", "b-on": "PASS"}


def test_denied_listing_is_error() -> None:
    b = InventoryBuilder(regions=(HOME,))
    b.account(MGMT).fail(MQ_BROKERS, operation="ListBrokers", iam_action="mq:ListBrokers")
    assert [f.status.value for f in run(CHECK, b)] == ["ERROR"]

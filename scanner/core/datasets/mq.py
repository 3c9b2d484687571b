"""Amazon MQ datasets: brokers with their engine and CloudWatch Logs settings."""

from __future__ import annotations

from scanner.core.dataset import Dataset, Scope
from scanner.core.model import Collected


class Broker(Collected):
    """A broker (ListBrokers) with its Logs settings (DescribeBroker; `audit_log`,
    `audit_log_group` and `general_log` are unavailable when that call failed).

    `audit_log` is Logs.Audit (None when the answer has no such field).
    """

    broker_id: str
    arn: str
    name: str = ""
    engine_type: str = ""
    audit_log: bool | None = None
    audit_log_group: str | None = None
    general_log: bool | None = None

    @property
    def activemq(self) -> bool:
        return self.engine_type.upper() == "ACTIVEMQ"


MQ_BROKERS: Dataset[list[Broker]] = Dataset(
    "mq.brokers",
    Scope.REGION,
    list[Broker],
    "ListBrokers, and DescribeBroker for each, in each region",
)

"""VPCs and flow logs as hand-built inventories for check tests."""

from __future__ import annotations

from typing import Any

from scanner.core.datasets.ec2 import VPC_FLOW_LOGS, FlowLog, Vpc, VpcFlowLogs
from tests.builders import MGMT, InventoryBuilder

HOME = "us-east-1"
OTHER = "eu-west-1"


def vpc(vpc_id: str = "vpc-1", owner: str = MGMT, **fields: Any) -> Vpc:
    return Vpc(vpc_id=vpc_id, owner_id=owner, **fields)


def flow(resource_id: str = "vpc-1", traffic: str = "REJECT", **fields: Any) -> FlowLog:
    values: dict[str, Any] = {
        "flow_log_id": f"fl-{resource_id}-{traffic.lower()}-{len(fields)}",
        "resource_id": resource_id,
        "traffic_type": traffic,
        "flow_log_status": "ACTIVE",
        "deliver_logs_status": "SUCCESS",
        "log_destination_type": "cloud-watch-logs",
        "log_group_name": "/vpc/flow",
    }
    values.update(fields)
    return FlowLog(**values)


def inventory(region: str = HOME, *vpcs: Vpc, flows: tuple[FlowLog, ...] = ()) -> InventoryBuilder:
    b = InventoryBuilder(regions=(HOME, OTHER))
    acct = b.account(MGMT)
    for r in (HOME, OTHER):
        acct.put(VPC_FLOW_LOGS, VpcFlowLogs(), r)
    acct.put(VPC_FLOW_LOGS, VpcFlowLogs(vpcs=vpcs, flow_logs=flows), region)
    return b


def arn(vpc_id: str, region: str = HOME, account: str = MGMT) -> str:
    return f"arn:aws:ec2:{region}:{account}:vpc/{vpc_id}"

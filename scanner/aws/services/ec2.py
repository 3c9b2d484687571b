"""EC2 collectors: VPCs and flow logs in each region."""

from __future__ import annotations

from typing import Any

from scanner.aws.collector import Collector, on
from scanner.aws.engine import CollectContext
from scanner.core.datasets.ec2 import VPC_FLOW_LOGS, FlowLog, Vpc, VpcFlowLogs


def _text(value: Any) -> str | None:
    return None if value in (None, "") else str(value)


def fetch_vpc_flow_logs(ctx: CollectContext) -> VpcFlowLogs:
    vpcs = [
        Vpc(
            vpc_id=raw["VpcId"],
            owner_id=raw.get("OwnerId") or ctx.account_id,
            is_default=bool(raw.get("IsDefault", False)),
            state=_text(raw.get("State")),
            cidr_block=_text(raw.get("CidrBlock")),
        )
        for raw in ctx.paginate("ec2", "describe_vpcs", "Vpcs")
    ]
    flow_logs = [
        FlowLog(
            flow_log_id=raw["FlowLogId"],
            resource_id=raw["ResourceId"],
            traffic_type=_text(raw.get("TrafficType")),
            flow_log_status=_text(raw.get("FlowLogStatus")),
            deliver_logs_status=_text(raw.get("DeliverLogsStatus")),
            deliver_logs_error_message=_text(raw.get("DeliverLogsErrorMessage")),
            log_destination_type=_text(raw.get("LogDestinationType")),
            log_destination=_text(raw.get("LogDestination")),
            log_group_name=_text(raw.get("LogGroupName")),
        )
        for raw in ctx.paginate("ec2", "describe_flow_logs", "FlowLogs")
    ]
    return VpcFlowLogs(
        vpcs=tuple(sorted(vpcs, key=lambda v: v.vpc_id)),
        flow_logs=tuple(sorted(flow_logs, key=lambda f: f.flow_log_id)),
    )


COLLECTORS = (
    Collector(
        VPC_FLOW_LOGS,
        ("ec2:DescribeVpcs", "ec2:DescribeFlowLogs"),
        fetch_vpc_flow_logs,
        events=on(
            "ec2.amazonaws.com",
            "CreateVpc",
            "CreateDefaultVpc",
            "DeleteVpc",
            "CreateFlowLogs",
            "DeleteFlowLogs",
        ),
    ),
)

"""EC2 datasets: VPCs and their flow logs per region."""

from __future__ import annotations

from scanner.core.dataset import Dataset, Scope
from scanner.core.model import Frozen


class Vpc(Frozen):
    vpc_id: str
    owner_id: str
    is_default: bool = False
    state: str | None = None
    cidr_block: str | None = None

    def arn(self, partition: str, region: str) -> str:
        """The VPC ARN, as Security Hub names an AwsEc2Vpc resource."""
        return f"arn:{partition}:ec2:{region}:{self.owner_id}:vpc/{self.vpc_id}"


class FlowLog(Frozen):
    """A flow log as DescribeFlowLogs returns it."""

    flow_log_id: str
    resource_id: str
    traffic_type: str | None = None
    flow_log_status: str | None = None
    deliver_logs_status: str | None = None
    deliver_logs_error_message: str | None = None
    log_destination_type: str | None = None
    log_destination: str | None = None
    log_group_name: str | None = None


class VpcFlowLogs(Frozen):
    """DescribeVpcs and DescribeFlowLogs in one region."""

    vpcs: tuple[Vpc, ...] = ()
    flow_logs: tuple[FlowLog, ...] = ()

    def flow_logs_of(self, resource_id: str) -> list[FlowLog]:
        return [f for f in self.flow_logs if f.resource_id == resource_id]


VPC_FLOW_LOGS: Dataset[VpcFlowLogs] = Dataset(
    "ec2.vpc_flow_logs",
    Scope.REGION,
    VpcFlowLogs,
    "DescribeVpcs and DescribeFlowLogs in each region",
)

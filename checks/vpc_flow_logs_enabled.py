"""EC2.6: every VPC has an active flow log that captures rejected traffic (REJECT or ALL)."""

from __future__ import annotations

from collections.abc import Iterator

from scanner.core.check import Check
from scanner.core.dataset import Scope
from scanner.core.datasets.ec2 import VPC_FLOW_LOGS, FlowLog, Vpc
from scanner.core.model import Resource, Result, Severity, Status
from scanner.core.view import View

TRAFFIC_TYPES = frozenset({"REJECT", "ALL"})


def vpc_resource(view: View, vpc: Vpc) -> Resource:
    region = view.region or view.home_region
    return Resource(
        type="AwsEc2Vpc",
        id=vpc.arn(view.org.inventory.partition, region),
        region=region,
        account_id=vpc.owner_id,
    )


def owned_vpcs(view: View) -> list[Vpc]:
    """VPCs the account owns; VPCs shared with it are evaluated in the owner's account."""
    return [v for v in view.get(VPC_FLOW_LOGS).vpcs if v.owner_id == view.account_id]


def _describe(flow: FlowLog) -> dict[str, str | None]:
    return {
        "FlowLogId": flow.flow_log_id,
        "TrafficType": flow.traffic_type,
        "FlowLogStatus": flow.flow_log_status,
        "DeliverLogsStatus": flow.deliver_logs_status,
        "LogDestinationType": flow.log_destination_type,
        "LogDestination": flow.log_destination or flow.log_group_name,
    }


def evaluate(view: View) -> Iterator[Result]:
    """One result per VPC the account owns.

    PASS when a flow log attached to the VPC itself (ResourceId = the VPC id) has TrafficType
    REJECT or ALL and FlowLogStatus ACTIVE. ALL is accepted: it captures rejected traffic, and
    the control's remediation text says "choose Reject or All" (whether Security Hub accepts ALL
    is unconfirmed). ACCEPT-only flow logs fail. Flow logs on subnets or network interfaces do
    not count (the rule is about VPC flow logs). Delivery failures are not judged here (see
    vpc_flow_log_delivery); neither are flow logs enabled through Amazon Security Lake.
    """
    data = view.get(VPC_FLOW_LOGS)
    for vpc in owned_vpcs(view):
        flows = data.flow_logs_of(vpc.vpc_id)
        good = [
            f for f in flows if f.traffic_type in TRAFFIC_TYPES and f.flow_log_status == "ACTIVE"
        ]
        if good:
            reason = f"Flow log {good[0].flow_log_id} captures {good[0].traffic_type} traffic."
        elif not flows:
            reason = "The VPC has no flow log."
        elif all(f.traffic_type not in TRAFFIC_TYPES for f in flows):
            kinds = ", ".join(sorted({f.traffic_type or "(none)" for f in flows}))
            reason = f"The VPC's flow logs capture only {kinds} traffic, not rejected traffic."
        else:
            reason = "The VPC's REJECT/ALL flow logs are not ACTIVE."
        yield Result(
            status=Status.PASS if good else Status.FAIL,
            resource=vpc_resource(view, vpc),
            reason=reason,
            evidence={
                "api": ["ec2:DescribeVpcs", "ec2:DescribeFlowLogs"],
                "VpcId": vpc.vpc_id,
                "IsDefault": vpc.is_default,
                "FlowLogs": [_describe(f) for f in flows],
            },
        )


CHECK = Check(
    id="vpc_flow_logs_enabled",
    control_id="EC2.6",
    title="VPC flow logging should be enabled in all VPCs",
    severity=Severity.MEDIUM,
    resource_type="AwsEc2Vpc",
    scope=Scope.REGION,
    requires=(VPC_FLOW_LOGS,),
    evaluate=evaluate,
    rationale=(
        "Flow logs of rejected traffic show scans, probes and blocked exfiltration attempts "
        "and are needed to investigate network incidents."
    ),
    remediation=(
        "aws ec2 create-flow-logs --resource-type VPC --resource-ids <vpc-id> --traffic-type "
        "REJECT (or ALL) --log-destination-type cloud-watch-logs --log-group-name <group> "
        "--deliver-logs-permission-arn <role-arn>"
    ),
    remediation_url="https://docs.aws.amazon.com/securityhub/latest/userguide/ec2-controls.html#ec2-6",
)

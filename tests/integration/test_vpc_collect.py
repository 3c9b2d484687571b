"""VPC flow log collector against moto: VPCs and flow logs per region."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from scanner.core.datasets.ec2 import VPC_FLOW_LOGS, VpcFlowLogs
from scanner.core.evaluate import evaluate
from scanner.core.frameworks import Frameworks
from scanner.core.inventory import Inventory
from scanner.core.registry import all_checks, select_checks
from tests.conftest import DEFAULT_ACCOUNT, Faults

CHECKS = ("EC2.6", "vpc_flow_log_delivery")
ROLE = f"arn:aws:iam::{DEFAULT_ACCOUNT}:role/flow-logs"


def _data(inv: Inventory, region: str) -> VpcFlowLogs:
    rec = inv.accounts[0].record(VPC_FLOW_LOGS.name, region)
    assert rec is not None and rec.error is None
    return VPC_FLOW_LOGS.load(rec.data)


def _statuses(inv: Inventory) -> dict[tuple[str, str, str], str]:
    checks = select_checks(all_checks(), list(CHECKS))
    return {
        (f.check_id, f.region, f.resource.id.rsplit("/", 1)[-1]): f.status.value
        for f in evaluate(inv, checks, Frameworks(()))
    }


def _default_vpc(ec2: Any) -> str:
    vpcs = ec2.describe_vpcs(Filters=[{"Name": "is-default", "Values": ["true"]}])["Vpcs"]
    return str(vpcs[0]["VpcId"])


def test_vpcs_and_flow_logs_are_collected_and_evaluated(
    account_client: Callable[..., Any], scan_inventory: Callable[..., Inventory]
) -> None:
    ec2 = account_client("ec2", "us-east-1")
    account_client("logs", "us-east-1").create_log_group(logGroupName="/vpc/flow")
    default = _default_vpc(ec2)
    ec2.create_flow_logs(
        ResourceIds=[default],
        ResourceType="VPC",
        TrafficType="REJECT",
        LogGroupName="/vpc/flow",
        DeliverLogsPermissionArn=ROLE,
    )
    accept_only = ec2.create_vpc(CidrBlock="10.1.0.0/16")["Vpc"]["VpcId"]
    ec2.create_flow_logs(
        ResourceIds=[accept_only],
        ResourceType="VPC",
        TrafficType="ACCEPT",
        LogGroupName="/vpc/flow",
        DeliverLogsPermissionArn=ROLE,
    )
    # moto: a log-group ARN destination gives DeliverLogsStatus FAILED.
    failing = ec2.create_vpc(CidrBlock="10.2.0.0/16")["Vpc"]["VpcId"]
    ec2.create_flow_logs(
        ResourceIds=[failing],
        ResourceType="VPC",
        TrafficType="ALL",
        LogDestinationType="cloud-watch-logs",
        LogDestination=f"arn:aws:logs:us-east-1:{DEFAULT_ACCOUNT}:log-group:/vpc/missing",
        DeliverLogsPermissionArn=ROLE,
    )
    eu_default = _default_vpc(account_client("ec2", "eu-west-1"))

    inv = scan_inventory(CHECKS)
    data = _data(inv, "us-east-1")
    assert {v.vpc_id for v in data.vpcs} == {default, accept_only, failing}
    assert all(v.owner_id == DEFAULT_ACCOUNT for v in data.vpcs)
    assert [v.is_default for v in data.vpcs if v.vpc_id == default] == [True]
    (reject,) = data.flow_logs_of(default)
    assert (reject.traffic_type, reject.flow_log_status, reject.log_group_name) == (
        "REJECT",
        "ACTIVE",
        "/vpc/flow",
    )
    assert reject.log_destination_type == "cloud-watch-logs"
    (bad,) = data.flow_logs_of(failing)
    assert bad.deliver_logs_status == "FAILED"
    assert {v.vpc_id for v in _data(inv, "eu-west-1").vpcs} == {eu_default}

    assert _statuses(inv) == {
        ("vpc_flow_logs_enabled", "us-east-1", default): "PASS",
        ("vpc_flow_logs_enabled", "us-east-1", accept_only): "FAIL",
        ("vpc_flow_logs_enabled", "us-east-1", failing): "PASS",
        ("vpc_flow_logs_enabled", "eu-west-1", eu_default): "FAIL",
        ("vpc_flow_log_delivery", "us-east-1", default): "PASS",
        ("vpc_flow_log_delivery", "us-east-1", accept_only): "PASS",
        ("vpc_flow_log_delivery", "us-east-1", failing): "FAIL",
    }


def test_vpc_resource_is_the_vpc_arn(
    account_client: Callable[..., Any], scan_inventory: Callable[..., Inventory]
) -> None:
    vpc = _default_vpc(account_client("ec2", "eu-west-1"))
    inv = scan_inventory(("EC2.6",), regions=("eu-west-1",))
    checks = select_checks(all_checks(), ["EC2.6"])
    ids = [f.resource.id for f in evaluate(inv, checks, Frameworks(()))]
    assert ids == [f"arn:aws:ec2:eu-west-1:{DEFAULT_ACCOUNT}:vpc/{vpc}"]


def test_denied_flow_logs_is_recorded_as_error(
    scan_inventory: Callable[..., Inventory], faults: Faults
) -> None:
    faults.deny("DescribeFlowLogs")
    inv = scan_inventory(CHECKS)
    rec = inv.accounts[0].record(VPC_FLOW_LOGS.name, "us-east-1")
    assert rec is not None and rec.error is not None
    assert rec.error.iam_action == "ec2:DescribeFlowLogs"
    assert set(_statuses(inv).values()) == {"ERROR"}

"""EC2.6: every owned VPC has an ACTIVE flow log of REJECT or ALL traffic.

The factories (no `test_` prefix) are imported by the other VPC check tests.
"""

from __future__ import annotations

from typing import Any

from checks.vpc_flow_logs_enabled import CHECK
from scanner.core.datasets.ec2 import VPC_FLOW_LOGS, FlowLog, Vpc, VpcFlowLogs
from scanner.core.model import Severity
from tests.builders import MEMBER, MGMT, InventoryBuilder, by_resource, run

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


def test_reject_and_all_pass_accept_only_and_none_fail() -> None:
    b = inventory(
        HOME,
        vpc("vpc-r"),
        vpc("vpc-a"),
        vpc("vpc-acc"),
        vpc("vpc-none"),
        flows=(flow("vpc-r", "REJECT"), flow("vpc-a", "ALL"), flow("vpc-acc", "ACCEPT")),
    )
    findings = run(CHECK, b)
    assert by_resource(findings) == {
        (MGMT, HOME, arn("vpc-r")): "PASS",
        (MGMT, HOME, arn("vpc-a")): "PASS",
        (MGMT, HOME, arn("vpc-acc")): "FAIL",
        (MGMT, HOME, arn("vpc-none")): "FAIL",
    }
    assert {f.resource.type for f in findings} == {"AwsEc2Vpc"}
    assert {f.severity for f in findings} == {Severity.MEDIUM}


def test_accept_plus_reject_passes() -> None:
    b = inventory(HOME, vpc(), flows=(flow(traffic="ACCEPT"), flow(traffic="REJECT")))
    assert set(by_resource(run(CHECK, b)).values()) == {"PASS"}


def test_inactive_flow_log_fails() -> None:
    b = inventory(HOME, vpc(), flows=(flow(flow_log_status="INACTIVE"),))
    assert set(by_resource(run(CHECK, b)).values()) == {"FAIL"}


def test_subnet_flow_log_does_not_count_for_the_vpc() -> None:
    b = inventory(HOME, vpc(), flows=(flow("subnet-1", "ALL"),))
    assert set(by_resource(run(CHECK, b)).values()) == {"FAIL"}


def test_failed_delivery_does_not_change_ec2_6() -> None:
    b = inventory(HOME, vpc(), flows=(flow(deliver_logs_status="FAILED"),))
    assert set(by_resource(run(CHECK, b)).values()) == {"PASS"}


def test_shared_vpc_is_evaluated_by_its_owner_only() -> None:
    b = inventory(HOME, vpc("vpc-own"), vpc("vpc-shared", owner=MEMBER))
    assert by_resource(run(CHECK, b)) == {(MGMT, HOME, arn("vpc-own")): "FAIL"}


def test_regions_are_separate_and_no_vpc_no_finding() -> None:
    b = inventory(OTHER, vpc(), flows=(flow(),))
    assert by_resource(run(CHECK, b)) == {(MGMT, OTHER, arn("vpc-1", OTHER)): "PASS"}


def test_failed_dataset_is_error() -> None:
    b = inventory(HOME, vpc(), flows=(flow(),))
    b.account(MGMT).fail(VPC_FLOW_LOGS, OTHER, operation="DescribeFlowLogs")
    findings = run(CHECK, b)
    statuses = {(f.region, f.status.value) for f in findings}
    assert statuses == {(HOME, "PASS"), (OTHER, "ERROR")}
    assert [e.operation for f in findings for e in f.errors] == ["DescribeFlowLogs"]


def test_partition_goes_into_the_vpc_arn() -> None:
    inv = inventory(HOME, vpc(), flows=(flow(),)).build().model_copy(update={"partition": "aws-cn"})
    assert [f.resource.id for f in run(CHECK, inv)] == [
        "arn:aws-cn:ec2:us-east-1:111111111111:vpc/vpc-1"
    ]

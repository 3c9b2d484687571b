"""VPC flow log delivery: DeliverLogsStatus FAILED fails the VPC."""

from __future__ import annotations

from checks.vpc_flow_log_delivery import CHECK
from scanner.core.datasets.ec2 import VPC_FLOW_LOGS
from tests.builders import MGMT, by_resource, run
from tests.checks.test_vpc_flow_logs_enabled import HOME, OTHER, arn, flow, inventory, vpc


def test_failed_delivery_fails_success_passes_no_flow_log_no_finding() -> None:
    b = inventory(
        HOME,
        vpc("vpc-ok"),
        vpc("vpc-bad"),
        vpc("vpc-none"),
        flows=(
            flow("vpc-ok"),
            flow("vpc-bad", "ALL"),
            flow(
                "vpc-bad",
                deliver_logs_status="FAILED",
                deliver_logs_error_message="Access error",
            ),
        ),
    )
    findings = run(CHECK, b)
    assert by_resource(findings) == {
        (MGMT, HOME, arn("vpc-ok")): "PASS",
        (MGMT, HOME, arn("vpc-bad")): "FAIL",
    }
    bad = next(f for f in findings if f.status.value == "FAIL")
    messages = [fl["DeliverLogsErrorMessage"] for fl in bad.evidence["FlowLogs"]]
    assert "Access error" in messages


def test_absent_delivery_status_is_warning() -> None:
    b = inventory(HOME, vpc(), flows=(flow(deliver_logs_status=None),))
    assert set(by_resource(run(CHECK, b)).values()) == {"WARNING"}


def test_failed_dataset_is_error() -> None:
    b = inventory(HOME, vpc(), flows=(flow(),))
    b.account(MGMT).fail(VPC_FLOW_LOGS, OTHER, operation="DescribeVpcs")
    assert {(f.region, f.status.value) for f in run(CHECK, b)} == {
        (HOME, "PASS"),
        (OTHER, "ERROR"),
    }

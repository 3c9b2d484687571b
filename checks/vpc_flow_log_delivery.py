"""VPC flow logs deliver their records (DeliverLogsStatus is not FAILED)."""

from __future__ import annotations

from collections.abc import Iterator

from checks.vpc_flow_logs_enabled import owned_vpcs, vpc_resource
from scanner.core.check import Check
from scanner.core.dataset import Scope
from scanner.core.datasets.ec2 import VPC_FLOW_LOGS
from scanner.core.model import Result, Severity, Status
from scanner.core.view import View


def evaluate(view: View) -> Iterator[Result]:
    """One result per owned VPC that has flow logs attached to it.

    FAIL when any of them has DeliverLogsStatus FAILED (evidence: DeliverLogsErrorMessage);
    PASS when every one reports SUCCESS; WARNING when a status is absent or another value.
    VPCs without flow logs get no finding here (EC2.6 reports them).
    """
    data = view.get(VPC_FLOW_LOGS)
    for vpc in owned_vpcs(view):
        flows = data.flow_logs_of(vpc.vpc_id)
        if not flows:
            continue
        failed = [f for f in flows if f.deliver_logs_status == "FAILED"]
        unknown = [f for f in flows if f.deliver_logs_status not in ("FAILED", "SUCCESS")]
        if failed:
            status = Status.FAIL
            reason = "Flow log delivery failed: " + "; ".join(
                f"{f.flow_log_id}: {f.deliver_logs_error_message or 'no error message'}"
                for f in failed
            )
        elif unknown:
            status = Status.WARNING
            reason = "Flow log delivery status is not reported for: " + ", ".join(
                f"{f.flow_log_id} ({f.deliver_logs_status or 'absent'})" for f in unknown
            )
        else:
            status, reason = Status.PASS, "Every flow log of the VPC delivers successfully."
        yield Result(
            status=status,
            resource=vpc_resource(view, vpc),
            reason=reason,
            evidence={
                "api": "ec2:DescribeFlowLogs",
                "VpcId": vpc.vpc_id,
                "FlowLogs": [
                    {
                        "FlowLogId": f.flow_log_id,
                        "DeliverLogsStatus": f.deliver_logs_status,
                        "DeliverLogsErrorMessage": f.deliver_logs_error_message,
                        "LogDestinationType": f.log_destination_type,
                        "LogDestination": f.log_destination or f.log_group_name,
                    }
                    for f in flows
                ],
            },
        )


CHECK = Check(
    id="vpc_flow_log_delivery",
    title="VPC flow logs should deliver their records",
    severity=Severity.MEDIUM,
    resource_type="AwsEc2Vpc",
    scope=Scope.REGION,
    requires=(VPC_FLOW_LOGS,),
    evaluate=evaluate,
    rationale=(
        "A flow log whose delivery fails (missing log group or bucket, role without "
        "permissions, rate exceeded) records nothing although it looks enabled."
    ),
    remediation=(
        "Check DeliverLogsErrorMessage (aws ec2 describe-flow-logs), fix the destination or the "
        "delivery role, or recreate the flow log."
    ),
    remediation_url="https://docs.aws.amazon.com/vpc/latest/userguide/flow-logs-troubleshooting.html",
)

"""Demo VPC Flow Logs: management logs rejected traffic; members have gaps and a broken one."""

from __future__ import annotations

from typing import Any

from scanner.demo.world import DemoAccount, DemoOrg

ORDER = 31
GROUP = "/vpc/flow-logs"


def _default_vpc(ec2: Any) -> str:
    vpcs = ec2.describe_vpcs(Filters=[{"Name": "is-default", "Values": ["true"]}])["Vpcs"]
    return str(vpcs[0]["VpcId"])


def _flow_log(account: DemoAccount, region: str, traffic: str, **destination: Any) -> None:
    ec2 = account.client("ec2", region)
    ec2.create_flow_logs(
        ResourceIds=[_default_vpc(ec2)],
        ResourceType="VPC",
        TrafficType=traffic,
        DeliverLogsPermissionArn=f"arn:aws:iam::{account.account_id}:role/flow-logs",
        **destination,
    )


def seed(org: DemoOrg) -> None:
    org.names["flow_log_group"] = GROUP
    mgmt = org.management
    for region, traffic in (("us-east-1", "REJECT"), ("eu-west-1", "ALL")):
        mgmt.client("logs", region).create_log_group(logGroupName=GROUP)
        _flow_log(mgmt, region, traffic, LogGroupName=GROUP)

    wl = org.workloads
    wl.client("logs", "us-east-1").create_log_group(logGroupName=GROUP)
    # Accepted traffic only: misses the rejected connections EC2.6 asks for.
    _flow_log(wl, "us-east-1", "ACCEPT", LogGroupName=GROUP)
    # Delivery to a log group that does not exist: DeliverLogsStatus FAILED.
    _flow_log(
        wl,
        "eu-west-1",
        "ALL",
        LogDestinationType="cloud-watch-logs",
        LogDestination=wl.arn("logs", "eu-west-1", "log-group:/vpc/deleted-group"),
    )
    # log-archive and sandbox: no flow logs at all.

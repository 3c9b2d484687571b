"""VPC flow logs as log sources: each flow log, and each VPC that has none (logging off)."""

from __future__ import annotations

from collections.abc import Iterator

from scanner.core.dataset import Scope
from scanner.core.datasets.ec2 import VPC_FLOW_LOGS, FlowLog
from scanner.core.logsource import Destination, Extractor, LogSource
from scanner.core.view import View


def _destination(view: View, flow_log: FlowLog) -> Destination | None:
    if flow_log.log_destination:
        return Destination.from_arn(flow_log.log_destination)
    if flow_log.log_group_name and view.region:
        partition = view.org.inventory.partition
        return Destination.log_group(
            flow_log.log_group_name, view.account_id, view.region, partition
        )
    return None


def flow_logs(view: View) -> Iterator[LogSource]:
    """Flow logs of the view's region (on VPCs, subnets or interfaces), then the VPCs that have
    no flow log at all."""
    data = view.get(VPC_FLOW_LOGS)
    for flow_log in data.flow_logs:
        dest = _destination(view, flow_log)
        note = ""
        if flow_log.deliver_logs_status and flow_log.deliver_logs_status != "SUCCESS":
            note = f"delivery {flow_log.deliver_logs_status}"
            if flow_log.deliver_logs_error_message:
                note += f": {flow_log.deliver_logs_error_message}"
        yield LogSource(
            kind="flow-log",
            id=flow_log.flow_log_id,
            name=flow_log.resource_id,
            account_id=view.account_id,
            region=view.region,
            logging=flow_log.flow_log_status == "ACTIVE",
            log_types=(flow_log.traffic_type,) if flow_log.traffic_type else (),
            destinations=(dest,) if dest else (),
            detail=f"flow log of {flow_log.resource_id}",
            note=note,
        )
    logged = {f.resource_id for f in data.flow_logs}
    for vpc in data.vpcs:
        if vpc.vpc_id not in logged:
            yield LogSource(
                kind="flow-log",
                id=vpc.vpc_id,
                name=vpc.vpc_id,
                account_id=view.account_id,
                region=view.region,
                logging=False,
                detail="default VPC" if vpc.is_default else "VPC",
                note="no flow log on this VPC",
            )


EXTRACTORS = (
    Extractor(
        name="ec2.flow_logs",
        kind="flow-log",
        scope=Scope.REGION,
        requires=(VPC_FLOW_LOGS,),
        extract=flow_logs,
    ),
)

"""Network Firewall firewalls as log sources: alert, flow and TLS logs by destination."""

from __future__ import annotations

from collections.abc import Iterator

from scanner.core.dataset import Scope
from scanner.core.datasets.network_firewall import NETWORK_FIREWALLS, LogDestination
from scanner.core.logsource import Destination, DestinationType, Extractor, LogSource
from scanner.core.model import peek
from scanner.core.view import View


def _destination(view: View, log: LogDestination) -> Destination:
    target = log.destination
    if log.destination_type == "S3":
        return Destination.s3(target.get("bucketName", ""), target.get("prefix"))
    if log.destination_type == "CloudWatchLogs":
        partition = view.org.inventory.partition
        return Destination.log_group(
            target.get("logGroup", ""), view.account_id, view.region or "", partition
        )
    stream = target.get("deliveryStream", "")
    return Destination(
        type=DestinationType.FIREHOSE if stream else DestinationType.OTHER,
        target=stream or ",".join(f"{k}={v}" for k, v in sorted(target.items())),
        account_id=view.account_id,
        region=view.region,
    )


def firewalls(view: View) -> Iterator[LogSource]:
    """Firewalls of the view's region; logging unknown when the configuration was not read."""
    for firewall in view.get(NETWORK_FIREWALLS):
        logs: tuple[LogDestination, ...] | None = peek(firewall, "destinations")
        yield LogSource(
            kind="firewall",
            id=firewall.arn,
            name=firewall.name,
            account_id=view.account_id,
            region=view.region,
            logging=None if logs is None else bool(logs),
            log_types=tuple(sorted({d.log_type for d in logs or ()})),
            destinations=tuple(_destination(view, d) for d in logs or ()),
            detail="Network Firewall",
            note="" if logs is not None else "DescribeLoggingConfiguration could not be read",
        )


EXTRACTORS = (
    Extractor(
        name="network_firewall.firewalls",
        kind="firewall",
        scope=Scope.REGION,
        requires=(NETWORK_FIREWALLS,),
        extract=firewalls,
    ),
)

"""Route 53 public hosted zones as log sources: DNS query logging to CloudWatch Logs."""

from __future__ import annotations

from collections.abc import Iterator

from scanner.core.dataset import Scope
from scanner.core.datasets.route53 import ROUTE53_HOSTED_ZONES
from scanner.core.logsource import Destination, Extractor, LogSource
from scanner.core.view import View


def hosted_zones(view: View) -> Iterator[LogSource]:
    """Every public hosted zone of the account (global: no region). Private zones are left out:
    their queries are logged by Resolver query logging, which the inventory does not read."""
    for zone in view.get(ROUTE53_HOSTED_ZONES):
        if zone.private:
            continue
        yield LogSource(
            kind="hosted-zone",
            id=zone.arn,
            name=zone.name,
            account_id=view.account_id,
            logging=bool(zone.query_log_groups),
            log_types=("dns-query",),
            destinations=tuple(Destination.from_arn(g) for g in zone.query_log_groups),
            detail="public hosted zone",
        )


EXTRACTORS = (
    Extractor(
        name="route53.hosted_zones",
        kind="hosted-zone",
        scope=Scope.ACCOUNT,
        requires=(ROUTE53_HOSTED_ZONES,),
        extract=hosted_zones,
    ),
)

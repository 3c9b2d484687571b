"""Route 53 dataset: the account's hosted zones and their DNS query logging configurations."""

from __future__ import annotations

from scanner.core.dataset import Dataset, Scope
from scanner.core.model import Frozen


class HostedZone(Frozen):
    """A hosted zone (ListHostedZones) and the log groups of its query logging configurations
    (ListQueryLoggingConfigs for the whole account, matched on the zone id)."""

    id: str
    arn: str
    name: str
    private: bool
    query_log_groups: tuple[str, ...] = ()


ROUTE53_HOSTED_ZONES: Dataset[list[HostedZone]] = Dataset(
    "route53.hosted_zones",
    Scope.ACCOUNT,
    list[HostedZone],
    "ListHostedZones and ListQueryLoggingConfigs (global service)",
)

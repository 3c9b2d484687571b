"""Route 53 collector: the account's hosted zones and DNS query logging configurations, once per
account (a global service, through its global endpoint): two listings, no per-zone call."""

from __future__ import annotations

from scanner.aws.collector import Collector, on
from scanner.aws.engine import CollectContext
from scanner.core.datasets.route53 import ROUTE53_HOSTED_ZONES, HostedZone


def zone_id(raw: str) -> str:
    """A hosted zone id without the "/hostedzone/" prefix ListHostedZones puts in front."""
    return raw.rsplit("/", 1)[-1]


def fetch_hosted_zones(ctx: CollectContext) -> list[HostedZone]:
    region = ctx.home_region
    zones = ctx.paginate("route53", "list_hosted_zones", "HostedZones", region=region)
    # Without HostedZoneId, ListQueryLoggingConfigs lists every configuration of the account.
    configs = ctx.paginate(
        "route53", "list_query_logging_configs", "QueryLoggingConfigs", region=region
    )
    groups: dict[str, list[str]] = {}
    for config in configs:
        key = zone_id(str(config.get("HostedZoneId", "")))
        groups.setdefault(key, []).append(str(config.get("CloudWatchLogsLogGroupArn", "")))
    out: list[HostedZone] = []
    for item in zones:
        zid = zone_id(str(item["Id"]))
        out.append(
            HostedZone(
                id=zid,
                arn=f"arn:{ctx.partition}:route53:::hostedzone/{zid}",
                name=str(item.get("Name", "")),
                private=bool((item.get("Config") or {}).get("PrivateZone", False)),
                query_log_groups=tuple(sorted(groups.get(zid, ()))),
            )
        )
    return sorted(out, key=lambda z: z.id)


COLLECTORS = (
    Collector(
        ROUTE53_HOSTED_ZONES,
        ("route53:ListHostedZones", "route53:ListQueryLoggingConfigs"),
        fetch_hosted_zones,
        events=on(
            "route53.amazonaws.com",
            "CreateHostedZone",
            "DeleteHostedZone",
            "CreateQueryLoggingConfig",
            "DeleteQueryLoggingConfig",
        ),
    ),
)

"""Load balancer, distribution, hosted zone, web ACL, cluster and firewall log sources over
hand-built inventories: where each delivers, gaps as logging off, unread ones as unknown."""

from __future__ import annotations

from typing import Any

from scanner.core.datasets.cloudfront import CLOUDFRONT_DISTRIBUTIONS, Distribution
from scanner.core.datasets.eks import EKS_CLUSTERS, Cluster
from scanner.core.datasets.elb import ELB_CLASSIC_LOAD_BALANCERS, ELBV2_LOAD_BALANCERS, LoadBalancer
from scanner.core.datasets.network_firewall import NETWORK_FIREWALLS, Firewall, LogDestination
from scanner.core.datasets.route53 import ROUTE53_HOSTED_ZONES, HostedZone
from scanner.core.datasets.waf import WAFV2_WEB_ACLS, WebAcl
from scanner.core.logsource import DestinationType, LogSource, extract
from scanner.core.model import CollectionError
from tests.builders import MGMT, InventoryBuilder

R1 = "us-east-1"
DENIED = CollectionError(
    operation="Describe", iam_action="x:Describe", code="AccessDenied", message="no", region=R1
)


def _sources(inv: InventoryBuilder, kind: str) -> dict[str, LogSource]:
    return {s.name: s for s in extract(inv.build()).sources if s.kind == kind}


def _lb(name: str, kind: str, **kw: Any) -> LoadBalancer:
    return LoadBalancer(name=name, arn=f"arn:{name}", kind=kind, **kw)


def test_load_balancers_with_bucket_off_and_unknown_nlb_left_out() -> None:
    inv = InventoryBuilder(regions=(R1,))
    unread = LoadBalancer.failed(DENIED, "access_logs_enabled", "bucket", "prefix")
    inv.account(MGMT).put(
        ELB_CLASSIC_LOAD_BALANCERS,
        [_lb("clb", "classic", access_logs_enabled=False), _lb("x", "classic", errors=unread)],
    ).put(
        ELBV2_LOAD_BALANCERS,
        [
            _lb("alb", "application", access_logs_enabled=True, bucket="logs", prefix="elb"),
            _lb("nlb", "network"),
        ],
    )
    found = _sources(inv, "load-balancer")
    assert set(found) == {"clb", "x", "alb"}
    assert (found["clb"].logging, found["x"].logging, found["alb"].logging) == (False, None, True)
    [dest] = found["alb"].destinations
    assert (dest.type, dest.target, dest.prefix) == (DestinationType.S3, "logs", "elb")


def test_distributions_zones_and_web_acls() -> None:
    group = f"arn:aws:logs:{R1}:{MGMT}:log-group:/aws/route53/shop.example:*"
    inv = InventoryBuilder(regions=(R1,))
    inv.account(MGMT).put(
        CLOUDFRONT_DISTRIBUTIONS,
        [
            Distribution(
                id="D1",
                arn="arn:aws:cloudfront::1:distribution/D1",
                domain_name="d1.cloudfront.net",
                logging_enabled=True,
                logging_bucket="cf-logs.s3.amazonaws.com",
                logging_prefix="d1/",
            )
        ],
    ).put(
        ROUTE53_HOSTED_ZONES,
        [
            HostedZone(
                id="Z1", arn="z1", name="shop.example.", private=False, query_log_groups=(group,)
            ),
            HostedZone(id="Z2", arn="z2", name="corp.internal.", private=True),
        ],
    ).put(
        WAFV2_WEB_ACLS,
        [WebAcl(name="api", id="1", arn="arn:acl", scope="REGIONAL")],
    )
    [dist] = _sources(inv, "distribution").values()
    assert (dist.region, dist.destinations[0].target, dist.destinations[0].prefix) == (
        None,
        "cf-logs",
        "d1/",
    )
    zones = _sources(inv, "hosted-zone")
    assert list(zones) == ["shop.example."]
    assert zones["shop.example."].destinations[0].target == "/aws/route53/shop.example"
    assert _sources(inv, "web-acl")["api"].logging is False


def test_clusters_and_firewalls() -> None:
    inv = InventoryBuilder(regions=(R1,))
    inv.account(MGMT).put(
        EKS_CLUSTERS,
        [
            Cluster(name="shop", arn="arn:shop", enabled_log_types=("api", "audit")),
            Cluster(name="dark", errors=Cluster.failed(DENIED, "arn", "enabled_log_types")),
        ],
    ).put(
        NETWORK_FIREWALLS,
        [
            Firewall(
                name="fw",
                arn="arn:fw",
                destinations=(
                    LogDestination(
                        log_type="FLOW",
                        destination_type="CloudWatchLogs",
                        destination={"logGroup": "nfw-flow"},
                    ),
                    LogDestination(
                        log_type="ALERT",
                        destination_type="KinesisDataFirehose",
                        destination={"deliveryStream": "nfw-alerts"},
                    ),
                ),
            ),
            Firewall(name="quiet", arn="arn:quiet"),
        ],
    )
    clusters = _sources(inv, "cluster")
    assert clusters["shop"].destinations[0].target == "/aws/eks/shop/cluster"
    assert clusters["shop"].log_types == ("api", "audit")
    assert clusters["dark"].logging is None and clusters["dark"].note
    firewalls = _sources(inv, "firewall")
    assert firewalls["fw"].log_types == ("ALERT", "FLOW")
    assert [d.type for d in firewalls["fw"].destinations] == [
        DestinationType.CLOUDWATCH_LOGS,
        DestinationType.FIREHOSE,
    ]
    assert firewalls["quiet"].logging is False

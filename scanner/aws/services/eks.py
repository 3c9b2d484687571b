"""EKS collector: clusters per region and their enabled control plane log types.

A DescribeCluster call that fails is recorded on that cluster (its ARN and log types are
unavailable), so one unreadable cluster does not hide the others.
"""

from __future__ import annotations

from typing import Any

from scanner.aws.collector import Collector, on
from scanner.aws.engine import CollectContext
from scanner.aws.services._resource_call import FAILED, resource_call
from scanner.core.datasets.eks import EKS_CLUSTERS, Cluster
from scanner.core.model import CollectionError


def enabled_log_types(cluster: dict[str, Any]) -> tuple[str, ...]:
    """The log types of DescribeCluster's logging.clusterLogging entries that are enabled."""
    types: set[str] = set()
    for setup in (cluster.get("logging") or {}).get("clusterLogging") or ():
        if setup.get("enabled"):
            types.update(str(t) for t in setup.get("types") or ())
    return tuple(sorted(types))


def fetch_clusters(ctx: CollectContext) -> list[Cluster]:
    eks = ctx.client("eks")
    out: list[Cluster] = []
    for name in ctx.paginate("eks", "list_clusters", "clusters"):
        errors: dict[str, CollectionError] = {}
        raw = resource_call(
            errors,
            ("arn", "enabled_log_types"),
            ctx.region,
            lambda: eks.describe_cluster(name=name),  # noqa: B023 - called at once
        )
        cluster = raw.get("cluster", {}) if raw is not FAILED else {}
        out.append(
            Cluster(
                name=str(name),
                arn=cluster.get("arn") or None,
                enabled_log_types=enabled_log_types(cluster),
                errors=errors,
            )
        )
    return sorted(out, key=lambda c: c.name)


COLLECTORS = (
    Collector(
        EKS_CLUSTERS,
        ("eks:ListClusters", "eks:DescribeCluster"),
        fetch_clusters,
        events=on("eks.amazonaws.com", "CreateCluster", "DeleteCluster", "UpdateClusterConfig"),
    ),
)

"""EKS dataset: clusters per region and the control plane log types they send to CloudWatch."""

from __future__ import annotations

from scanner.core.dataset import Dataset, Scope
from scanner.core.model import Collected


class Cluster(Collected):
    """A cluster (ListClusters) and its enabled control plane log types (DescribeCluster's
    logging.clusterLogging, the types of the entries with enabled=true).

    `arn` and `enabled_log_types` are unavailable (errors) when DescribeCluster failed.
    """

    name: str
    arn: str | None = None
    enabled_log_types: tuple[str, ...] = ()


EKS_CLUSTERS: Dataset[list[Cluster]] = Dataset(
    "eks.clusters",
    Scope.REGION,
    list[Cluster],
    "ListClusters, then DescribeCluster per cluster",
)

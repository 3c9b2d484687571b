"""EKS clusters as log sources: control plane logs to /aws/eks/<cluster>/cluster."""

from __future__ import annotations

from collections.abc import Iterator

from scanner.core.dataset import Scope
from scanner.core.datasets.eks import EKS_CLUSTERS
from scanner.core.logsource import Destination, Extractor, LogSource
from scanner.core.model import peek
from scanner.core.view import View


def clusters(view: View) -> Iterator[LogSource]:
    """Clusters of the view's region; logging unknown when DescribeCluster could not be read."""
    partition = view.org.inventory.partition
    for cluster in view.get(EKS_CLUSTERS):
        types: tuple[str, ...] | None = peek(cluster, "enabled_log_types")
        arn = peek(cluster, "arn")
        dest = Destination.log_group(
            f"/aws/eks/{cluster.name}/cluster", view.account_id, view.region or "", partition
        )
        yield LogSource(
            kind="cluster",
            id=arn or f"arn:{partition}:eks:{view.region}:{view.account_id}:cluster/{cluster.name}",
            name=cluster.name,
            account_id=view.account_id,
            region=view.region,
            logging=None if types is None else bool(types),
            log_types=types or (),
            destinations=(dest,) if types else (),
            detail="EKS cluster control plane",
            note="" if types is not None else "DescribeCluster could not be read",
        )


EXTRACTORS = (
    Extractor(
        name="eks.clusters",
        kind="cluster",
        scope=Scope.REGION,
        requires=(EKS_CLUSTERS,),
        extract=clusters,
    ),
)

"""RDS API databases as log sources: DB instances and DB clusters (Aurora, Neptune, DocumentDB).

An instance that belongs to a DB cluster publishes through the cluster (Aurora keeps the export
setting there), so it is not listed on its own: the cluster is. Each exported log type goes to a
log group of a fixed name (RDS and Aurora: /aws/rds/...; Neptune: /aws/neptune/...; DocumentDB:
/aws/docdb/...). Instances and clusters are two extractors over the one dataset, so a listing
that failed is a gap of its own extractor and the other is still listed.
"""

from __future__ import annotations

from collections.abc import Iterator

from scanner.core.dataset import Scope
from scanner.core.datasets.rds import RDS_DATABASES, DbCluster
from scanner.core.logsource import Destination, Extractor, LogSource
from scanner.core.view import View

_CLUSTER_GROUP_PREFIX = {"neptune": "/aws/neptune", "docdb": "/aws/docdb"}
_NO_EXPORTS = "no log exports to CloudWatch Logs"


def _cluster_group(cluster: DbCluster, log_type: str) -> str:
    prefix = _CLUSTER_GROUP_PREFIX.get(cluster.engine)
    if prefix:
        return f"{prefix}/{cluster.identifier}/{log_type}"
    return f"/aws/rds/cluster/{cluster.identifier}/{log_type}"


def instances(view: View) -> Iterator[LogSource]:
    """The region's DB instances that are not members of a DB cluster."""
    region = view.region or view.home_region
    partition = view.org.inventory.partition
    for db in view.get(RDS_DATABASES).instances:  # listing failed: FieldUnavailable, a gap
        if db.cluster_identifier:
            continue
        yield LogSource(
            kind="database",
            id=db.arn,
            name=db.identifier,
            account_id=view.account_id,
            region=region,
            logging=bool(db.log_exports),
            log_types=db.log_exports,
            destinations=tuple(
                Destination.log_group(
                    f"/aws/rds/instance/{db.identifier}/{t}", view.account_id, region, partition
                )
                for t in db.log_exports
            ),
            detail=f"{db.engine} DB instance",
            note="" if db.log_exports else _NO_EXPORTS,
        )


def clusters(view: View) -> Iterator[LogSource]:
    """The region's DB clusters of every engine."""
    region = view.region or view.home_region
    partition = view.org.inventory.partition
    for cluster in view.get(RDS_DATABASES).clusters:  # listing failed: a gap
        yield LogSource(
            kind="database",
            id=cluster.arn,
            name=cluster.identifier,
            account_id=view.account_id,
            region=region,
            logging=bool(cluster.log_exports),
            log_types=cluster.log_exports,
            destinations=tuple(
                Destination.log_group(
                    _cluster_group(cluster, t), view.account_id, region, partition
                )
                for t in cluster.log_exports
            ),
            detail=f"{cluster.engine} DB cluster",
            note="" if cluster.log_exports else _NO_EXPORTS,
        )


EXTRACTORS = (
    Extractor(
        name="rds.instances",
        kind="database",
        scope=Scope.REGION,
        requires=(RDS_DATABASES,),
        extract=instances,
    ),
    Extractor(
        name="rds.clusters",
        kind="database",
        scope=Scope.REGION,
        requires=(RDS_DATABASES,),
        extract=clusters,
    ),
)

"""Redshift provisioned clusters as log sources: audit logs to S3 or to CloudWatch Logs."""

from __future__ import annotations

from collections.abc import Iterator

from scanner.core.dataset import Scope
from scanner.core.datasets.redshift import REDSHIFT_CLUSTERS, RedshiftCluster
from scanner.core.logsource import Destination, Extractor, LogSource
from scanner.core.model import FieldUnavailable
from scanner.core.view import View


def _source(view: View, cluster: RedshiftCluster, region: str) -> LogSource:
    base = {
        "kind": "cluster",
        "id": cluster.arn,
        "name": cluster.identifier,
        "account_id": view.account_id,
        "region": region,
        "detail": "Redshift cluster",
    }
    try:
        enabled = cluster.logging_enabled
        to_cloudwatch = cluster.destination_type == "cloudwatch"
    except FieldUnavailable as exc:  # DescribeLoggingStatus failed for this cluster
        return LogSource(**base, logging=None, note=f"not read: {exc.errors[0].describe()}")
    if not enabled:
        return LogSource(**base, logging=False, note="audit logging off")
    if to_cloudwatch:
        partition = view.org.inventory.partition
        group = f"/aws/redshift/cluster/{cluster.identifier}"
        destinations = tuple(
            Destination.log_group(f"{group}/{t}", view.account_id, region, partition)
            for t in cluster.log_exports
        )
    else:
        destinations = (
            (Destination.s3(cluster.bucket_name, cluster.s3_key_prefix),)
            if cluster.bucket_name
            else ()
        )
    return LogSource(
        **base,
        logging=bool(destinations),
        log_types=cluster.log_exports or ("connectionlog", "userlog", "useractivitylog"),
        destinations=destinations,
        note=cluster.last_failure_message or ("" if destinations else "no log type exported"),
    )


def clusters(view: View) -> Iterator[LogSource]:
    """The region's clusters; one whose logging status could not be read is listed with
    `logging` None (the note names the failed call)."""
    region = view.region or view.home_region
    for cluster in view.get(REDSHIFT_CLUSTERS):
        yield _source(view, cluster, region)


EXTRACTORS = (
    Extractor(
        name="redshift.clusters",
        kind="cluster",
        scope=Scope.REGION,
        requires=(REDSHIFT_CLUSTERS,),
        extract=clusters,
    ),
)

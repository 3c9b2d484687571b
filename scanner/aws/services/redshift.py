"""Redshift collector: provisioned clusters and each cluster's audit logging status, per region.

DescribeLoggingStatus failing for one cluster is recorded on that cluster's logging fields
(scanner.core.model.Collected): that cluster is ERROR, the others are still judged.
"""

from __future__ import annotations

from typing import Any

from scanner.aws.collector import Collector, on
from scanner.aws.engine import CollectContext, error_from_exception
from scanner.core.datasets.redshift import REDSHIFT_CLUSTERS, RedshiftCluster

LOGGING_FIELDS = (
    "logging_enabled",
    "destination_type",
    "bucket_name",
    "s3_key_prefix",
    "log_exports",
    "last_failure_message",
)


def _arn(ctx: CollectContext, raw: dict[str, Any]) -> str:
    ident = raw["ClusterIdentifier"]
    return f"arn:{ctx.partition}:redshift:{ctx.region}:{ctx.account_id}:cluster:{ident}"


def fetch_clusters(ctx: CollectContext) -> list[RedshiftCluster]:
    client = ctx.client("redshift")
    out: list[RedshiftCluster] = []
    for raw in ctx.paginate("redshift", "describe_clusters", "Clusters"):
        ident = str(raw["ClusterIdentifier"])
        base = {
            "identifier": ident,
            "arn": _arn(ctx, raw),
            "status": str(raw.get("ClusterStatus") or ""),
        }
        try:
            status = client.describe_logging_status(ClusterIdentifier=ident)
        except Exception as exc:  # recorded on this cluster; the others are still judged
            error = error_from_exception(exc, ctx.region)
            out.append(
                RedshiftCluster(**base, errors=RedshiftCluster.failed(error, *LOGGING_FIELDS))
            )
            continue
        out.append(
            RedshiftCluster(
                **base,
                logging_enabled=bool(status.get("LoggingEnabled", False)),
                destination_type=status.get("LogDestinationType") or None,
                bucket_name=status.get("BucketName") or None,
                s3_key_prefix=status.get("S3KeyPrefix") or None,
                log_exports=tuple(status.get("LogExports") or ()),
                last_failure_message=status.get("LastFailureMessage") or None,
            )
        )
    return sorted(out, key=lambda c: c.identifier)


COLLECTORS = (
    Collector(
        REDSHIFT_CLUSTERS,
        ("redshift:DescribeClusters", "redshift:DescribeLoggingStatus"),
        fetch_clusters,
        events=on(
            "redshift.amazonaws.com",
            "CreateCluster",
            "DeleteCluster",
            "ModifyCluster",
            "RestoreFromClusterSnapshot",
            "EnableLogging",
            "DisableLogging",
        ),
    ),
)

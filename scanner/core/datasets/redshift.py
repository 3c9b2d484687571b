"""Redshift provisioned clusters per region, with each cluster's audit logging status."""

from __future__ import annotations

from scanner.core.dataset import Dataset, Scope
from scanner.core.model import Collected


class RedshiftCluster(Collected):
    """DescribeClusters, then DescribeLoggingStatus for the cluster.

    The logging fields come from DescribeLoggingStatus; when that call failed for this cluster
    they are recorded in `errors` (reading one raises FieldUnavailable: ERROR, never "off").
    """

    identifier: str
    arn: str
    status: str
    logging_enabled: bool = False
    destination_type: str | None = None
    """LogDestinationType: "s3" or "cloudwatch" (absent in older answers: S3)."""
    bucket_name: str | None = None
    s3_key_prefix: str | None = None
    log_exports: tuple[str, ...] = ()
    last_failure_message: str | None = None


REDSHIFT_CLUSTERS: Dataset[list[RedshiftCluster]] = Dataset(
    "redshift.clusters",
    Scope.REGION,
    list[RedshiftCluster],
    "DescribeClusters and DescribeLoggingStatus for each cluster, in each region",
)

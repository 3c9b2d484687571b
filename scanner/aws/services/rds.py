"""RDS API collector: DB instances and DB clusters of every engine, once per account and region.

One DescribeDBInstances and one DescribeDBClusters listing (paginated, no engine filter) serve
the RDS, Aurora, DocumentDB and Neptune logging checks. A listing that fails is recorded on its
field of the dataset value (scanner.core.model.Collected), so the other listing is still used.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from scanner.aws.collector import Collector, on
from scanner.aws.engine import CollectContext, error_from_exception
from scanner.core.datasets.rds import RDS_DATABASES, Databases, DbCluster, DbInstance
from scanner.core.model import CollectionError


def _instance(raw: dict[str, Any]) -> DbInstance:
    return DbInstance(
        identifier=str(raw["DBInstanceIdentifier"]),
        arn=str(raw.get("DBInstanceArn") or ""),
        engine=str(raw.get("Engine") or ""),
        status=str(raw.get("DBInstanceStatus") or ""),
        cluster_identifier=raw.get("DBClusterIdentifier") or None,
        log_exports=tuple(raw.get("EnabledCloudwatchLogsExports") or ()),
    )


def _cluster(raw: dict[str, Any]) -> DbCluster:
    return DbCluster(
        identifier=str(raw["DBClusterIdentifier"]),
        arn=str(raw.get("DBClusterArn") or ""),
        engine=str(raw.get("Engine") or ""),
        status=str(raw.get("Status") or ""),
        engine_mode=raw.get("EngineMode") or None,
        log_exports=tuple(raw.get("EnabledCloudwatchLogsExports") or ()),
    )


def _listing(
    ctx: CollectContext,
    errors: dict[str, CollectionError],
    field: str,
    operation: str,
    key: str,
    parse: Callable[[dict[str, Any]], Any],
) -> tuple[Any, ...]:
    try:
        items = ctx.paginate("rds", operation, key)
    except Exception as exc:  # recorded on the field; the other listing is still used
        errors.update(Databases.failed(error_from_exception(exc, ctx.region), field))
        return ()
    return tuple(sorted((parse(i) for i in items), key=lambda r: r.identifier))


def fetch_databases(ctx: CollectContext) -> Databases:
    errors: dict[str, CollectionError] = {}
    instances = _listing(
        ctx, errors, "instances", "describe_db_instances", "DBInstances", _instance
    )
    clusters = _listing(ctx, errors, "clusters", "describe_db_clusters", "DBClusters", _cluster)
    return Databases(instances=instances, clusters=clusters, errors=errors)


# DocumentDB and Neptune management calls are recorded by CloudTrail with eventSource
# rds.amazonaws.com, like RDS's own.
COLLECTORS = (
    Collector(
        RDS_DATABASES,
        ("rds:DescribeDBInstances", "rds:DescribeDBClusters"),
        fetch_databases,
        events=on(
            "rds.amazonaws.com",
            "CreateDBInstance",
            "CreateDBInstanceReadReplica",
            "ModifyDBInstance",
            "DeleteDBInstance",
            "StartDBInstance",
            "StopDBInstance",
            "RestoreDBInstanceFromDBSnapshot",
            "RestoreDBInstanceFromS3",
            "RestoreDBInstanceToPointInTime",
            "CreateDBCluster",
            "ModifyDBCluster",
            "DeleteDBCluster",
            "StartDBCluster",
            "StopDBCluster",
            "RestoreDBClusterFromS3",
            "RestoreDBClusterFromSnapshot",
            "RestoreDBClusterToPointInTime",
        ),
    ),
)

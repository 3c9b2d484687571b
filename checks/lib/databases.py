"""RDS API helpers: resources of DB instances and clusters, and the cluster log-export verdict."""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator

from scanner.core.datasets.rds import RDS_DATABASES, DbCluster, DbInstance
from scanner.core.model import Resource, Result, Status
from scanner.core.view import View


def instance_resource(view: View, db: DbInstance) -> Resource:
    return Resource(
        type="AwsRdsDbInstance", id=db.arn, region=view.region, account_id=view.account_id
    )


def cluster_resource(view: View, cluster: DbCluster) -> Resource:
    return Resource(
        type="AwsRdsDbCluster", id=cluster.arn, region=view.region, account_id=view.account_id
    )


def missing(required: Collection[str], exported: Collection[str]) -> list[str]:
    """The required log types not exported (API names, compared case-insensitively)."""
    have = {e.lower() for e in exported}
    return sorted(r for r in required if r.lower() not in have)


def cluster_export_results(
    view: View,
    engines: Collection[str],
    required: Collection[str],
    what: str,
    skip: Callable[[DbCluster], bool] = lambda _: False,
) -> Iterator[Result]:
    """One result per DB cluster of `engines` in the region (none: no finding): PASS when its
    EnabledCloudwatchLogsExports include every `required` log type, FAIL naming the missing ones.
    A failed DescribeDBClusters is raised (FieldUnavailable): the engine's ERROR on the account.
    """
    for cluster in view.get(RDS_DATABASES).clusters:
        if cluster.engine not in engines or skip(cluster):
            continue
        lacking = missing(required, cluster.log_exports)
        evidence = {
            "api": "rds:DescribeDBClusters",
            "Engine": cluster.engine,
            "EngineMode": cluster.engine_mode,
            "EnabledCloudwatchLogsExports": list(cluster.log_exports),
            "required": sorted(required),
        }
        if lacking:
            status = Status.FAIL
            reason = f"The {what} does not publish {', '.join(lacking)} logs to CloudWatch Logs."
            evidence["missing"] = lacking
        else:
            status = Status.PASS
            reason = f"The {what} publishes {', '.join(sorted(required))} logs to CloudWatch Logs."
        yield Result(
            status=status,
            resource=cluster_resource(view, cluster),
            reason=reason,
            evidence=evidence,
        )
